/* The phone's 视频号 (Channels) view: short videos with a product card and live rooms with a shelf and
 * coupon pop-ups, over the sandbox's control API (/sandbox/channels/*, /sandbox/store/orders).
 *
 * Entering a room or opening a video is counted (watch / view); 购买 places a Store order attributed to the
 * room or video (and to the sharer the phone was opened through: /phone/?live=<export_id>&sharer=<user>),
 * then 确认支付 pays it. A coupon taken from a pop-up is used on the next purchase in that room.
 * As in phone.js, data only ever enters the page as text.
 */
"use strict";

(() => {
  const { api, el, toast, yuan, showTab } = window.wxphone;
  const $ = (selector) => document.querySelector(selector);
  const enc = encodeURIComponent;
  const POLL_MS = 1500;
  const params = new URLSearchParams(location.search);

  const view = {
    name: "home",      // home | live | video
    id: null,          // export_id of the room or video_id of the video
    sharer: params.get("sharer"),
    coupons: {},       // `${user}|${export_id}` → the user_coupon taken in that room, until it is used
    pending: {},       // product_id → the unpaid order just placed from this view
  };

  function me() { return window.wxphone.user(); }

  function show(name, title) {
    view.name = name;
    $("#channels-home").hidden = name !== "home";
    $("#live-room").hidden = name !== "live";
    $("#video-page").hidden = name !== "video";
    $("#channels-back").hidden = name === "home";
    $("#channels-title").textContent = title || "视频号";
  }

  // -- home: the feed ---------------------------------------------------------------------------------------------

  const STATUS = { scheduled: "预告", live: "直播中", ended: "已结束", cancelled: "已取消" };

  async function loadHome() {
    show("home");
    const [lives, videos] = await Promise.all([api("GET", "/sandbox/channels/lives"), api("GET", "/sandbox/channels/videos")]);
    const shown = lives.lives.filter((l) => l.status === "live" || l.status === "scheduled");
    $("#live-list").replaceChildren(...shown.map((l) => el("li", { "data-export-id": l.export_id, onclick: () => openLive(l.export_id) },
      el("span", { class: "live-badge" + (l.status === "live" ? "" : " off"), text: STATUS[l.status] }),
      el("div", { class: "feed-main" },
        el("div", { class: "feed-title", text: l.title }),
        el("div", { class: "feed-meta", text: `${l.finder_nickname} · ${l.viewer_uv} 人看过` })))));
    $("#video-list").replaceChildren(...videos.videos.map((v) => el("li", { "data-video-id": v.video_id, onclick: () => openVideo(v.video_id) },
      el("span", { class: "video-thumb", text: "▶" }),
      el("div", { class: "feed-main" },
        el("div", { class: "feed-title", text: v.title }),
        el("div", { class: "feed-meta", text: `${v.finder_nickname} · ${v.views} 次播放` })))));
    $("#channels-empty").hidden = shown.length + videos.videos.length > 0;
  }

  // -- buying -------------------------------------------------------------------------------------------------------

  function buyButton(item, attribution) {
    const placed = view.pending[item.product_id];
    if (placed) {
      return el("button", { type: "button", class: "primary small", "data-pay": placed.order_id,
        text: `确认支付 ${yuan(placed.order_detail.price_info.order_price)}`, onclick: () => pay(placed) });
    }
    return el("button", { type: "button", class: "primary small", "data-buy": item.product_id, text: "购买",
      disabled: item.on_sale === false ? "disabled" : null, onclick: () => buy(item, attribution) });
  }

  async function buy(item, attribution) {
    const user = me();
    if (!user) return;
    const body = { user: user.id, product_id: item.product_id, sku_id: item.sku_id, ...attribution };
    if (view.sharer && view.sharer !== user.id) body.sharer = { user: view.sharer };
    const key = `${user.id}|${attribution.live_id || ""}`;
    const held = attribution.live_id && view.coupons[key];
    if (held) body.user_coupon_id = held.user_coupon_id;
    try {
      const placed = await api("POST", "/sandbox/store/orders", body);
      if (held) delete view.coupons[key];
      view.pending[item.product_id] = placed.order;
      toast("已下单，请确认支付");
    } catch (error) {
      toast(`下单失败：${error.message}`, "error", 4000);
    }
    refresh();
  }

  async function pay(order) {
    try {
      await api("POST", `/sandbox/store/orders/${enc(order.order_id)}/pay`);
      toast("支付成功");
    } catch (error) {
      toast(`支付失败：${error.message}`, "error", 4000);
    }
    for (const [key, value] of Object.entries(view.pending)) if (value.order_id === order.order_id) delete view.pending[key];
    refresh();
  }

  // -- a live room ----------------------------------------------------------------------------------------------------

  async function openLive(exportId) {
    view.id = exportId;
    view.pending = {};
    show("live", "直播间");
    const user = me();
    try {
      if (user) await api("POST", `/sandbox/channels/lives/${enc(exportId)}/watch`, { user: user.id });
    } catch (error) {
      toast(error.message, "error");  // not on air: the room still shows its shelf and status
    }
    await renderLive();
  }

  async function renderLive() {
    const live = await api("GET", `/sandbox/channels/lives/${enc(view.id)}`);
    const user = me();
    $("#channels-title").textContent = live.title;
    const status = $("#room-status");
    status.textContent = STATUS[live.status];
    status.className = "live-badge" + (live.status === "live" ? "" : " off");
    $("#room-viewers").textContent = `${live.viewer_uv} 人看过 · ${live.viewer_pv} 次观看`;
    $("#room-host").textContent = `主播：${live.finder_nickname}`;
    const sharer = $("#room-sharer");
    sharer.hidden = !view.sharer;
    sharer.textContent = view.sharer ? `分享员 ${view.sharer} 邀请你来看直播` : "";

    const popup = live.popups.filter((p) => p.showing).pop();
    $("#room-popup").hidden = !popup;
    if (popup) {
      $("#popup-name").textContent = popup.coupon_name;
      $("#popup-claim").dataset.popupId = popup.popup_id;
    }
    const held = user && view.coupons[`${user.id}|${live.export_id}`];
    $("#room-coupon").hidden = !held;
    $("#room-coupon").textContent = held ? "已领取直播间优惠券，下单时自动使用" : "";

    const shelf = [...live.shelf].sort((a, b) =>
      (b.product_id === live.featured_product_id) - (a.product_id === live.featured_product_id));
    $("#room-shelf").replaceChildren(...shelf.map((item) => {
      const featured = item.product_id === live.featured_product_id;
      return el("li", { class: featured ? "featured" : null, "data-product-id": item.product_id },
        el("div", { class: "shelf-main" },
          el("div", { class: "shelf-title" }, featured ? el("span", { class: "featured-tag", text: "讲解中" }) : null, item.title),
          el("div", { class: "shelf-price", text: yuan(item.price) })),
        live.status === "live" ? buyButton(item, { live_id: live.export_id }) : null);
    }));
  }

  async function claimPopup() {
    const user = me();
    const popupId = $("#popup-claim").dataset.popupId;
    if (!user || !popupId) return;
    try {
      const got = await api("POST", `/sandbox/channels/lives/${enc(view.id)}/popups/${enc(popupId)}/claim`, { user: user.id });
      view.coupons[`${user.id}|${view.id}`] = got.user_coupon;
      toast("领取成功");
    } catch (error) {
      toast(error.code === "already_claimed" ? "你已经领过这张券了" : `领取失败：${error.message}`, "error", 3000);
    }
    renderLive();
  }

  // -- a short video ---------------------------------------------------------------------------------------------------

  async function openVideo(videoId) {
    view.id = videoId;
    view.pending = {};
    show("video", "短视频");
    const user = me();
    if (user) await api("POST", `/sandbox/channels/videos/${enc(videoId)}/view`, { user: user.id });
    await renderVideo();
  }

  async function renderVideo() {
    const video = await api("GET", `/sandbox/channels/videos/${enc(view.id)}`);
    $("#video-title").textContent = video.title;
    $("#video-meta").textContent = `${video.finder_nickname} · ${video.views} 次播放`;
    const item = { product_id: video.product_id, sku_id: video.sku_id, on_sale: Boolean(video.sku_id) };
    $("#video-card").replaceChildren(
      el("div", { class: "shelf-main" },
        el("div", { class: "shelf-title", text: video.product_title || "商品已下架" }),
        el("div", { class: "shelf-price", text: yuan(video.price) })),
      buyButton(item, { video_id: video.video_id }));
  }

  async function refresh() {
    try {
      if (view.name === "live") await renderLive();
      else if (view.name === "video") await renderVideo();
      else await loadHome();
    } catch (error) {
      toast(`无法加载：${error.message}`, "error");
    }
  }

  $("#channels-back").addEventListener("click", () => { view.id = null; loadHome(); });
  $("#channels-refresh").addEventListener("click", refresh);
  $("#popup-claim").addEventListener("click", claimPopup);
  document.addEventListener("wxphone:tab", (event) => { if (event.detail === "channels") refresh(); });
  setInterval(() => {
    if (!document.hidden && !$("#screen-channels").hidden && view.name === "live") renderLive().catch(() => {});
  }, POLL_MS);

  // Opened from a share link: straight into the room or video.
  const wait = setInterval(() => {
    if (!me()) return;
    clearInterval(wait);
    if (params.get("live")) openLive(params.get("live"));
    else if (params.get("video")) openVideo(params.get("video"));
    else return;
    showTab("channels");
  }, 100);
})();
