/* The pay page: poll the order's status (the server learns of the payment from WeChat, never from this
   page), count the QR code down, and open WeChat's cashier inside WeChat's browser (JSAPI). */
(function () {
  "use strict";
  var root = document.getElementById("pay");
  if (!root) return;
  var state = document.getElementById("pay-state");

  function poll() {
    fetch(root.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.paid) { window.location.href = root.dataset.orderUrl; return; }
        setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 4000); });
  }
  setTimeout(poll, 1500);

  var countdown = document.getElementById("pay-countdown");
  if (countdown && root.dataset.expires) {
    var expires = parseInt(root.dataset.expires, 10) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((expires - Date.now()) / 1000));
      countdown.textContent = Math.floor(left / 60) + "分" + (left % 60) + "秒";
      if (left === 0) {
        var qr = document.getElementById("pay-qr");
        if (qr) qr.style.opacity = "0.2";
        state.textContent = "二维码已过期，请点击「刷新支付码」";
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }

  var button = document.getElementById("pay-jsapi-button");
  var params = document.getElementById("pay-jsapi");
  if (button && params) {
    var invoke = function () {
      if (!window.WeixinJSBridge) { state.textContent = "请在微信中打开本页面完成支付"; return; }
      window.WeixinJSBridge.invoke("getBrandWCPayRequest", JSON.parse(params.textContent), function (res) {
        // "ok" is not proof of payment: the status poll above decides.
        if (res && res.err_msg === "get_brand_wcpay_request:ok") state.textContent = "支付完成，正在确认…";
        else if (res && res.err_msg === "get_brand_wcpay_request:cancel") state.textContent = "已取消支付";
        else state.textContent = "支付未完成，请重试";
      });
    };
    button.addEventListener("click", invoke);
  }
})();
