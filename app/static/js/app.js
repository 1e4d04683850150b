// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Confirm dangerous actions (forms marked data-confirm).
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});

// Staff navigation collapses into one "Menu" button on a phone (CSS shows the button below 640 px only).
document.addEventListener("DOMContentLoaded", () => {
  const nav = document.querySelector(".staff-nav");
  const toggle = nav && nav.querySelector(".menu-toggle");
  if (!toggle) return;
  nav.classList.add("has-js");
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
});

// Logging out removes the entry screen's offline copy (collections-sw.js) from this device: the next person to
// use the phone cannot open it with no network. Rows typed offline and not yet sent stay in localStorage and go
// out when the officer signs in again on this device.
document.addEventListener("DOMContentLoaded", () => {
  if (!("caches" in window)) return;
  document.querySelectorAll('form[action$="/dang-xuat"]').forEach((form) => {
    form.addEventListener("submit", () => {
      caches.keys().then((keys) => keys.filter((k) => k.indexOf("ct-collections-") === 0).forEach((k) => caches.delete(k)));
    });
  });
});
