// Paying a pledge (issue 19.4): copy buttons for the account number, amount and transfer note. Progressive
// enhancement only: the buttons are hidden until this script shows them, and the text stays selectable.
(function () {
  "use strict";

  function done(btn) {
    var label = btn.textContent;
    btn.textContent = btn.getAttribute("data-copied") || "✓";
    btn.classList.add("is-copied");
    window.setTimeout(function () {
      btn.textContent = label;
      btn.classList.remove("is-copied");
    }, 2000);
  }

  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    try {
      document.execCommand("copy");
    } catch (e) {
      /* the text stays visible to copy by hand */
    }
    document.body.removeChild(area);
  }

  document.addEventListener("click", function (event) {
    var btn = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!btn) {
      return;
    }
    var text = btn.getAttribute("data-copy");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { done(btn); },
        function () { fallback(text); done(btn); }
      );
    } else {
      fallback(text);
      done(btn);
    }
  });

  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.hidden = false;
  });
})();
