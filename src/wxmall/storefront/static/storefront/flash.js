/* The flash-sale ticket page: while the ticket is queued, poll its status; as soon as the order exists,
   go to it (the order page offers payment). The server decides everything; this page only follows. */
(function () {
  "use strict";
  var root = document.getElementById("flash-ticket");
  if (!root || root.dataset.status !== "queued") return;
  var state = document.getElementById("flash-state");
  var hint = document.getElementById("flash-hint");
  var go = document.getElementById("flash-go");
  var delay = 500;

  function poll() {
    fetch(root.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || data.status === "queued") {
          delay = Math.min(delay * 1.5, 3000);
          setTimeout(poll, delay);
          return;
        }
        state.textContent = data.message;
        if (data.status === "ordered" && data.order_no) {
          document.getElementById("flash-order-no").textContent = data.order_no;
          document.getElementById("flash-order").hidden = false;
          hint.textContent = "正在前往订单…";
          go.href = root.dataset.orderBase + encodeURIComponent(data.order_no) + "/";
          go.textContent = "查看订单并支付";
          go.hidden = false;
          setTimeout(function () { window.location.href = go.href; }, 800);
        } else {
          hint.textContent = "名额已释放，您可以返回继续选购";
          go.hidden = false;
        }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, delay);
})();
