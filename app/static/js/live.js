// Live figures without a reload (issues 20.8 and 17.2): short polling of small cached JSON documents.
// Progressive enhancement: the pages work without it. No inline script, no innerHTML (CSP and XSS safe);
// new text is announced politely through an aria-live region. Polling pauses while the tab is hidden.
(function () {
  "use strict";

  function poller(url, seconds, onData) {
    let timer = null;
    const tick = () => {
      timer = null;
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : null))
        .then((data) => { if (data) onData(data); })
        .catch(() => {})
        .finally(schedule);
    };
    const schedule = () => {
      if (timer === null && !document.hidden) timer = window.setTimeout(tick, seconds * 1000);
    };
    document.addEventListener("visibilitychange", () => {
      if (document.hidden && timer !== null) { window.clearTimeout(timer); timer = null; }
      else schedule();
    });
    schedule();
  }

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function say(region, text) {
    if (!region || !text) return;
    region.hidden = false;
    region.textContent = text;
  }

  function creditRow(c, body) {
    const tr = el("tr", "", "tp-new");
    const when = el("td", c.thoi_diem_vn ? c.thoi_diem_vn.slice(0, 10) : c.ngay_nhan);
    if (c.thoi_diem_vn) { when.appendChild(document.createElement("br")); when.appendChild(el("small", c.thoi_diem_vn.slice(11), "muted")); }
    const who = el("td");
    const link = el("a", c.ten_hien_thi);
    link.href = body.dataset.liveLink.replace("/0", "/" + c.id);
    who.appendChild(link);
    if (c.chua_xac_dinh) { who.appendChild(document.createTextNode(" ")); who.appendChild(el("span", body.dataset.liveUnattributed, "badge warn")); }
    if (c.tai_khoan) { who.appendChild(document.createElement("br")); who.appendChild(el("small", body.dataset.liveFrom + " " + c.tai_khoan, "muted")); }
    const amount = el("td", c.so_tien, "num");
    const channel = el("td", c.kenh_ten);
    if (c.tai_khoan_nhan) { channel.appendChild(document.createElement("br")); channel.appendChild(el("small", body.dataset.liveInto + " " + c.tai_khoan_nhan + " · " + c.don_vi_nhan, "muted")); }
    const purpose = el("td", c.muc_dich_ten);
    purpose.appendChild(document.createElement("br"));
    purpose.appendChild(el("small", c.dia_ban, "muted"));
    const refs = el("td");
    const small = el("small", c.so_bien_nhan);
    [c.ma_dang_ky, c.ma_giao_dich].forEach((r) => { if (r) { small.appendChild(document.createElement("br")); small.appendChild(document.createTextNode(r)); } });
    refs.appendChild(small);
    [when, who, amount, channel, purpose, refs].forEach((td) => tr.appendChild(td));
    return tr;
  }

  function statement(body) {
    const region = document.getElementById("tp-live-status");
    let after = parseInt(body.dataset.liveAfter || "0", 10);
    const limit = parseInt(body.dataset.livePage || "50", 10);
    poller(body.dataset.liveUrl, parseInt(body.dataset.livePoll || "5", 10), (data) => {
      const fresh = data.items.filter((c) => c.id > after).reverse();
      if (!fresh.length) return;
      const empty = body.querySelector("td[colspan]");
      if (empty) empty.parentNode.remove();
      fresh.forEach((c) => body.insertBefore(creditRow(c, body), body.firstChild));
      while (body.rows.length > limit) body.deleteRow(body.rows.length - 1);
      const missed = fresh.length === data.items.length && after > 0 && data.items.length >= 20;
      after = data.latest_id;
      const last = fresh[fresh.length - 1];
      let text = body.dataset.liveNew.replace("{n}", String(fresh.length)) + " " + last.ten_hien_thi + " – " + last.so_tien + ".";
      if (missed) text += " " + body.dataset.liveMore;
      say(region, text);
    });
  }

  function overview(box) {
    const figure = box.querySelector("[data-live-received]");
    const region = document.getElementById("tp-live-status");
    let after = parseInt(box.dataset.liveAfter || "0", 10);
    poller(box.dataset.liveTotals, parseInt(box.dataset.livePoll || "5", 10), (data) => {
      if (figure && data.received) figure.textContent = data.received;
      const fresh = data.items.filter((c) => c.id > after);
      if (after > 0 && fresh.length) {
        const c = fresh[0];
        say(region, box.dataset.liveNew.replace("{n}", String(fresh.length)) + " " + c.ten_hien_thi + " – " + c.so_tien + ".");
      }
      after = Math.max(after, data.latest_id);
    });
  }

  function pledge(card) {
    const region = card.querySelector("[data-live-note]");
    let paid = parseInt(card.dataset.livePaid || "0", 10);
    poller(card.dataset.livePledge, 5, (data) => {
      if (data.paid_vnd === paid) return;
      paid = data.paid_vnd;
      const set = (sel, text) => { const n = card.querySelector(sel); if (n) n.textContent = text; };
      set(".amount.paid", data.paid);
      set(".amount.outstanding", data.outstanding);
      set("[data-live-status]", data.status_label);
      const bar = card.querySelector("progress");
      if (bar) bar.value = Math.min(paid, parseInt(bar.max, 10));
      say(region, data.last_payment);
    });
  }

  function donor(box) {
    const region = box.querySelector("[data-live-note]");
    let last = parseInt(box.dataset.liveLast || "0", 10);
    poller(box.dataset.liveDonor, 5, (data) => {
      if (data.last_id === last) return;
      last = data.last_id;
      say(region, data.last_payment + " " + box.dataset.liveReload);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("tbody[data-live-url]").forEach(statement);
    document.querySelectorAll("[data-live-totals]").forEach(overview);
    document.querySelectorAll("[data-live-pledge]").forEach(pledge);
    document.querySelectorAll("[data-live-donor]").forEach(donor);
  });
})();
