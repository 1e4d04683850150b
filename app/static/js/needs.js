// Needs entry form: suggest the fund's usual support when the kind of need changes (60.000.000 ₫ for a new
// house, 30.000.000 ₫ for a repair) if the "requested" field is still empty. No inline script (CSP).
(function () {
  "use strict";
  var kind = document.querySelector("[data-needs-kind]");
  var requested = document.getElementById("requested");
  if (!kind || !requested) { return; }
  var usual = { new_house: "60.000.000", repair: "30.000.000" };
  kind.addEventListener("change", function () {
    if (!requested.value.trim() && usual[kind.value]) {
      requested.value = usual[kind.value];
    }
  });
})();
