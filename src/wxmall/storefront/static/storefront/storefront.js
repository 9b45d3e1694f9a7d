/* wxmall storefront: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function fen(amount) {
    var whole = Math.floor(Math.abs(amount) / 100), cents = Math.abs(amount) % 100;
    return (amount < 0 ? "-" : "") + "¥" + whole.toLocaleString("en-US") + "." + (cents < 10 ? "0" : "") + cents;
  }

  /* --- SKU picker: chips per spec dimension drive the hidden SKU radio list ---------------------- */
  function initPicker() {
    var dataNode = document.getElementById("sku-data");
    var dimsNode = document.getElementById("picker-dims");
    if (!dataNode || !dimsNode) return;
    var skus = JSON.parse(dataNode.textContent);
    var dims = Array.prototype.slice.call(dimsNode.querySelectorAll(".dim"));
    if (!skus.length || !dims.length) return;
    var keys = dims.map(function (d) { return d.dataset.dim; });
    var form = document.getElementById("buy-form");
    var radios = form.querySelectorAll("input[name=sku]");
    var submitButtons = form.querySelectorAll(".actionbar button[type=submit]");
    var priceNode = document.getElementById("chosen-price");
    var listNode = document.getElementById("chosen-list-price");
    var stockNode = document.getElementById("chosen-stock");
    var qty = form.querySelector("input[name=quantity]");
    var chosen = {};

    var checked = form.querySelector("input[name=sku]:checked");
    var start = checked && skus.filter(function (s) { return String(s.id) === checked.value; })[0];
    if (start) keys.forEach(function (k) { chosen[k] = start.specs[k]; });

    function matches(sku, except) {
      return keys.every(function (k) { return k === except || !chosen[k] || sku.specs[k] === chosen[k]; });
    }

    function render() {
      dims.forEach(function (dim) {
        var key = dim.dataset.dim;
        dim.querySelectorAll(".opt").forEach(function (btn) {
          var value = btn.dataset.value;
          // Sold out everywhere: cannot be picked. Sold out only with the current other choices: shown
          // dimmed, and picking it moves the other choices to an in-stock SKU (never a sold-out combo).
          var inStock = skus.filter(function (s) { return s.specs[key] === value && s.stock > 0; });
          var fits = inStock.some(function (s) { return matches(s, key); });
          btn.classList.toggle("on", chosen[key] === value);
          btn.classList.toggle("combo-out", inStock.length > 0 && !fits);
          btn.disabled = inStock.length === 0 && chosen[key] !== value;
          btn.title = btn.disabled ? "无货" : !fits ? "当前组合无货，将切换到有货规格" : "";
          btn.setAttribute("aria-pressed", chosen[key] === value ? "true" : "false");
        });
      });
      var complete = keys.every(function (k) { return chosen[k]; });
      var sku = complete ? skus.filter(function (s) { return matches(s); })[0] : null;
      radios.forEach(function (r) { r.checked = !!sku && r.value === String(sku.id); });
      var buyable = !!sku && sku.stock > 0;
      submitButtons.forEach(function (b) { b.disabled = !buyable; });
      if (!sku) {
        stockNode.textContent = complete ? "该组合暂无此规格" : "请选择完整规格";
        stockNode.className = "stock-note out";
        return;
      }
      priceNode.textContent = fen(sku.price);
      listNode.textContent = sku.list_price > sku.price ? fen(sku.list_price) : "";
      stockNode.className = "stock-note " + sku.state;
      stockNode.textContent = sku.stock_label;
      if (qty && sku.stock > 0) qty.max = Math.min(Number(qty.dataset.max || qty.max), sku.stock);
    }

    dimsNode.addEventListener("click", function (event) {
      var btn = event.target.closest(".opt");
      if (!btn || btn.disabled) return;
      var key = btn.closest(".dim").dataset.dim;
      chosen[key] = chosen[key] === btn.dataset.value ? "" : btn.dataset.value;
      // Keep the choice whole: if the other dimensions no longer fit, move them to an in-stock SKU.
      if (chosen[key]) {
        var fit = skus.filter(function (s) { return s.stock > 0 && s.specs[key] === chosen[key] && matches(s); })[0]
          || skus.filter(function (s) { return s.stock > 0 && s.specs[key] === chosen[key]; })[0];
        if (fit) keys.forEach(function (k) { chosen[k] = fit.specs[k]; });
      }
      render();
    });
    if (qty) qty.dataset.max = qty.max;
    dimsNode.hidden = false;
    document.getElementById("sku-list").hidden = true;
    render();
  }

  /* --- quantity steppers; in the cart a change submits the line's form ---------------------------- */
  function initSteppers() {
    document.querySelectorAll("[data-stepper]").forEach(function (box) {
      var input = box.querySelector("input");
      var autosubmit = box.hasAttribute("data-autosubmit");
      function clamp(n) {
        var min = Number(input.min || 1), max = Number(input.max || 99);
        return Math.max(min, Math.min(max, n));
      }
      box.addEventListener("click", function (event) {
        var btn = event.target.closest("button[data-step]");
        if (!btn) return;
        event.preventDefault();
        var next = clamp((parseInt(input.value, 10) || 1) + Number(btn.dataset.step));
        if (String(next) === input.value) return;
        input.value = next;
        if (autosubmit) input.form.requestSubmit();
      });
      if (autosubmit) input.addEventListener("change", function () { input.form.requestSubmit(); });
    });
  }

  /* --- countdowns to an ISO timestamp --------------------------------------------------------------- */
  function initCountdowns() {
    var nodes = document.querySelectorAll("[data-countdown]");
    if (!nodes.length) return;
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function tick() {
      nodes.forEach(function (node) {
        var left = Math.floor((Date.parse(node.dataset.countdown) - Date.now()) / 1000);
        if (isNaN(left)) return;
        if (left <= 0) { node.textContent = "已结束"; return; }
        var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600);
        var m = Math.floor(left % 3600 / 60), s = left % 60;
        node.textContent = "距结束 " + (d ? d + "天 " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
      });
    }
    tick();
    setInterval(tick, 1000);
  }

  /* --- a submitted form cannot be submitted again while the page is leaving ------------------------- */
  function initSubmitOnce() {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.submitting) { event.preventDefault(); return; }
        form.dataset.submitting = "1";
        setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        }, 0);
      });
    });
  }

  /* --- checkout: the new-address fields show only when "新增收货地址" is chosen ----------------------- */
  function initAddressChoice() {
    var box = document.getElementById("new-address");
    if (!box) return;
    var radios = document.querySelectorAll("input[type=radio][name=address]");
    if (!radios.length) return;
    function sync() {
      var isNew = document.querySelector("input[type=radio][name=address]:checked");
      box.hidden = !(isNew && isNew.value === "new");
    }
    radios.forEach(function (r) { r.addEventListener("change", sync); });
    sync();
  }

  /* --- forms with data-confirm ask first (no inline handlers: the CSP refuses them) ------------------ */
  function initConfirm() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) {
          event.preventDefault();
          event.stopImmediatePropagation();
        }
      });
    });
  }

  /* --- "back" links that go to the previous page when there is one (no javascript: URL: the CSP refuses it) */
  function initHistoryBack() {
    document.querySelectorAll("a[data-history-back]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (window.history.length > 1) {
          event.preventDefault();
          window.history.back();
        }
      });
    });
  }

  /* --- share: WeChat's browser shares from its own ··· menu (the JS-SDK reports no share-completed
   * callback, reference §3.5), so the button says where; elsewhere the system share sheet or a copied
   * link. track.js records the press (data-track="share"). ------------------------------------------ */
  function initShare() {
    var button = document.getElementById("share-btn"), note = document.getElementById("share-note");
    if (!button || !note) return;
    button.addEventListener("click", function () {
      var url = location.origin + location.pathname;
      if (/MicroMessenger/i.test(navigator.userAgent)) {
        note.textContent = "点击右上角 ··· 发送给朋友或分享到朋友圈";
      } else if (navigator.share) {
        navigator.share({ title: button.dataset.title || document.title, url: url }).catch(function () {});
      } else if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(url).then(function () { note.textContent = "链接已复制"; },
          function () { note.textContent = url; });
      } else {
        note.textContent = url;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initHistoryBack();
    initShare();
    initConfirm();  // first, so a cancelled confirm stops the submit-once lock too
    initPicker();
    initSteppers();
    initCountdowns();
    initSubmitOnce();
    initAddressChoice();
  });
})();
