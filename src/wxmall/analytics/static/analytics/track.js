/* wxmall behaviour events: queue, batch, send with sendBeacon to /api/analytics/events.
 *
 * Automatic: a page_view when the page loads, a page_leave with the time spent when it is hidden or left,
 * and one event per element marked `data-track-view="product_view|checkout|video_view|live_view|…"`.
 * On click (or form submit): elements marked `data-track="add_to_cart|share|coupon_claim|pay|…"`.
 * `data-track-once="key"` on a view marker sends it once per key in this tab (a landing page's video view).
 * Fields: `data-product-id`, `data-content-id` on the marked element. Script use: window.wxTrack(type, fields).
 * Visitor, time and attribution are the server's to decide: nothing here can claim them.
 */
(function () {
  "use strict";
  var ENDPOINT = "/api/analytics/events";
  var MAX_BATCH = 50, FLUSH_MS = 3000;
  var queue = [], timer = null, shownAt = Date.now(), left = false;

  function safePath() {
    var path = (location.pathname + location.search).replace(/[^A-Za-z0-9\-._~%!$&()*+,;=:@\/?]/g, function (ch) {
      return encodeURIComponent(ch).replace(/[!'()*]/g, function (c) { return "%" + c.charCodeAt(0).toString(16); });
    });
    return path.slice(0, 300);
  }

  function send() {
    if (timer) { clearTimeout(timer); timer = null; }
    while (queue.length) {
      var batch = queue.splice(0, MAX_BATCH), now = Date.now();
      var body = JSON.stringify({ events: batch.map(function (e) {
        var out = { type: e.type, path: e.path, age_ms: Math.min(Math.max(now - e.at, 0), 600000) };
        if (e.product_id) out.product_id = e.product_id;
        if (e.content_id) out.content_id = e.content_id;
        if (e.duration_ms !== undefined) out.duration_ms = e.duration_ms;
        return out;
      }) });
      var blob = new Blob([body], { type: "application/json" });
      if (!(navigator.sendBeacon && navigator.sendBeacon(ENDPOINT, blob)) && window.fetch) {
        fetch(ENDPOINT, { method: "POST", body: body, keepalive: true, credentials: "same-origin",
                          headers: { "Content-Type": "application/json" } }).catch(function () {});
      }
    }
  }

  function track(type, fields) {
    fields = fields || {};
    var event = { type: type, path: safePath(), at: Date.now() };
    var product = parseInt(fields.productId || fields.product_id, 10);
    if (product > 0) event.product_id = product;
    var content = String(fields.contentId || fields.content_id || "");
    if (/^[A-Za-z0-9_.:-]{1,64}$/.test(content)) event.content_id = content;
    if (fields.duration_ms !== undefined) event.duration_ms = Math.min(Math.max(Math.round(fields.duration_ms), 0), 86400000);
    queue.push(event);
    if (queue.length >= MAX_BATCH) send();
    else if (!timer) timer = setTimeout(send, FLUSH_MS);
  }

  function leave() {
    if (left) return;
    left = true;
    track("page_leave", { duration_ms: Date.now() - shownAt });
    send();
  }

  window.wxTrack = track;
  track("page_view");
  function firstTime(key) {  // `data-track-once`: one event per key for this tab (a reload is not a new view)
    if (!key) return true;
    try {
      if (sessionStorage.getItem("wxtrack:" + key)) return false;
      sessionStorage.setItem("wxtrack:" + key, "1");
    } catch (e) { /* storage off: count it */ }
    return true;
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-track-view]"), function (node) {
    if (firstTime(node.dataset.trackOnce)) track(node.dataset.trackView, node.dataset);
  });
  document.addEventListener("click", function (e) {
    var node = e.target.closest && e.target.closest("[data-track]");
    if (node && node.tagName !== "FORM") track(node.dataset.track, node.dataset);
  }, true);
  document.addEventListener("submit", function (e) {
    var submitter = e.submitter && e.submitter.closest("[data-track]");
    if (!submitter && e.target.dataset && e.target.dataset.track) track(e.target.dataset.track, e.target.dataset);
    if (submitter || (e.target.dataset && e.target.dataset.track)) send(); // the page is about to go
  }, true);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") leave();
    else { left = false; shownAt = Date.now(); }
  });
  window.addEventListener("pagehide", leave);
})();
