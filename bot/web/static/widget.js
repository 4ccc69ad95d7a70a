/*
 * Borrower web chat widget: talks to Rasa's socket.io channel.
 *
 * Embed with one tag (see docs/web.md):
 *   <script src="https://BOT-HOST/static/widget.js" data-rasa-url="https://RASA-HOST" defer></script>
 *
 * Why it is written this way:
 * - Plain ES5-ish JS, no framework, no build step: a lender can read it.
 * - It loads socket.io.min.js and widget.css from next to itself, so one tag is enough.
 * - Default transport is WebSocket only: Rasa 3.6 creates its socket.io server with
 *   cors_allowed_origins=[] (no CORS headers), so cross-origin long-polling fails unless
 *   Rasa runs with --cors; WebSockets are not subject to CORS.
 * - The server issues the session id together with a secret bound to it
 *   (bot/web/rasa_socketio.py); both live in localStorage, so a reload or a network
 *   drop continues the same conversation, and both are sent to resume it: an id
 *   alone, or a wrong secret, gets a new conversation. The visible transcript lives
 *   in sessionStorage only, so it is gone when the tab closes on a shared phone.
 * - Its words are data: the page puts them, in its language, in data-strings (JSON, from
 *   config/ui.yml) and names the language in data-lang, which goes to the bot with every
 *   message as metadata.language. A page without data-strings gets ENGLISH below.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__chatWidgetLoaded) { return; }
  window.__chatWidgetLoaded = true;

  var data = script.dataset;
  // config/ui.yml's en.widget (a test keeps the two equal), for a page that gives no data-strings.
  var ENGLISH = {
    "title": "Chat with us",
    "bot_name": "Assistant",
    "connecting": "Connecting…",
    "connected": "Connected",
    "reconnecting": "Connection lost. Reconnecting…",
    "unreachable": "Cannot reach the assistant right now. Retrying…",
    "load_failed": "The chat could not load. Please reload the page.",
    "conversation": "Conversation",
    "hint": "Type a message to start, for example “hello”.",
    "typing": "{bot} is typing…",
    "your_message": "Your message",
    "send": "Send",
    "you": "You: ",
    "bot_says": "{bot}: ",
    "suggested": "Suggested replies"
  };
  var S = texts();
  var base = new URL(".", script.src).href;
  var opts = {
    rasaUrl: data.rasaUrl || (location.protocol + "//" + location.hostname + ":5005"),
    socketPath: data.socketPath || "/socket.io",
    transports: (data.transports || "websocket").split(",").map(function (t) { return t.trim(); }),
    title: data.title || S.title,
    botName: data.botName || S.bot_name,
    language: data.lang || "en",
    storageKey: data.storageKey || "chatw.session_id",
    secretKey: (data.storageKey || "chatw.session_id") + "_secret",
    // A lender's signed token for a logged-in borrower (docs/web.md): sent with
    // every message, so the bot can skip asking for identity details.
    authToken: data.authToken || null,
    container: data.container || null,
    typingTimeoutMs: 20000,
    maxStoredMessages: 200
  };

  function texts() {
    var given = {};
    try { given = JSON.parse(data.strings || "{}") || {}; } catch (e) { /* a broken attribute: English */ }
    var found = {};
    Object.keys(ENGLISH).forEach(function (key) {
      found[key] = typeof given[key] === "string" ? given[key] : ENGLISH[key];
    });
    return found;
  }

  // "{bot} is typing…" with {bot} filled in; an unknown {name} stays as it is.
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function outgoing(message) {
    var body = { message: message, session_id: sessionId, metadata: { language: opts.language } };
    if (opts.authToken) { body.metadata.auth_token = opts.authToken; }
    return body;
  }

  var ui = null;
  var socket = null;
  var sessionId = readStored(opts.storageKey);
  var sessionSecret = readStored(opts.secretKey);
  var ready = false;          // true between session_confirm and disconnect
  var pending = [];           // messages typed while not ready
  var unsaved = [];           // transcript entries from before the first session_confirm
  var typingTimer = null;

  // ---------- storage -------------------------------------------------------

  function readStored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function writeSession(id, secret) {
    try {
      window.localStorage.setItem(opts.storageKey, id);
      window.localStorage.setItem(opts.secretKey, secret || "");
    } catch (e) { /* private mode */ }
  }

  function transcriptKey() { return "chatw.transcript." + sessionId; }

  function readTranscript() {
    if (!sessionId) { return []; }
    try { return JSON.parse(window.sessionStorage.getItem(transcriptKey()) || "[]"); } catch (e) { return []; }
  }

  function remember(entry) {
    if (!sessionId) { unsaved.push(entry); return; }   // typed before Rasa confirmed a session
    var items = readTranscript().concat(unsaved.splice(0), [entry]);
    try {
      window.sessionStorage.setItem(transcriptKey(), JSON.stringify(items.slice(-opts.maxStoredMessages)));
    } catch (e) { /* storage full or disabled: the chat still works */ }
  }

  // ---------- DOM -----------------------------------------------------------

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function loadCss() {
    if (document.querySelector("link[data-chatw-css]")) { return; }
    var link = el("link", { rel: "stylesheet", href: base + "widget.css", "data-chatw-css": "" });
    // The restored transcript is rendered before the CSS gives the log its
    // height; scroll to the newest message again once it has one.
    link.addEventListener("load", function () { if (ui) { scrollDown(); } });
    document.head.appendChild(link);
  }

  function build() {
    var root = el("section", { "class": "chatw", "aria-labelledby": "chat-title" });
    var head = el("header", { "class": "chatw-head" });
    head.appendChild(el("h2", { id: "chat-title", "class": "chatw-title" }, opts.title));
    var status = el("p", { id: "chat-status", "class": "chatw-status", role: "status" }, S.connecting);
    head.appendChild(status);
    root.appendChild(head);

    var log = el("div", {
      id: "chat-log", "class": "chatw-log", role: "log", "aria-live": "polite",
      "aria-relevant": "additions", "aria-label": S.conversation, tabindex: "0"
    });
    log.appendChild(el("p", { "class": "chatw-hint" }, S.hint));
    root.appendChild(log);

    var typing = el("p", { id: "chat-typing", "class": "chatw-typing", hidden: "" });
    typing.appendChild(el("span", { "class": "chatw-dots", "aria-hidden": "true" }));
    typing.appendChild(document.createTextNode(fill(S.typing, { bot: opts.botName })));
    root.appendChild(typing);

    var form = el("form", { id: "chat-form", "class": "chatw-form", novalidate: "" });
    form.appendChild(el("label", { "for": "chat-input", "class": "chatw-label" }, S.your_message));
    var row = el("div", { "class": "chatw-row" });
    var input = el("input", {
      id: "chat-input", "class": "chatw-input", type: "text", autocomplete: "off",
      maxlength: "1000", enterkeyhint: "send", "aria-describedby": "chat-status"
    });
    row.appendChild(input);
    row.appendChild(el("button", { id: "chat-send", "class": "chatw-send", type: "submit" }, S.send));
    form.appendChild(row);
    root.appendChild(form);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { input.focus(); return; }
      input.value = "";
      send(text, text);
      input.focus();
    });

    var target = opts.container && document.querySelector(opts.container);
    if (target) {
      target.appendChild(root);
    } else {
      script.parentNode.insertBefore(root, script.nextSibling);
    }
    return { root: root, log: log, status: status, typing: typing, input: input };
  }

  function setStatus(text, state) {
    ui.status.textContent = text;
    ui.root.setAttribute("data-state", state);
  }

  function scrollDown() { ui.log.scrollTop = ui.log.scrollHeight; }

  function showTyping(on) {
    window.clearTimeout(typingTimer);
    ui.typing.hidden = !on;
    if (on) { typingTimer = window.setTimeout(function () { showTyping(false); }, opts.typingTimeoutMs); }
  }

  function disableOldButtons() {
    var buttons = ui.log.querySelectorAll(".chatw-btn");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
  }

  function renderMessage(who, text, buttons) {
    var hint = ui.log.querySelector(".chatw-hint");
    if (hint) { hint.remove(); }
    var msg = el("div", { "class": "msg msg-" + who });
    msg.appendChild(el("span", { "class": "chatw-sr" }, who === "bot" ? fill(S.bot_says, { bot: opts.botName }) : S.you));
    msg.appendChild(el("span", { "class": "msg-text" }, text));
    if (buttons && buttons.length) {
      var group = el("div", { "class": "chatw-buttons", role: "group", "aria-label": S.suggested });
      buttons.forEach(function (b) {
        var button = el("button", { type: "button", "class": "chatw-btn", "data-payload": b.payload }, b.title);
        button.addEventListener("click", function () {
          button.setAttribute("aria-pressed", "true");
          send(b.payload, b.title);
          ui.input.focus();
        });
        group.appendChild(button);
      });
      msg.appendChild(group);
    }
    ui.log.appendChild(msg);
    scrollDown();
    return msg;
  }

  // ---------- conversation --------------------------------------------------

  function buttonsOf(message) {
    var list = message.quick_replies || message.buttons || [];
    return list.filter(function (b) { return b && b.title; }).map(function (b) {
      return { title: String(b.title), payload: String(b.payload || b.title) };
    });
  }

  function onBotMessage(message) {
    if (!message) { return; }
    var text = typeof message === "string" ? message : (message.text || "");
    var buttons = typeof message === "string" ? [] : buttonsOf(message);
    if (!text && !buttons.length) { return; }   // images/custom payloads: nothing to show yet
    showTyping(false);
    renderMessage("bot", text, buttons);
    remember({ who: "bot", text: text, buttons: buttons });
  }

  function send(payload, shownAs) {
    disableOldButtons();
    renderMessage("user", shownAs);
    remember({ who: "user", text: shownAs });
    showTyping(true);
    if (ready) {
      socket.emit("user_uttered", outgoing(payload));
    } else {
      pending.push(payload);
    }
  }

  function restore() {
    var items = readTranscript();
    items.forEach(function (item, i) {
      var last = i === items.length - 1;
      renderMessage(item.who, item.text, last ? item.buttons : null);
    });
  }

  function connect() {
    var url = new URL(opts.rasaUrl);
    var prefix = url.pathname.replace(/\/+$/, "");
    socket = window.io(url.origin, {
      path: prefix + opts.socketPath,
      transports: opts.transports,
      reconnection: true
    });

    socket.on("connect", function () {
      setStatus(S.connected, "connected");
      // Rejoin (or start) the conversation; Rasa answers with session_confirm.
      socket.emit("session_request", { session_id: sessionId, session_secret: sessionSecret });
    });

    socket.on("session_confirm", function (confirmed) {
      var id = confirmed && confirmed.session_id;
      if (!id) { return; }
      if (id !== sessionId || confirmed.session_secret !== sessionSecret) {
        sessionId = id;                       // a new conversation, or the secret of this one
        sessionSecret = confirmed.session_secret || null;
        writeSession(id, sessionSecret);
      }
      if (unsaved.length) { remember(unsaved.pop()); }
      ready = true;
      ui.root.setAttribute("data-session-id", sessionId);
      while (pending.length) {
        socket.emit("user_uttered", outgoing(pending.shift()));
      }
    });

    socket.on("bot_uttered", onBotMessage);

    socket.on("disconnect", function () {
      ready = false;
      setStatus(S.reconnecting, "reconnecting");
    });

    socket.on("connect_error", function () {
      ready = false;
      setStatus(S.unreachable, "error");
    });
  }

  function loadSocketIo(then) {
    if (window.io) { then(); return; }
    var tag = el("script", { src: base + "socket.io.min.js" });
    tag.addEventListener("load", then);
    tag.addEventListener("error", function () {
      setStatus(S.load_failed, "error");
    });
    document.head.appendChild(tag);
  }

  function start() {
    loadCss();
    ui = build();
    restore();
    loadSocketIo(connect);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
