// Pledge pages, progressive enhancement only: without JavaScript every section simply stays visible.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function checked(name) {
    var el = document.querySelector('input[name="' + name + '"]:checked');
    return el ? el.value : null;
  }
  function toggle(selector, show) {
    document.querySelectorAll(selector).forEach(function (el) { el.classList.toggle("is-hidden", !show); });
  }
  function digits(text) {
    var s = (text || "").replace(/[^\d]/g, "");
    return s ? parseInt(s, 10) : 0;
  }
  function vnd(n) { return n.toLocaleString("vi-VN") + " ₫"; }

  function refresh() {
    var kind = checked("donor_kind");
    if (kind) {
      toggle(".for-business", kind === "business");
      toggle(".for-household", kind !== "business");
    }
    var country = document.querySelector('select[name="country"]');
    if (country) {
      toggle(".for-vietnam", country.value === "VN");  // a donor abroad gives a country, not a commune
    }
    var what = checked("kind");
    if (what) {
      toggle(".for-money", what === "money");
      toggle(".for-in-kind", what === "in_kind");
    }
    var earmark = checked("earmark");
    if (earmark) {
      toggle(".for-earmark", earmark !== "anywhere");
      toggle(".for-earmark-commune", earmark === "commune");
    }
    var schedule = checked("schedule");
    if (schedule) {
      toggle(".for-instalments", schedule === "instalments");
      toggle(".for-now", schedule === "now");
    }
    var out = document.getElementById("instalment-sum");
    var amount = document.querySelector('input[name="amount"]');
    if (out && amount) {
      var sum = 0;
      document.querySelectorAll('input[name$="-amount"]').forEach(function (el) { sum += digits(el.value); });
      var total = digits(amount.value);
      out.textContent = sum ? "Tổng các đợt: " + vnd(sum) + (total && sum !== total ? " – chưa bằng số tiền đăng ký " + vnd(total) : "") : "";
    }
  }

  function loadCommunes(provinceSelect) {
    var form = provinceSelect.form;
    var url = form && form.dataset.communesUrl;
    var target = form && form.querySelector('select[data-commune-of="' + provinceSelect.dataset.province + '"]');
    if (!url || !target) return;
    target.disabled = true;
    fetch(url + "?tinh=" + encodeURIComponent(provinceSelect.value), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        var first = target.options[0];
        target.innerHTML = "";
        target.appendChild(first);
        rows.forEach(function (row) {
          var o = document.createElement("option");
          o.value = row.id; o.textContent = row.name;
          target.appendChild(o);
        });
      })
      .finally(function () { target.disabled = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[type=radio]").forEach(function (el) { el.addEventListener("change", refresh); });
    document.querySelectorAll('input[name="amount"], input[name$="-amount"]').forEach(function (el) {
      el.addEventListener("input", refresh);
    });
    document.querySelectorAll("select[data-country]").forEach(function (el) { el.addEventListener("change", refresh); });
    document.querySelectorAll("select[data-province]").forEach(function (el) {
      el.addEventListener("change", function () { loadCommunes(el); });
    });
    document.querySelectorAll(".js-print").forEach(function (el) {
      el.addEventListener("click", function () { window.print(); });
    });
    refresh();
  });
})();
