// The overview's charts (Chart.js, vendored in app/static/vendor/). Progressive enhancement: every chart's
// numbers are in the table under it; without JavaScript the tables are the page. Data: /api/v1/charts (cached).
document.addEventListener("DOMContentLoaded", () => {
  const section = document.querySelector("[data-charts-url]");
  if (!section || typeof window.Chart !== "function") return;
  const money = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 0 });
  const compact = new Intl.NumberFormat("vi-VN", { notation: "compact", maximumFractionDigits: 1 });
  const vnd = (v) => `${money.format(v)} ₫`;
  const dayLabel = (iso) => iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4);
  const colours = ["#b91c1c", "#1d4ed8", "#047857", "#b45309", "#6d28d9", "#0e7490", "#be185d"];
  const narrow = window.matchMedia("(max-width: 40rem)").matches;

  const allDays = (first, last) => {
    const out = [];
    const d = new Date(first + "T00:00:00Z");
    const end = new Date(last + "T00:00:00Z");
    while (d <= end) {
      out.push(d.toISOString().slice(0, 10));
      d.setUTCDate(d.getUTCDate() + 1);
    }
    return out;
  };

  const draw = (name, config) => {
    const box = section.querySelector(`[data-chart="${name}"]`);
    if (!box) return;
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", box.dataset.label || "");
    box.appendChild(canvas);
    box.classList.add("has-chart");
    config.options = Object.assign(
      {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { position: narrow ? "bottom" : "top" },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label || c.label}: ${config.format(c.raw)}` } },
        },
      },
      config.options || {}
    );
    new window.Chart(canvas, config);
  };
  const moneyAxis = { ticks: { callback: (v) => compact.format(v) + " ₫" }, beginAtZero: true };

  fetch(section.dataset.chartsUrl, { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
    .then((data) => {
      const labels = data.labels;
      const received = data.received_by_day;
      if (received.length) {
        const byDay = Object.fromEntries(received.map((d) => [d.day, d.by_channel]));
        const days = allDays(received[0].day, received[received.length - 1].day);
        draw("received", {
          type: "bar",
          format: vnd,
          data: {
            labels: days.map(dayLabel),
            datasets: Object.entries(labels.channels).map(([code, label], i) => ({
              label,
              backgroundColor: colours[i % colours.length],
              data: days.map((d) => (byDay[d] ? byDay[d][code] : 0)),
            })),
          },
          options: { scales: { x: { stacked: true }, y: Object.assign({ stacked: true }, moneyAxis) } },
        });
      }
      if (data.by_area.length) {
        draw("area", {
          type: "bar",
          format: vnd,
          data: {
            labels: data.by_area.map((a) => a.name),
            datasets: [{ label: labels.received, backgroundColor: colours[0], data: data.by_area.map((a) => a.received_vnd) }],
          },
          options: { indexAxis: "y", scales: { x: moneyAxis }, plugins: { legend: { display: false } } },
        });
      }
      const flow = data.flow_by_day;
      if (flow.length) {
        draw("flow", {
          type: "line",
          format: vnd,
          data: {
            labels: flow.map((d) => dayLabel(d.day)),
            datasets: Object.entries(labels.flow).map(([key, label], i) => ({
              label,
              borderColor: colours[i],
              backgroundColor: colours[i],
              stepped: true,
              pointRadius: narrow ? 0 : 2,
              data: flow.map((d) => d[key]),
            })),
          },
          options: { scales: { y: moneyAxis } },
        });
      }
      if (data.houses.length) {
        draw("houses", {
          type: "bar",
          format: (v) => money.format(v),
          data: {
            labels: data.houses.map((h) => labels.houses[h.stage]),
            datasets: [{ label: labels.houses_count, backgroundColor: colours[2], data: data.houses.map((h) => h.count) }],
          },
          options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
        });
      }
    })
    .catch(() => {}); // the tables stay: nothing is lost without the pictures
});
