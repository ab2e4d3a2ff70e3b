/* Registers the news pages' service worker (publicity/news-sw.js, served at data-sw) and shows
 * the offline notice while the phone has no network. No inline script: CSP. */
(function () {
  "use strict";
  var box = document.querySelector("[data-pub-offline]");
  if (!box) return;

  function show() {
    box.classList.toggle("d-none", navigator.onLine !== false);
  }
  window.addEventListener("online", show);
  window.addEventListener("offline", show);
  show();

  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(box.dataset.sw, {scope: box.dataset.scope}).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (reg) {
    var keep = [location.href];
    document.querySelectorAll("link[rel=stylesheet][href], script[src], img[src]").forEach(function (el) {
      keep.push(el.href || el.src);
    });
    if (reg.active) {
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && typeof event.data.kept === "number") document.documentElement.dataset.pubOffline = "ready";
      });
      reg.active.postMessage({keep: keep, user: box.dataset.user || ""});
    }
  }).catch(function () { /* no worker (private mode, old browser): the pages work online */ });
})();
