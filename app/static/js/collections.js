// Household collections: keyboard-only batch entry with an offline queue, and the import progress bar.
// Without this script the entry form posts normally and the import page reloads by hand.
(function () {
  "use strict";

  function vnd(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".") + " ₫";
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    // Older browsers: a random v4-like key from getRandomValues.
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }

  function entryScreen(form) {
    var saveUrl = form.dataset.saveUrl;
    var tokenUrl = form.dataset.tokenUrl;
    var queueKey = form.dataset.queueKey;
    var tokenInput = form.querySelector('input[name="csrf_token"]');
    var msg = document.getElementById("row-message");
    var body = document.getElementById("rows-body");
    var undoBtn = document.getElementById("undo-last");
    var netStatus = document.getElementById("net-status");
    var queueStatus = document.getElementById("queue-status");
    var sessionTotals = document.getElementById("session-totals");
    var fields = ["head_name", "hamlet", "amount", "in_kind", "date", "collector"];
    var inputs = fields.map(function (n) { return form.elements[n]; });
    var sending = false;
    var saved = []; // {key, id, undoUrl, amount, tr} rows saved on the server in this session
    var sessionCount = 0, sessionSum = 0;

    function loadQueue() {
      try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; }
    }
    function storeQueue(q) { localStorage.setItem(queueKey, JSON.stringify(q)); }

    function say(text, kind) {
      msg.textContent = text;
      msg.className = "row-message " + (kind || "");
    }

    function showQueue() {
      var n = loadQueue().length;
      queueStatus.textContent = n ? n + " dòng đang chờ gửi" : "";
      netStatus.hidden = false;
      if (navigator.onLine) { netStatus.textContent = "Có mạng"; netStatus.className = "badge ok"; }
      else { netStatus.textContent = "Mất mạng – đang lưu trên máy"; netStatus.className = "badge warn"; }
      undoBtn.hidden = !(saved.length || loadQueue().length);
      sessionTotals.textContent = sessionCount ? "(" + sessionCount + " hộ, " + vnd(sessionSum) + " trong phiên này)" : "";
    }

    function rowFor(item) {
      var tr = document.createElement("tr");
      tr.dataset.key = item.key;
      tr.className = "pending";
      var cells = ["…", item.data.head_name, item.data.hamlet, item.data.amount, item.data.in_kind,
                   item.data.collector, "Đang chờ gửi", ""];
      var heads = document.querySelectorAll("#rows-table thead th");
      cells.forEach(function (text, i) {
        var td = document.createElement("td");
        td.textContent = text;
        if (heads[i] && heads[i].textContent) td.dataset.label = heads[i].textContent;
        if (i === 3) td.className = "num";
        tr.appendChild(td);
      });
      body.insertBefore(tr, body.firstChild);
      return tr;
    }

    function findRow(key) {
      return body.querySelector('tr[data-key="' + key + '"]');
    }

    function updateTotals(summary) {
      if (!summary) return;
      Object.keys(summary).forEach(function (k) {
        var el = document.querySelector('[data-total="' + k + '"]');
        if (el) el.textContent = k === "households" ? String(summary[k]).replace(/\B(?=(\d{3})+(?!\d))/g, ".") : summary[k];
      });
    }

    function refreshToken() {
      return fetch(tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) { if (j && j.token) tokenInput.value = j.token; });
    }

    function post(url, payload) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": tokenInput.value },
        body: JSON.stringify(payload),
      });
    }

    // Send queued rows one by one, oldest first. A network failure stops and waits for the connection;
    // a refused row (wrong amount, unknown hamlet) leaves the queue and is shown in red to be typed again.
    function flush() {
      if (sending) return;
      var queue = loadQueue();
      if (!queue.length) { showQueue(); return; }
      // The browser knows it has no network: keep the rows and wait for its "online" event instead of trying (a
      // request that falls through the offline page's service worker must not be the one that decides).
      if (navigator.onLine === false) { showQueue(); return; }
      sending = true;
      var item = queue[0];
      var payload = Object.assign({ key: item.key }, item.data);
      post(saveUrl, payload).then(function (r) {
        if (r.status === 400 && !item.retried) {
          item.retried = true;
          return refreshToken().then(function () { return { retry: true }; });
        }
        return r.json().then(function (j) { return { status: r.status, json: j }; }, function () {
          return { status: r.status, json: null };
        });
      }).then(function (res) {
        sending = false;
        if (res.retry) { flush(); return; }
        var tr = findRow(item.key) || rowFor(item);
        var q = loadQueue().filter(function (x) { return x.key !== item.key; });
        if (res.status === 200 && res.json && res.json.ok) {
          storeQueue(q);
          var j = res.json;
          tr.className = j.duplicate_of ? "duplicate" : "";
          tr.cells[0].textContent = j.receipt_no;
          tr.cells[3].textContent = j.amount_text;
          tr.cells[6].textContent = j.duplicate_of ? "Có thể trùng (biên nhận " + j.duplicate_of + ")" : "Đã lưu";
          if (!j.replayed) { sessionCount += 1; sessionSum += j.amount_vnd; }
          saved.push({ key: item.key, id: j.id, undoUrl: j.undo_url, amount: j.amount_vnd, tr: tr });
          updateTotals(j.summary);
          if (j.duplicate_of) say("Đã lưu " + j.receipt_no + " – có thể trùng với biên nhận " + j.duplicate_of + ". Nếu nhập nhầm, bấm Hoàn tác.", "warn");
          flush();
        } else if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
          storeQueue(q);
          tr.className = "failed";
          var err = (res.json && res.json.error) || "Không lưu được dòng này.";
          tr.cells[6].textContent = "Chưa lưu: " + err;
          say("Dòng “" + item.data.head_name + "” chưa lưu: " + err, "err");
          flush();
        } else {
          showQueue(); // server error: keep the row and try again later
        }
      }).catch(function () {
        sending = false;
        showQueue();
      });
      showQueue();
    }

    function rowComplete() {
      var v = function (n) { return form.elements[n].value.trim(); };
      return v("head_name") && v("hamlet") && v("amount");
    }

    function saveRow() {
      var data = {};
      fields.forEach(function (n) { data[n] = form.elements[n].value.trim(); });
      if (!data.head_name || !data.hamlet || !data.amount) {
        say("Cần nhập đủ Họ tên chủ hộ, Thôn/Tổ dân phố và Số tiền.", "err");
        return;
      }
      var item = { key: newKey(), data: data };
      var q = loadQueue();
      q.push(item);
      storeQueue(q);
      rowFor(item);
      say("Đã nhận dòng “" + data.head_name + "”.", "ok");
      // Keep hamlet, date and collector: the next household is usually next door, same collector.
      form.elements.head_name.value = "";
      form.elements.amount.value = "";
      form.elements.in_kind.value = "";
      form.elements.head_name.focus();
      flush();
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      saveRow();
    });

    // Enter moves to the next field, and saves once the row has a name, a hamlet and an amount.
    inputs.forEach(function (input, i) {
      input.addEventListener("keydown", function (e) {
        if (e.key !== "Enter" || e.isComposing) return;
        e.preventDefault();
        if (rowComplete()) { saveRow(); return; }
        var next = inputs[(i + 1) % inputs.length];
        for (var k = 1; k <= inputs.length; k++) {
          var cand = inputs[(i + k) % inputs.length];
          if (!cand.value.trim()) { next = cand; break; }
        }
        next.focus();
      });
    });

    undoBtn.addEventListener("click", function () {
      // A row still waiting in the queue was never sent: drop it. Otherwise reverse the last saved row.
      var q = loadQueue();
      if (q.length) {
        var last = q.pop();
        storeQueue(q);
        var tr = findRow(last.key);
        if (tr) tr.parentNode.removeChild(tr);
        say("Đã bỏ dòng “" + last.data.head_name + "” (chưa gửi).", "ok");
        showQueue();
        return;
      }
      var row = saved[saved.length - 1];
      if (!row) return;
      if (!window.confirm("Hoàn tác dòng cuối (biên nhận " + row.tr.cells[0].textContent + ")?")) return;
      post(row.undoUrl, {}).then(function (r) { return r.json(); }).then(function (j) {
        if (j.ok) {
          saved.pop();
          row.tr.className = "reversed";
          row.tr.cells[6].textContent = "Đã hoàn tác";
          sessionCount -= 1; sessionSum -= row.amount;
          updateTotals(j.summary);
          say(j.message, "ok");
        } else {
          say(j.error || "Không hoàn tác được.", "err");
        }
        showQueue();
        form.elements.head_name.focus();
      }).catch(function () { say("Mất mạng: chưa hoàn tác được, hãy thử lại khi có mạng.", "err"); });
    });

    // Alt+H (the button's access key, also handled here so it works the same in every browser).
    document.addEventListener("keydown", function (e) {
      if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === "KeyH" && !undoBtn.hidden) {
        e.preventDefault();
        undoBtn.click();
      }
    });

    registerOffline(form);
    window.addEventListener("online", flush);
    window.addEventListener("offline", showQueue);
    window.setInterval(flush, 15000);
    loadQueue().forEach(rowFor);
    flush();
    showQueue();
  }

  // Keep this page and the files it uses on the phone (collections-sw.js), so that it opens with no signal.
  function registerOffline(form) {
    var ready = document.getElementById("offline-ready");
    if (!("serviceWorker" in navigator) || !form.dataset.swUrl) return;
    navigator.serviceWorker.addEventListener("message", function (e) {
      if (e.data && e.data.type === "cached" && ready) ready.hidden = false;
    });
    navigator.serviceWorker.register(form.dataset.swUrl, { scope: form.dataset.swScope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var urls = [window.location.pathname];
      document.querySelectorAll('link[rel="stylesheet"], link[rel="icon"], link[rel="manifest"], script[src], img[src]')
        .forEach(function (el) { urls.push(el.getAttribute("href") || el.getAttribute("src")); });
      if (reg.active) reg.active.postMessage({ type: "cache", urls: urls });
    }).catch(function () { /* no offline copy: the page still works online */ });
  }

  function progressBar(card) {
    var url = card.dataset.progressUrl;
    var bar = document.getElementById("batch-progress");
    var text = document.getElementById("progress-text");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          bar.value = j.percent;
          text.textContent = j.percent + "% (" + j.processed + " dòng)";
          if (j.done) window.location.reload();
          else window.setTimeout(poll, 1500);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("row-form");
    if (form && form.dataset.saveUrl && window.localStorage && window.fetch) entryScreen(form);
    var card = document.getElementById("progress-card");
    if (card) progressBar(card);
  });
})();
