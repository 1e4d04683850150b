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
