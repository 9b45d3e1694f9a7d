/* WeixinJSBridge for pages opened in the wxsandbox phone's WeChat browser.
 *
 * A page that would run inside WeChat includes, in development only:
 *     <script src="http://127.0.0.1:9100/phone/jsbridge.js"></script>
 * and then calls the bridge exactly as in WeChat:
 *     WeixinJSBridge.invoke("getBrandWCPayRequest", {appId, timeStamp, nonceStr, package, signType, paySign},
 *                           function (res) { res.err_msg === "get_brand_wcpay_request:ok" … });
 * The call is posted to the phone (the parent frame, or the window that opened this one), which checks
 * paySign with the merchant's public key, shows the payment sheet and posts the outcome back.
 * Like WeChat, the script fires "WeixinJSBridgeReady" on document once the bridge exists.
 * Outside the phone, every invoke answers "<name>:fail" so the page's failure path runs.
 */
(function () {
  "use strict";
  if (window.WeixinJSBridge && window.WeixinJSBridge.wxsandbox) return;

  var phone = window.parent !== window ? window.parent : window.opener;
  var pending = {};
  var counter = 0;
  var listeners = {};

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.wxsandbox !== "jsbridge-result" || event.source !== phone) return;
    var callback = pending[data.id];
    if (!callback) return;
    delete pending[data.id];
    callback(data.result);
  });

  function invoke(name, params, callback) {
    var done = typeof callback === "function" ? callback : function () {};
    if (!phone) {
      var prefix = name === "getBrandWCPayRequest" ? "get_brand_wcpay_request" : name;
      setTimeout(function () { done({ err_msg: prefix + ":fail", err_desc: "not opened in the wxsandbox phone" }); }, 0);
      return;
    }
    counter += 1;
    var id = "wxsb-" + counter + "-" + Date.now();
    pending[id] = done;
    // The phone checks event.source; "*" because this page cannot know the phone's origin in advance.
    phone.postMessage({ wxsandbox: "jsbridge-invoke", id: id, name: name, params: params || {},
                        href: location.href }, "*");
  }

  window.WeixinJSBridge = {
    wxsandbox: true,
    invoke: invoke,
    call: function (name) { invoke(name, {}, null); },
    on: function (name, callback) { (listeners[name] = listeners[name] || []).push(callback); },
  };

  function ready() {
    var event;
    try {
      event = new Event("WeixinJSBridgeReady", { bubbles: true });
    } catch (e) {
      event = document.createEvent("Event");
      event.initEvent("WeixinJSBridgeReady", true, true);
    }
    document.dispatchEvent(event);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else setTimeout(ready, 0);
})();
