/* Hand-off console: queue refresh, live conversation, reply, arrangement, finish.
   No framework; text from the server is inserted with textContent only. */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function api(path, method, body) {
    return fetch(path, {
      method: method || "GET",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Console-Request": "1" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 401) { window.location.assign("/console/login"); throw new Error("logged out"); }
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
      if (r.ok) { window.location.assign("/console/cases/" + id); return; }
      button.disabled = false;
      say($("queue-status") || $("reply-result"), r.data.error || "Could not take the case.", "bad");
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
        $("queue-status").textContent = "Queue updated.";
      }).catch(function () { $("queue-status").textContent = "Could not refresh the queue; retrying."; });
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
    who.textContent = (m.from === "borrower" ? "Borrower" : (m.from === "agent" ? "Agent " + m.agent : "Bot")) + ":";
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
    if (data.handed_off) {
      return data.taken ? "(hand-off: you are answering; the bot still answers self-harm, how to pay and identity)"
        : "(hand-off: waiting for a person; the bot acknowledges each message and adds it to the case)";
    }
    return data.paused ? "(bot paused: you are talking)" : "(bot active)";
  }

  var PRIORITY = ["normal", "high: nobody took it in time", "top: self-harm risk"];

  /* The case as it changes while it waits: reason, priority, what the borrower wrote. */
  function caseFlags() {
    var box = $("case-flags");
    if (!box) {
      box = document.createElement("section");
      box.id = "case-flags";
      box.className = "case-flags";
      box.setAttribute("aria-live", "polite");
      box.setAttribute("aria-label", "Case reason, priority and messages added while waiting");
      document.querySelector(".case-head").appendChild(box);
    }
    api(base).then(function (r) {
      if (!r.ok) { return; }
      var c = r.data, p = c.priority || 0;
      var lines = [["case-reason", "Reason now: " + c.reason],
                   ["case-priority priority-" + p, "Priority: " + (PRIORITY[p] || p) +
                    (c.escalated_at ? " (escalated " + c.escalated_at.slice(0, 16).replace("T", " ") + " UTC)" : "")]];
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
        head.textContent = "Added to the case while waiting (" + added.length + ")";
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
      if (!r.ok) { $("conv-paused").textContent = "(" + (r.data.error || "conversation unavailable") + ")"; return; }
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
    say($("reply-result"), "Sending…");
    api(base + "/reply", "POST", { text: box.value }).then(function (r) {
      if (r.ok) {
        box.value = "";
        say($("reply-result"), "Sent.", "good");
        poll();
      } else if (r.status === 422) {
        say($("reply-result"), "Not sent, blocked by compliance rule " + r.data.rule + ": " + r.data.reason, "bad");
      } else {
        say($("reply-result"), "Not sent: " + (r.data.error || "error " + r.status), "bad");
      }
    }).catch(function () { say($("reply-result"), "Not sent: the server did not answer.", "bad"); })
      .then(function () { send.disabled = false; box.focus(); });
  });
  $("reply-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { replyForm.requestSubmit(); }
  });

  var arr = $("arr-form");
  if (arr) {
    var rowsEl = $("arr-rows"), key = newKey();
    var addRow = function (focus) {
      var n = rowsEl.children.length + 1;
      var row = document.createElement("div");
      row.className = "pay-row";
      row.innerHTML = '<label>Payment ' + n + ' due <input type="date" class="pay-due" required></label>' +
        '<label>amount <input class="pay-amount" inputmode="decimal" required pattern="\\d+(\\.\\d{1,4})?" size="12"></label>';
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
          say($("arr-result"), "Recorded " + a.kind.replace(/_/g, " ") + " #" + a.id + " (" + a.schedule.length +
            " payments)" + (r.data.override ? ", as a supervisor override." : "."), "good");
        } else {
          var problems = (r.data.problems || []).join("; ");
          say($("arr-result"), "Not recorded: " + (r.data.error || "error " + r.status) + (problems ? ". " + problems : ""), "bad");
        }
      }).catch(function () { say($("arr-result"), "Not recorded: the server did not answer.", "bad"); })
        .then(function () { $("arr-submit").disabled = false; });
    });
  }

  function finish(path, button) {
    button.disabled = true;
    api(base + path, "POST", {}).then(function (r) {
      if (r.ok) { window.location.reload(); return; }
      button.disabled = false;
      say($("finish-result"), r.data.error || "error " + r.status, "bad");
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
        say($("unlock-result"), r.data.error || "error " + r.status, "bad");
      });
    });
  }
  if ($("hand-back")) {
    $("hand-back").addEventListener("click", function () { finish("/hand-back", $("hand-back")); });
    $("close-case").addEventListener("click", function () { finish("/close", $("close-case")); });
  }
}());
