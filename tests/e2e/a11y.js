// Accessibility checks run inside the page (page.evaluate). Returns a list of problems (strings).
() => {
  const problems = [];
  const visible = (el) => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return s.visibility !== "hidden" && s.display !== "none" && r.width > 0 && r.height > 0;
  };
  const describe = (el) => {
    let d = el.tagName.toLowerCase();
    if (el.id) d += "#" + el.id;
    if (el.name) d += "[name=" + el.name + "]";
    const t = (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 40);
    return t ? d + " “" + t + "”" : d;
  };
  // 1. lang and exactly one h1
  if (!document.documentElement.getAttribute("lang")) problems.push("html has no lang attribute");
  const h1s = [...document.querySelectorAll("h1")].filter(visible);
  if (h1s.length !== 1) problems.push("the page has " + h1s.length + " visible h1 (expected 1)");
  // 2. every form control has a label
  for (const el of document.querySelectorAll("input, select, textarea")) {
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (["hidden", "submit", "button", "reset", "image"].includes(type)) continue;
    const named = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label") ||
      el.getAttribute("aria-labelledby") || el.getAttribute("title");
    if (!named) problems.push("form control without a label: " + describe(el));
  }
  // 3. images have alt (alt="" marks a decorative image)
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push("image without alt: " + (img.getAttribute("src") || "").slice(0, 80));
  }
  // 4. buttons and links have an accessible name
  for (const el of document.querySelectorAll("a[href], button")) {
    if (!visible(el)) continue;
    const name = (el.textContent || "").trim() || el.getAttribute("aria-label") || el.getAttribute("title") ||
      [...el.querySelectorAll("img[alt]")].map((i) => i.alt).join("");
    if (!name) problems.push("link/button without a name: " + describe(el));
  }
  // 5. contrast of text against its effective background (WCAG 2.x relative luminance)
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const blend = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
  });
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage && s.backgroundImage !== "none") return null; // gradient or image: not computable
      const c = parse(s.backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let bg = { r: 255, g: 255, b: 255, a: 1 };
    for (const layer of layers.reverse()) bg = blend(layer, bg);
    return bg;
  };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || seen.has(el) || !visible(el)) continue;
    seen.add(el);
    if (el.closest(".skip-link") && document.activeElement !== el.closest(".skip-link")) continue; // off-screen until focused
    const s = getComputedStyle(el);
    const fg = parse(s.color);
    const bg = background(el);
    if (!fg || !bg) continue;
    const color = blend({ ...fg, a: fg.a * Number(s.opacity || 1) }, bg);
    const [l1, l2] = [lum(color), lum(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    const need = large ? 3 : 4.5;
    if (ratio < need) problems.push("contrast " + ratio.toFixed(2) + ":1 < " + need + ":1 for " + describe(el) +
      " (" + s.color + " on rgb(" + [bg.r, bg.g, bg.b].map(Math.round).join(",") + "))");
  }
  return problems;
}
