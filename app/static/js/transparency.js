// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // A select marked data-autosubmit reloads its form (e.g. choosing a province lists its communes).
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => {
      const commune = select.form.querySelector("select[name=xa]");
      if (commune && select.name === "tinh") commune.value = "";
      select.form.submit();
    });
  });
  // Report job page: poll the status and reload when the files are ready.
  const job = document.querySelector("[data-report-status]");
  if (job) {
    const bar = job.querySelector("progress");
    const poll = () => {
      fetch(job.dataset.reportStatus, { headers: { Accept: "application/json" } })
        .then((r) => r.json())
        .then((s) => {
          if (bar) bar.value = s.progress;
          if (s.status === "done" || s.status === "failed") window.location.reload();
          else window.setTimeout(poll, 1500);
        })
        .catch(() => window.setTimeout(poll, 5000));
    };
    window.setTimeout(poll, 1000);
  }
});
