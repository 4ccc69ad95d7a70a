/* Hand-off console: queue refresh, live conversation, reply, arrangement, finish.
   No framework; text from the server is inserted with textContent only. Its words come
   from the page (body data-strings: config/ui.yml's console group in the page's language). */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  var T = {};
  try { T = JSON.parse(document.body.getAttribute("data-strings") || "{}") || {}; } catch (e) { T = {}; }
  var LANG_QUERY = document.body.getAttribute("data-lang-query") || "";

  /* The text of `key` with its {names} filled in from `values`. */
  function t(key, values) {
    var text = typeof T[key] === "string" ? T[key] : key;
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function api(path, method, body) {
    return fetch(path, {
      method: method || "GET",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Console-Request": "1" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 401) { window.location.assign("/console/login" + LANG_QUERY); throw new Error("logged out"); }
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, ok: response.ok, data: data };
      });
    });
  }

  function say(el, text, kind) {
    if (!el) { return; }
    el.textContent = text;
    el.className = "result" + (kind ? " " + kind : "");
  }

  function newKey() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* Take buttons, in the queue and on a case page. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.take") : null;
    if (!button) { return; }
    var id = button.getAttribute("data-case-id");
    button.disabled = true;
    api("/console/api/cases/" + id + "/take", "POST", {}).then(function (r) {
      if (r.ok) { window.location.assign("/console/cases/" + id + LANG_QUERY); return; }
      button.disabled = false;
      say($("queue-status") || $("reply-result"), r.data.error || t("take_failed"), "bad");
    });
  });

  /* Queue: refresh the rows, keeping keyboard focus where it was. */
  var rows = $("queue-rows");
  if (rows) {
    var refresh = $("queue").getAttribute("data-refresh");
    setInterval(function () {
      fetch(refresh, { credentials: "same-origin" }).then(function (response) {
        if (response.redirected) { window.location.assign(response.url); return null; }
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (html === null || html === undefined || html.trim() === rows.innerHTML.trim()) { return; }
        var focused = document.activeElement, key = null;
        if (focused && rows.contains(focused)) {
          key = focused.tagName + "|" + (focused.getAttribute("data-case-id") || focused.getAttribute("href"));
        }
        rows.innerHTML = html;
        if (key) {
          Array.prototype.some.call(rows.querySelectorAll("a,button"), function (el) {
            if (el.tagName + "|" + (el.getAttribute("data-case-id") || el.getAttribute("href")) === key) {
              el.focus(); return true;
            }
            return false;
          });
        }
        $("queue-status").textContent = t("queue_updated");
      }).catch(function () { $("queue-status").textContent = t("queue_refresh_failed"); });
    }, 4000);
  }

  var caseEl = $("case");
  if (!caseEl) { return; }
  var caseId = caseEl.getAttribute("data-case-id");
  var base = "/console/api/cases/" + caseId;
  var log = $("conv-log"), next = 0, polling = false;

  function addMessage(m) {
    var item = document.createElement("div");
    item.className = "msg msg-" + m.from;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = m.from === "borrower" ? t("from_borrower") : (m.from === "agent" ? t("from_agent", { name: m.agent }) : t("from_bot"));
    var when = document.createElement("span");
    when.className = "when";
    if (m.at) { when.textContent = new Date(m.at * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }
    var text = document.createElement("div");
    text.className = "msg-text";
    text.textContent = m.text;
    item.appendChild(who); item.appendChild(when); item.appendChild(text);
    log.appendChild(item);
  }

  /* What the bot does in this conversation now: the thin layer while handed off
     (bot/dialogue/during_handoff.py), Rasa's own pause only on older conversations. */
  function botState(data) {
    if (data.handed_off) { return data.taken ? t("bot_taken") : t("bot_waiting"); }
    return data.paused ? t("bot_paused") : t("bot_active");
  }

  function priority(p) { return typeof T["priority_" + p] === "string" ? T["priority_" + p] : String(p); }

  /* The case as it changes while it waits: reason, priority, what the borrower wrote. */
  function caseFlags() {
    var box = $("case-flags");
    if (!box) {
      box = document.createElement("section");
      box.id = "case-flags";
      box.className = "case-flags";
      box.setAttribute("aria-live", "polite");
      box.setAttribute("aria-label", t("flags_label"));
      document.querySelector(".case-head").appendChild(box);
    }
    api(base).then(function (r) {
      if (!r.ok) { return; }
      var c = r.data, p = c.priority || 0;
      var lines = [["case-reason", t("reason_now", { reason: c.reason })],
                   ["case-priority priority-" + p, t("priority", { label: priority(p) }) +
                    (c.escalated_at ? t("escalated", { time: c.escalated_at.slice(0, 16).replace("T", " ") }) : "")]];
      box.textContent = "";
      lines.forEach(function (line) {
        var el = document.createElement("p");
        el.className = line[0];
        el.textContent = line[1];
        box.appendChild(el);
      });
      var added = c.messages || [];
      if (added.length) {
        var head = document.createElement("h2");
        head.textContent = t("added_while_waiting", { count: added.length });
        var list = document.createElement("ul");
        list.className = "case-messages";
        added.slice(-20).forEach(function (m) {
          var item = document.createElement("li");
          item.textContent = m.text + (m.intent ? " [" + m.intent + "]" : "");
          list.appendChild(item);
        });
        box.appendChild(head);
        box.appendChild(list);
      }
    }).catch(function () {});
  }
  caseFlags();
  setInterval(caseFlags, 4000);

  function poll() {
    if (polling) { return; }
    polling = true;
    api(base + "/conversation?after=" + next).then(function (r) {
      if (!r.ok) { $("conv-paused").textContent = "(" + (r.data.error || t("conversation_unavailable")) + ")"; return; }
      var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
      r.data.messages.forEach(addMessage);
      next = r.data.next;
      $("conv-paused").textContent = botState(r.data);
      if (atBottom && r.data.messages.length) { log.scrollTop = log.scrollHeight; }
    }).catch(function () {}).then(function () { polling = false; });
  }
  poll();
  setInterval(poll, 2000);

  var replyForm = $("reply-form");
  replyForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var box = $("reply-text"), send = $("reply-send");
    send.disabled = true;
    say($("reply-result"), t("sending"));
    api(base + "/reply", "POST", { text: box.value }).then(function (r) {
      if (r.ok) {
        box.value = "";
        say($("reply-result"), t("sent"), "good");
        poll();
      } else if (r.status === 422) {
        say($("reply-result"), t("blocked", { rule: r.data.rule, reason: r.data.reason }), "bad");
      } else {
        say($("reply-result"), t("not_sent", { error: r.data.error || t("error_status", { status: r.status }) }), "bad");
      }
    }).catch(function () { say($("reply-result"), t("not_sent_no_answer"), "bad"); })
      .then(function () { send.disabled = false; box.focus(); });
  });
  $("reply-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { replyForm.requestSubmit(); }
  });

  /* <label>text <input ...attrs></label>, built as elements so the text stays text. */
  function labelled(text, attrs) {
    var label = document.createElement("label"), input = document.createElement("input");
    Object.keys(attrs).forEach(function (name) { input.setAttribute(name, attrs[name]); });
    label.appendChild(document.createTextNode(text));
    label.appendChild(input);
    return label;
  }

  var arr = $("arr-form");
  if (arr) {
    var rowsEl = $("arr-rows"), key = newKey();
    var addRow = function (focus) {
      var n = rowsEl.children.length + 1;
      var row = document.createElement("div");
      row.className = "pay-row";
      row.appendChild(labelled(t("arr_payment_due", { n: n }), { type: "date", "class": "pay-due", required: "" }));
      row.appendChild(labelled(t("arr_amount"), { "class": "pay-amount", inputmode: "decimal", required: "",
                                                  pattern: "\\d+(\\.\\d{1,4})?", size: "12" }));
      rowsEl.appendChild(row);
      if (focus) { row.querySelector("input").focus(); }
    };
    addRow(false);
    $("arr-add").addEventListener("click", function () { addRow(true); });
    $("arr-remove").addEventListener("click", function () {
      if (rowsEl.children.length > 1) { rowsEl.removeChild(rowsEl.lastElementChild); }
    });
    arr.addEventListener("submit", function (event) {
      event.preventDefault();
      var schedule = Array.prototype.map.call(rowsEl.children, function (row) {
        return { due: row.querySelector(".pay-due").value, amount: row.querySelector(".pay-amount").value.trim() };
      });
      var override = $("arr-override");
      var body = {
        kind: $("arr-kind").value, schedule: schedule, waiver: $("arr-waiver").value.trim() || "0",
        hardship: $("arr-hardship").checked, hardship_reason: $("arr-hardship-reason").value,
        override_reason: override ? override.value : "", submission_id: key
      };
      $("arr-submit").disabled = true;
      api(base + "/arrangement", "POST", body).then(function (r) {
        if (r.ok) {
          key = newKey();
          var a = r.data.arrangement;
          say($("arr-result"), t("recorded", { kind: a.kind.replace(/_/g, " "), id: a.id, count: a.schedule.length }) +
            (r.data.override ? t("recorded_override") : t("recorded_end")), "good");
        } else {
          var problems = (r.data.problems || []).join("; ");
          say($("arr-result"), t("not_recorded", { error: r.data.error || t("error_status", { status: r.status }) }) +
            (problems ? ". " + problems : ""), "bad");
        }
      }).catch(function () { say($("arr-result"), t("not_recorded_no_answer"), "bad"); })
        .then(function () { $("arr-submit").disabled = false; });
    });
  }

  function finish(path, button) {
    button.disabled = true;
    api(base + path, "POST", {}).then(function (r) {
      if (r.ok) { window.location.reload(); return; }
      button.disabled = false;
      say($("finish-result"), r.data.error || t("error_status", { status: r.status }), "bad");
    });
  }
  if ($("unlock-verification")) {
    $("unlock-verification").addEventListener("click", function () {
      var button = $("unlock-verification");
      var path = "/console/api/loans/" + encodeURIComponent(button.getAttribute("data-loan-id")) + "/verification/unlock";
      button.disabled = true;
      api(path, "POST", {}).then(function (r) {
        if (r.ok) { window.location.reload(); return; }
        button.disabled = false;
        say($("unlock-result"), r.data.error || t("error_status", { status: r.status }), "bad");
      });
    });
  }
  if ($("hand-back")) {
    $("hand-back").addEventListener("click", function () { finish("/hand-back", $("hand-back")); });
    $("close-case").addEventListener("click", function () { finish("/close", $("close-case")); });
  }
}());
