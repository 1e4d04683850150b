// Matching proposal page: confirm before actions that move money, and show how many lines are selected.
(function () {
  "use strict";
  document.querySelectorAll("form[action$='/duyet'], form[action$='/thu-hoi']").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      var msg = form.action.endsWith("/duyet")
        ? "Phê duyệt sẽ ghi toàn bộ các khoản phân bổ vào sổ quỹ. Tiếp tục?"
        : "Thu hồi sẽ ghi bút toán đảo và trả tiền về các quỹ. Tiếp tục?";
      if (!window.confirm(msg)) { ev.preventDefault(); }
    });
  });
  var edit = document.getElementById("edit-form");
  if (edit) {
    var buttons = edit.querySelectorAll("button[name='action']");
    var update = function () {
      var n = edit.querySelectorAll("input[name='line']:checked").length;
      buttons.forEach(function (b) {
        b.disabled = n === 0;
        b.dataset.label = b.dataset.label || b.textContent;
        b.textContent = b.dataset.label + (n ? " (" + n + ")" : "");
      });
    };
    edit.addEventListener("change", update);
    update();
  }
})();
