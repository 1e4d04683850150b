// Service worker of the household entry screen (issue 19.9): the commune officer who collects door to door in a
// mountain hamlet opens the entry page with no signal. Served from /can-bo/thu-ho/sw.js so its scope is the
// collections pages only; nothing else of the site is cached.
// - Entry pages (/can-bo/thu-ho/xa/<id>): network first; a copy of the last good answer is kept and served offline.
// - Static files the page uses: cached when the page asks (message "cache"), then served from the network when
//   there is one and from the cache otherwise.
// The typed rows themselves never pass through here: collections.js keeps them in localStorage with their
// idempotency keys and sends them when the browser is online again (the server records each key once).
"use strict";

var CACHE = "ct-collections-v1";
var LAST_ENTRY = "/can-bo/thu-ho/__last-entry__";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf("ct-collections-") === 0 && k !== CACHE; })
        .map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function isEntryPage(url) {
  return /^\/can-bo\/thu-ho\/xa\/\d+\/?$/.test(url.pathname);
}

function keep(request, response) {
  if (!response || !response.ok || response.type !== "basic" || response.redirected) return response;
  var copy = response.clone();
  var url = new URL(request.url);
  caches.open(CACHE).then(function (cache) {
    cache.put(request, copy.clone());
    if (isEntryPage(url)) cache.put(LAST_ENTRY, copy);
  });
  return response;
}

function offlinePage() {
  return new Response(
    "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">" +
    "<title>Mất mạng</title><h1>Mất mạng</h1><p>Trang nhập đóng góp chưa được lưu trên máy này. " +
    "Hãy mở trang nhập của xã một lần khi có mạng để dùng được khi mất mạng.</p></html>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
  );
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "cache" || !Array.isArray(data.urls)) return;
  var urls = data.urls.filter(function (u) {
    try { return new URL(u, self.location.href).origin === self.location.origin; } catch (e) { return false; }
  });
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.map(function (u) {
      return fetch(new Request(u, { credentials: "same-origin" })).then(function (r) {
        if (!r.ok || r.redirected) return null;
        var path = new URL(u, self.location.href);
        var puts = [cache.put(u, r.clone())];
        if (isEntryPage(path)) puts.push(cache.put(LAST_ENTRY, r.clone()));
        return Promise.all(puts);
      }).catch(function () { return null; });
    }));
  }).then(function () {
    if (event.source) event.source.postMessage({ type: "cached", count: urls.length });
  }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return; // rows are POSTed by the page; never cached or replayed here
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).then(function (r) { return keep(request, r); }).catch(function () {
        return caches.match(request, { ignoreSearch: true }).then(function (hit) {
          return hit || caches.match(LAST_ENTRY).then(function (last) { return last || offlinePage(); });
        });
      })
    );
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      fetch(request).then(function (r) { return keep(request, r); }).catch(function () {
        return caches.match(request).then(function (hit) { return hit || Response.error(); });
      })
    );
  }
});
