/* The sandbox phone: plays a WeChat user against wxsandbox's control API.
 *
 * Everything shown comes from the sandbox (users, the chat, the menu, orders). Data is only ever put
 * into the page with textContent / DOM nodes, never as HTML: nicknames, messages and replies are hostile.
 * Pages in the built-in browser reach the phone through window.postMessage (see /phone/jsbridge.js).
 */
"use strict";

(() => {
  const $ = (selector) => document.querySelector(selector);
  const enc = encodeURIComponent;
  const USER_KEY = "wxsandbox.phone.user";
  const POLL_MS = 1500;

  const state = {
    users: [],
    user: null,        // the simulated user this phone belongs to
    accounts: [],      // every configured Official Account
    oa: null,          // the one being chatted with
    unread: 0,         // account messages that arrived while the chat was not on screen
    chatLoaded: false, // the current conversation has been loaded once (later arrivals are news)
    menu: null,
    following: false,
    lastMessageId: 0,
    popup: null,       // a window opened for pages that refuse to be framed
    sheet: null,       // the payment sheet in progress: {resolve}
    tab: "chat",
  };

  // -- helpers -------------------------------------------------------------------------------------------

  async function api(method, path, body) {
    const init = { method, headers: { Accept: "application/json" } };
    if (body instanceof Blob) {
      init.headers["Content-Type"] = body.type || "application/octet-stream";
      init.body = body;
    } else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (!response.ok) {
      const error = new Error((data && (data.message || data.errmsg)) || `请求失败（HTTP ${response.status}）`);
      error.code = data && data.error;
      error.status = response.status;
      throw error;
    }
    return data;
  }

  /** el("p", {class: "x", text: "…"}, child…) — text always goes in as text. */
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  let toastTimer = null;
  function toast(message, kind = "info", ms = 2200) {
    const box = $("#toast");
    box.textContent = message;
    box.className = "toast" + (kind === "error" ? " error" : "");
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, ms);
  }

  /** Integer fen → "¥12.34" without floating point. */
  function yuan(fen) {
    const sign = fen < 0 ? "-" : "";
    const abs = Math.abs(fen);
    return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
  }

  /** "2026-11-30T20:02:01+08:00" → "11-30 20:02" (the sandbox's own clock and zone, as sent). */
  function shortTime(rfc3339) { return String(rfc3339 || "").slice(5, 16).replace("T", " "); }

  function avatarUrl(userId) { return `/sandbox/mp/avatar/${enc(userId)}.svg`; }

  // -- tabs ----------------------------------------------------------------------------------------------

  function showTab(name) {
    state.tab = name;
    for (const screen of document.querySelectorAll(".screen")) screen.hidden = screen.dataset.screen !== name;
    for (const button of document.querySelectorAll(".tabbar button")) {
      button.classList.toggle("active", button.dataset.tab === name);
    }
    if (name === "chat") {
      setUnread(0);
      const list = $("#messages");
      list.scrollTop = list.scrollHeight;  // what arrived while away is at the bottom
      refreshChat();
    }
    if (name === "pay") refreshOrders();
    if (name === "cards") refreshCards();
    document.dispatchEvent(new CustomEvent("wxphone:tab", { detail: name }));
  }

  // -- users ---------------------------------------------------------------------------------------------

  async function loadUsers(preferred) {
    const data = await api("GET", "/sandbox/users");
    state.users = data.users;
    $("#user-select").replaceChildren(...state.users.map(
      (u) => el("option", { value: u.id, text: `${u.nickname}（${u.id}）` })));
    chooseUser(preferred || new URLSearchParams(location.search).get("user") || localStorage.getItem(USER_KEY));
  }

  function chooseUser(userId) {
    const user = state.users.find((u) => u.id === userId) || state.users[0];
    if (!user) return;
    if (state.user && state.user.id === user.id) {  // a refreshed list: keep the conversation on screen
      state.user = user;
      $("#user-select").value = user.id;
      return;
    }
    state.user = user;
    $("#user-select").value = user.id;
    $("#me-avatar").style.backgroundImage = `url("${avatarUrl(user.id)}")`;
    localStorage.setItem(USER_KEY, user.id);
    // OAuth pages on the sandbox read who is browsing from this cookie (mp/oauth.py).
    document.cookie = `wxsandbox_user=${enc(user.id)}; path=/; SameSite=Lax`;
    state.lastMessageId = 0;
    state.chatLoaded = false;
    $("#messages").replaceChildren();
    setUnread(0);
    refreshChat();
    refreshOrders();
  }

  async function createUser(event) {
    event.preventDefault();
    const nickname = $("#new-user-nickname").value.trim();
    if (!nickname) { toast("请填写昵称", "error"); return; }
    try {
      const user = await api("POST", "/sandbox/users", { nickname });
      $("#new-user-nickname").value = "";
      $("#new-user-form").hidden = true;
      await loadUsers(user.id);
      toast(`已创建用户“${user.nickname}”`);
    } catch (error) {
      toast(error.message, "error");
    }
  }

  // -- the Official Account chat ---------------------------------------------------------------------------

  async function loadAccount() {
    const info = await api("GET", "/sandbox/info");
    state.accounts = info.apps.filter((a) => a.kind === "official_account");
    const picker = $("#oa-select");
    picker.replaceChildren(...state.accounts.map((a) => el("option", { value: a.appid, text: a.name || a.appid })));
    picker.hidden = state.accounts.length < 2;
    $("#oa-name").hidden = !picker.hidden;
    await chooseAccount(state.accounts[0] && state.accounts[0].appid);
  }

  async function chooseAccount(appid) {
    state.oa = state.accounts.find((a) => a.appid === appid) || null;
    $("#oa-name").textContent = state.oa ? (state.oa.name || state.oa.appid) : "（沙箱未配置公众号）";
    if (state.oa) $("#oa-select").value = state.oa.appid;
    state.lastMessageId = 0;
    state.chatLoaded = false;
    $("#messages").replaceChildren();
    await loadMenu();
    if (state.user) refreshChat();
  }

  function setUnread(count) {
    state.unread = count;
    const badge = $("#chat-badge");
    badge.hidden = count === 0;
    badge.textContent = count > 99 ? "99+" : String(count);
  }

  /** Fetch the account's menu; re-render only when it changed (the hub may create it at any time). */
  async function loadMenu() {
    if (!state.oa) return;
    const oa = state.oa;
    let menu = null;
    try {
      menu = (await api("GET", `/sandbox/mp/oa/menu?appid=${enc(oa.appid)}`)).menu;
    } catch (_) {
      if (state.menuKey !== undefined) return;  // keep what is shown through a hiccup
    }
    const key = `${oa.appid}:${JSON.stringify(menu)}`;
    if (state.oa !== oa || key === state.menuKey) return;
    state.menu = menu;
    state.menuKey = key;
    renderMenu();
  }

  function setFollowing(following) {
    state.following = following;
    const button = $("#follow-button");
    button.textContent = following ? "取消关注" : "关注";
    button.classList.toggle("following", following);
  }

  let chatBusy = false;
  let chatAgain = false;
  async function refreshChat() {
    if (!state.user || !state.oa) return;
    if (chatBusy) { chatAgain = true; return; }
    chatBusy = true;
    try {
      do {
        chatAgain = false;
        const user = state.user;
        const oa = state.oa;
        const first = !state.chatLoaded;
        const data = await api("GET", `/sandbox/mp/oa/conversation?user=${enc(user.id)}`
          + `&appid=${enc(oa.appid)}&since_id=${state.lastMessageId}`);
        if (state.user !== user || state.oa !== oa) continue;  // switched meanwhile: start over
        setFollowing(data.following);
        const list = $("#messages");
        const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        for (const message of data.messages) {
          state.lastMessageId = Math.max(state.lastMessageId, message.id);
          if (message.shown) list.append(renderMessage(message));
        }
        const arrived = data.messages.filter((m) => m.shown && m.direction === "out").length;
        if (arrived && !first && state.tab !== "chat") setUnread(state.unread + arrived);
        state.chatLoaded = true;
        if (data.messages.length && (atBottom || data.messages.some((m) => m.direction === "in"))) {
          list.scrollTop = list.scrollHeight;
        }
      } while (chatAgain);
    } catch (error) {
      // polling: keep quiet unless the user is looking at the chat
      if (state.tab === "chat") console.warn("conversation:", error.message);
    } finally {
      chatBusy = false;
    }
  }

  const SOURCE_LABELS = { custom: "客服消息", template: "模板消息", subscribe: "订阅消息", mass: "群发消息" };
  const MEDIA_LABELS = {
    image: "[图片]", voice: "[语音]", video: "[视频]", music: "[音乐]", mpnews: "[图文]", mpnewsarticle: "[图文]",
    wxcard: "[卡券]", miniprogrampage: "[小程序]", msgmenu: "[菜单消息]",
  };

  function renderMessage(m) {
    const body = m.body || {};
    if (m.source === "system") return el("li", { class: "notice", "data-id": m.id, text: body.content || "" });
    if (m.msgtype === "transfer_customer_service") {
      return el("li", { class: "notice", "data-id": m.id, text: "消息已转接给客服" });
    }
    const mine = m.direction === "in";
    const who = el("span", { class: "who", "aria-hidden": "true" });
    if (mine) who.style.backgroundImage = `url("${avatarUrl(state.user.id)}")`;
    else who.textContent = ((state.oa && state.oa.name) || "公").slice(0, 1);
    const row = el("li", { class: "msg " + (mine ? "me" : "them"), "data-id": m.id, "data-source": m.source },
      who, renderContent(m, body));
    return row;
  }

  function renderContent(m, body) {
    const tag = SOURCE_LABELS[m.source] ? el("span", { class: "tag", text: SOURCE_LABELS[m.source] }) : null;
    if (m.msgtype === "text") return el("div", { class: "bubble" }, body.content ?? "", tag);
    if (m.msgtype === "news") {
      const articles = body.articles || (body.news && body.news.articles) || [];
      const card = el("div", { class: "card" });
      for (const article of articles) {
        const open = article.url ? () => openInBrowser(article.url) : null;
        card.append(el("div", { class: "card-title" + (open ? " article" : ""), text: article.title || "（无标题）",
          onclick: open || undefined }));
        if (article.description) card.append(el("div", { class: "card-body", text: article.description }));
        if (open) card.append(el("button", { type: "button", class: "card-link", text: "阅读全文", onclick: open }));
      }
      if (tag) card.append(el("div", { class: "card-body" }, tag));
      return card;
    }
    if (m.msgtype === "template" || m.msgtype === "subscribe") {
      const data = body.data || {};
      const card = el("div", { class: "card" },
        el("div", { class: "card-title", text: m.msgtype === "template" ? "模板消息" : "订阅消息" }));
      for (const [key, item] of Object.entries(data)) {
        const value = item && typeof item === "object" ? item.value : item;
        card.append(el("div", { class: "card-row" }, el("b", { text: key }), el("span", { text: String(value ?? "") })));
      }
      card.append(el("div", { class: "card-body", text: `模板 ${body.template_id || ""}` }));
      const url = body.url;
      if (url && /^https?:\/\//.test(url)) {
        card.append(el("button", { type: "button", class: "card-link", text: "详情", onclick: () => openInBrowser(url) }));
      } else if (body.page || (body.miniprogram && body.miniprogram.pagepath)) {
        card.append(el("div", { class: "card-body", text: `小程序页面：${body.page || body.miniprogram.pagepath}` }));
      }
      return card;
    }
    const label = MEDIA_LABELS[m.msgtype] || `[${m.msgtype}]`;
    const detail = body.title || body.media_id || body.description || "";
    return el("div", { class: "bubble" }, detail ? `${label} ${detail}` : label, tag);
  }

  function reportPush(result) {
    if (!result) return;
    if (result.status === "no_server") toast("该公众号没有配置消息服务器，消息不会被推送", "error");
    else if (result.error && !result.shown_to_user) toast(result.error, "error");
  }

  async function toggleFollow() {
    if (!state.user || !state.oa) return;
    const action = state.following ? "unfollow" : "follow";
    const button = $("#follow-button");
    button.disabled = true;
    try {
      const result = await api("POST", `/sandbox/mp/oa/${action}`, { user: state.user.id, appid: state.oa.appid });
      setFollowing(result.following);
      toast(result.following ? "已关注" : "已取消关注");
      reportPush(result);
    } catch (error) {
      toast(error.message, "error");
    } finally {
      button.disabled = false;
      await refreshChat();
    }
  }

  async function sendText(event) {
    event.preventDefault();
    const input = $("#text-input");
    const content = input.value;
    if (!content.trim()) return;
    if (!state.following) { toast("关注公众号后才能发消息", "error"); return; }
    input.value = "";
    const send = $("#send-button");
    send.disabled = true;
    const pending = refreshSoon();  // show the user's own bubble before the reply arrives
    try {
      reportPush(await api("POST", "/sandbox/mp/oa/message",
        { user: state.user.id, appid: state.oa.appid, content }));
    } catch (error) {
      toast(error.message, "error");
      input.value = content;
    } finally {
      send.disabled = false;
      clearTimeout(pending);
      await refreshChat();
    }
  }

  function refreshSoon() { return setTimeout(refreshChat, 150); }

  // -- the custom menu -------------------------------------------------------------------------------------

  function renderMenu() {
    const buttons = (state.menu && state.menu.button) || [];
    const bar = $("#menu-buttons");
    bar.replaceChildren();
    for (const button of buttons) {
      const subs = button.sub_button || [];
      const node = el("button", { type: "button", class: subs.length ? "has-sub" : "", text: button.name || "" });
      node.addEventListener("click", (event) => {
        event.stopPropagation();
        if (subs.length) toggleSubmenu(node, subs);
        else pressButton(button);
      });
      bar.append(node);
    }
    const hasMenu = buttons.length > 0;
    showMenuBar(hasMenu);
    $("#to-menu").hidden = !hasMenu;
  }

  function showMenuBar(show) {
    $("#menubar").hidden = !show;
    $("#text-form").hidden = show;
    hideSubmenu();
  }

  function toggleSubmenu(anchor, subs) {
    const box = $("#submenu");
    if (!box.hidden && box.dataset.anchor === anchor.textContent) { hideSubmenu(); return; }
    box.replaceChildren(...subs.map((sub) => el("button", {
      type: "button", text: sub.name || "", onclick: (event) => { event.stopPropagation(); pressButton(sub); },
    })));
    box.dataset.anchor = anchor.textContent;
    const phone = $("#phone").getBoundingClientRect();
    const rect = anchor.getBoundingClientRect();
    box.hidden = false;
    const left = rect.left - phone.left + rect.width / 2 - box.offsetWidth / 2;
    box.style.left = `${Math.max(6, Math.min(left, phone.width - box.offsetWidth - 6))}px`;
  }

  function hideSubmenu() { $("#submenu").hidden = true; }

  async function pressButton(button) {
    hideSubmenu();
    if (!state.following) { toast("关注公众号后才能使用菜单", "error"); return; }
    const base = { user: state.user.id, appid: state.oa.appid };
    try {
      if (button.type === "view") {
        const result = await api("POST", "/sandbox/mp/oa/click", { ...base, url: button.url });
        reportPush(result);
        openInBrowser(result.navigate || button.url);
      } else if (button.type === "miniprogram") {
        toast(`打开小程序 ${button.appid || ""} ${button.pagepath || ""}`.trim());
      } else if (button.key) {
        reportPush(await api("POST", "/sandbox/mp/oa/click", { ...base, key: button.key }));
      } else {
        toast("这种菜单在沙箱里只作展示");
      }
    } catch (error) {
      toast(error.message, "error");
    }
    await refreshChat();
  }

  // -- 扫一扫 ----------------------------------------------------------------------------------------------

  function scanResult(text, ok) {
    $("#scan-result").replaceChildren(el("p", { class: ok ? "ok" : "bad", text }));
  }

  /** Send an image (file, pasted or dropped) to the sandbox, which reads its QR code; then act on it. */
  async function scanImage(blob) {
    let found;
    try {
      found = await uploadImage(blob);
    } catch (error) {
      scanResult(error.message, false);
      return;
    }
    $("#scan-input").value = found.texts[0];
    await act(found);
  }

  async function uploadImage(blob) {
    const post = (body) => api("POST", "/sandbox/phone/scan-image", body);
    try {
      return await post(blob);
    } catch (error) {
      if (error.status !== 413 || error.code !== "too_large") throw error;
    }
    // Over the sandbox's body limit (a large phone screenshot): send a smaller JPEG copy once.
    const smaller = await shrunk(blob).catch(() => null);
    if (!smaller) throw new Error("图片太大，请截取二维码附近的区域");
    try {
      return await post(smaller);
    } catch (error) {
      throw error.status === 413 ? new Error("图片太大，请截取二维码附近的区域") : error;
    }
  }

  /** A JPEG copy at most 1600 pixels on its longest side. */
  async function shrunk(blob) {
    const bitmap = await createImageBitmap(blob);
    const ratio = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * ratio);
    canvas.height = Math.round(bitmap.height * ratio);
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";  // transparent areas become white, not black
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
  }

  function imageFrom(items) {
    for (const item of items || []) {
      if (item.kind === "file" && item.type.startsWith("image/")) return item.getAsFile();
    }
    return null;
  }

  async function scan(event) {
    if (event) event.preventDefault();
    const text = $("#scan-input").value.trim();
    if (!text) { scanResult("请先粘贴二维码内容", false); return; }
    let found;
    try {
      found = await api("POST", "/sandbox/phone/scan", { text });
    } catch (error) {
      scanResult(error.message, false);
      return;
    }
    await act(found);
  }

  /** What WeChat does with a scanned code, given the sandbox's reading of it (see phone/scan.py). */
  async function act(found) {
    switch (found.kind) {
      case "pay": {
        scanResult(`${found.order.merchant_name}：${found.order.description} ${yuan(found.order.amount_total)}`, true);
        const outcome = await paySheet(found.order, found.order.ref);
        scanResult({ ok: "支付成功", cancel: "已取消支付", fail: "支付失败" }[outcome], outcome === "ok");
        break;
      }
      case "qrcode": {
        try {
          const result = await api("POST", "/sandbox/mp/oa/scan", { user: state.user.id, ticket: found.qrcode.ticket });
          scanResult(result.event === "subscribe" ? `已关注公众号（场景 ${result.scene}）` : `已扫码（场景 ${result.scene}）`,
            true);
          reportPush(result);
          showTab("chat");
        } catch (error) {
          scanResult(error.message, false);
        }
        break;
      }
      case "link": {
        const link = found.link;
        const query = link.query ? `?${link.query}` : "";
        scanResult(`小程序 ${link.appid}\n页面：${link.path || "首页"}${query}\n（沙箱不运行小程序）`, true);
        break;
      }
      case "url":
        scanResult(`打开网页：${found.url}`, true);
        openInBrowser(found.url);
        break;
      case "unknown_pay":
        scanResult("支付二维码无效：订单不存在", false);
        break;
      case "unknown_qrcode":
        scanResult("二维码已过期或无效", false);
        break;
      default:
        scanResult(`扫描结果：${found.text}`, true);
    }
  }

  // -- the built-in browser --------------------------------------------------------------------------------

  const frame = () => $("#browser-frame");

  /** The absolute http(s) URL, or null: links come from hostile data (replies, menus), so no javascript:. */
  function webUrl(url) {
    try {
      const parsed = new URL(url, location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed : null;
    } catch (_) {
      return null;
    }
  }

  async function openInBrowser(url) {
    const target = webUrl(url);
    if (!target) {
      toast(`无法打开该链接（只支持 http/https 网址）：${url}`, "error", 3500);
      return;
    }
    url = target.href;
    showTab("browser");
    $("#address-input").value = url;
    $("#address-input").placeholder = "输入网址";
    let verdict = { frameable: true, reason: "" };
    if (target.origin !== location.origin) {
      try { verdict = await api("GET", `/sandbox/phone/frameable?url=${enc(url)}`); } catch (_) { /* try the frame */ }
    }
    if (verdict.frameable) {
      $("#browser-note").textContent = "";
      frame().src = url;
    } else {
      frame().src = "about:blank";
      $("#browser-note").textContent = `该页面禁止被嵌入（${verdict.reason}），已在新窗口打开`;
      openPopup(url);
    }
  }

  function openPopup(url) {
    if (!webUrl(url)) { toast("只支持 http/https 网址", "error"); return; }
    state.popup = window.open(url, "wxsandbox-browser", "width=400,height=800");
    if (!state.popup) toast("浏览器拦截了新窗口，请点“在新窗口打开”", "error");
  }

  function onFrameLoad() {
    // Same-origin pages (the sandbox's own) get the bridge injected; others load /phone/jsbridge.js.
    let win;
    try {
      win = frame().contentWindow;
      const href = win.location.href;
      if (href && href !== "about:blank") $("#address-input").value = href;
      if (!win.WeixinJSBridge && win.document.head) {
        win.document.head.append(Object.assign(win.document.createElement("script"), { src: "/phone/jsbridge.js" }));
      }
    } catch (_) {
      // Cross-origin: the page must include <script src="…/phone/jsbridge.js"> itself, and its address
      // cannot be read. Do not leave a sandbox page's address (e.g. the OAuth consent) on display.
      const input = $("#address-input");
      const shown = webUrl(input.value);
      if (shown && shown.origin === location.origin) {
        input.value = "";
        input.placeholder = "（跨站页面，地址无法读取）";
      }
    }
  }

  async function onBridgeMessage(event) {
    const data = event.data;
    if (!data || typeof data !== "object" || data.wxsandbox !== "jsbridge-invoke") return;
    const fromFrame = event.source === frame().contentWindow;
    const fromPopup = state.popup && event.source === state.popup;
    if (!fromFrame && !fromPopup) return;  // only pages opened in this phone may ask it to pay
    const source = event.source;
    const origin = event.origin && event.origin !== "null" ? event.origin : "*";
    const reply = (result) => source.postMessage({ wxsandbox: "jsbridge-result", id: data.id, result }, origin);
    if (data.name !== "getBrandWCPayRequest") {
      reply({ err_msg: "system:function_not_exist" });
      return;
    }
    if (state.sheet) {
      reply({ err_msg: "get_brand_wcpay_request:fail", err_desc: "已有一笔支付正在进行" });
      return;
    }
    let order;
    try {
      const params = data.params && typeof data.params === "object" ? data.params : {};
      const pageUrl = typeof data.href === "string" ? data.href : "";
      order = await api("POST", "/sandbox/phone/jsapi-verify", { ...params, page_url: pageUrl });
    } catch (error) {
      toast(error.message, "error", 3500);
      reply({ err_msg: "get_brand_wcpay_request:fail", err_desc: error.message });
      return;
    }
    if (fromPopup) window.focus();
    const outcome = await paySheet(order, { prepay_id: order.prepay_id });
    reply({ err_msg: `get_brand_wcpay_request:${outcome}` });
  }

  // -- the payment sheet -----------------------------------------------------------------------------------

  /** Show the cashier for `order`; resolves "ok" | "cancel" | "fail" once the user is done with it. */
  function paySheet(order, ref) {
    if (state.sheet) return Promise.resolve("fail");
    $("#sheet-merchant").textContent = order.merchant_name;
    $("#sheet-amount").textContent = yuan(order.amount_total);
    $("#sheet-desc").textContent = order.description;
    $("#sheet-payer").textContent = state.user ? state.user.nickname : "";
    $("#sheet-error").hidden = true;
    $("#sheet-done").hidden = true;
    const confirm = $("#sheet-confirm");
    const cancel = $("#sheet-cancel");
    confirm.hidden = false;
    confirm.disabled = false;
    cancel.textContent = "取消";
    $("#pay-sheet").hidden = false;
    confirm.focus();
    return new Promise((resolve) => {
      let outcome = "cancel";
      let busy = false;
      let finished = false;
      const finish = () => {
        if (finished) return;  // "完成" and the auto-close may both fire
        finished = true;
        $("#pay-sheet").hidden = true;
        confirm.onclick = cancel.onclick = $("#sheet-close").onclick = null;
        state.sheet = null;
        refreshOrders();
        refreshChat();
        resolve(outcome);
      };
      state.sheet = { resolve };
      confirm.onclick = async () => {
        if (busy) return;
        busy = true;
        confirm.disabled = true;
        try {
          await api("POST", "/sandbox/pay/confirm", { ...ref, user_id: state.user.id });
          outcome = "ok";
          $("#sheet-done").hidden = false;
          confirm.hidden = true;
          cancel.textContent = "完成";
          toast("支付成功");
          setTimeout(finish, 600);
        } catch (error) {
          outcome = "fail";
          $("#sheet-error").textContent = error.message;
          $("#sheet-error").hidden = false;
          confirm.hidden = true;
          cancel.textContent = "关闭";
          busy = false;
        }
      };
      const leave = async () => {
        if (busy && outcome !== "ok") return;
        if (outcome === "cancel") {
          // WeChat tells nobody but the page; the control API records the user leaving the cashier.
          try { await api("POST", "/sandbox/pay/cancel", { ...ref, user_id: state.user.id }); } catch (_) { /* shown as cancel anyway */ }
        }
        finish();
      };
      cancel.onclick = leave;
      $("#sheet-close").onclick = leave;
      state.sheet.leave = leave;
    });
  }

  // -- 支付: pending orders --------------------------------------------------------------------------------

  async function refreshOrders() {
    if (!state.user) return;
    const user = state.user;
    let orders;
    try {
      orders = (await api("GET", `/sandbox/pay/orders?user_id=${enc(user.id)}`)).orders;
    } catch (_) {
      return;
    }
    if (state.user !== user) return;
    const badge = $("#pay-badge");
    badge.hidden = orders.length === 0;
    badge.textContent = String(orders.length);
    $("#orders-empty").hidden = orders.length > 0;
    $("#orders").replaceChildren(...orders.map((order) => el("li", { class: "order", "data-prepay-id": order.prepay_id },
      el("div", { class: "order-merchant", text: order.merchant_name }),
      el("div", { class: "order-desc", text: order.description }),
      el("div", { class: "order-amount", text: yuan(order.amount_total) }),
      el("div", { class: "order-foot" },
        el("span", { text: `${order.transaction.out_trade_no} · ${shortTime(order.expire_at)} 前有效` }),
        el("button", { type: "button", class: "primary small", text: "去支付",
          onclick: () => paySheet(order, { prepay_id: order.prepay_id }) })))));
  }

  // -- card package (卡包): invoices inserted for this user -----------------------------------------------

  const REIMBURSE = {
    INVOICE_REIMBURSE_INIT: "未报销",
    INVOICE_REIMBURSE_LOCK: "报销中",
    INVOICE_REIMBURSE_CLOSURE: "已报销",
    INVOICE_REIMBURSE_CANCEL: "已红冲",
  };

  async function refreshCards() {
    if (!state.user) return;
    const user = state.user;
    let cards;
    try {
      cards = (await api("GET", `/sandbox/invoice/cards?user=${enc(user.id)}`)).cards;
    } catch (_) {
      return;
    }
    // By id: a refreshed user list (on window focus) replaces the user object, not the user.
    if (!state.user || state.user.id !== user.id) return;
    $("#cards-empty").hidden = cards.length > 0;
    $("#cards").replaceChildren(...cards.map((card) => {
      const data = card.invoice_user_data;
      return el("li", { class: "order invoice-card", "data-billing-no": data.billing_no,
                        "data-status": card.reimburse_status },
        el("div", { class: "order-merchant", text: card.payee }),
        el("div", { class: "order-desc", text: `${card.type} · 抬头：${data.title}` }),
        el("div", { class: "order-amount", text: yuan(data.fee) }),
        el("div", { class: "order-foot" },
          el("span", { text: `发票号码 ${data.billing_no} · ${REIMBURSE[card.reimburse_status] || card.reimburse_status}` }),
          el("a", { class: "primary small invoice-pdf", href: card.pdf_url, target: "_blank", rel: "noopener",
                    text: "查看发票 PDF" })));
    }));
  }

  // -- wiring ----------------------------------------------------------------------------------------------

  // The status bar shows the sandbox's clock (it may have been advanced) in China Standard Time.
  const CLOCK_FORMAT = new Intl.DateTimeFormat("zh-CN", {
    hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Shanghai" });
  let clockOffsetMs = 0;

  function tick() {
    $("#status-time").textContent = CLOCK_FORMAT.format(new Date(Date.now() + clockOffsetMs));
  }

  async function syncClock() {
    try {
      const clock = await api("GET", "/sandbox/clock");
      clockOffsetMs = clock.now * 1000 - Date.now();
    } catch (_) { /* keep the last offset */ }
    tick();
  }

  function wire() {
    for (const button of document.querySelectorAll(".tabbar button")) {
      button.addEventListener("click", () => showTab(button.dataset.tab));
    }
    $("#user-select").addEventListener("change", (event) => chooseUser(event.target.value));
    $("#new-user-toggle").addEventListener("click", () => {
      const form = $("#new-user-form");
      form.hidden = !form.hidden;
      if (!form.hidden) $("#new-user-nickname").focus();
    });
    $("#new-user-form").addEventListener("submit", createUser);
    $("#follow-button").addEventListener("click", toggleFollow);
    $("#oa-select").addEventListener("change", (event) => chooseAccount(event.target.value));
    $("#text-form").addEventListener("submit", sendText);
    $("#to-keyboard").addEventListener("click", () => { showMenuBar(false); $("#text-input").focus(); });
    $("#to-menu").addEventListener("click", () => showMenuBar(true));
    document.addEventListener("click", hideSubmenu);
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && state.sheet) state.sheet.leave();
    });
    $("#scan-form").addEventListener("submit", scan);
    $("#scan-file").addEventListener("change", (event) => {
      const file = event.target.files[0];
      event.target.value = "";  // choosing the same file again still scans
      if (file) scanImage(file);
    });
    $("#scan-input").addEventListener("paste", (event) => {
      const image = imageFrom(event.clipboardData && event.clipboardData.items);
      if (image) { event.preventDefault(); scanImage(image); }
    });
    const scanArea = $(".scan-body");
    scanArea.addEventListener("dragover", (event) => { event.preventDefault(); scanArea.classList.add("dropping"); });
    scanArea.addEventListener("dragleave", () => scanArea.classList.remove("dropping"));
    scanArea.addEventListener("drop", (event) => {
      event.preventDefault();
      scanArea.classList.remove("dropping");
      const image = imageFrom(event.dataTransfer && event.dataTransfer.items);
      if (image) scanImage(image);
    });
    $("#address-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const url = $("#address-input").value.trim();
      if (url) openInBrowser(/^[a-z]+:/i.test(url) ? url : `http://${url}`);
    });
    $("#reload-button").addEventListener("click", () => {
      const url = $("#address-input").value.trim();
      if (url) openInBrowser(url);
    });
    $("#popup-button").addEventListener("click", () => {
      const url = $("#address-input").value.trim();
      if (url) openPopup(url);
    });
    $("#pay-refresh").addEventListener("click", refreshOrders);
    $("#cards-refresh").addEventListener("click", refreshCards);
    frame().addEventListener("load", onFrameLoad);
    window.addEventListener("message", onBridgeMessage);
  }

  async function start() {
    wire();
    syncClock();
    setInterval(syncClock, 10_000);
    try {
      await loadAccount();
      await loadUsers();
    } catch (error) {
      toast(`无法连接沙箱：${error.message}`, "error", 10_000);
      return;
    }
    const open = new URLSearchParams(location.search).get("open");
    if (open) openInBrowser(open);
    // The chat is polled on every tab: messages the hub pushes (e.g. after a payment) raise a badge.
    setInterval(() => { if (!document.hidden) refreshChat(); }, POLL_MS);
    setInterval(() => { if (!document.hidden && state.tab === "chat") loadMenu(); }, POLL_MS * 2);
    // Users created elsewhere (tests, the hub's tooling) show up when the developer comes back.
    window.addEventListener("focus", () => { if (state.user) loadUsers(state.user.id); });
    setInterval(() => { if (!document.hidden) refreshOrders(); }, POLL_MS * 4);
    document.body.dataset.ready = "true";  // for tests and scripts driving the phone
  }

  // What the other phone views (channels.js) share with this one.
  window.wxphone = { api, el, toast, yuan, showTab, user: () => state.user };

  start();
})();
