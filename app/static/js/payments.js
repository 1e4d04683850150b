// Payments: "select all" checkbox of the review queue (progressive enhancement; the page works without it).
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("input[data-select-all]")) { return; }
  var name = box.getAttribute("data-select-all");
  var form = box.closest("form");
  form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (el) { el.checked = box.checked; });
});
