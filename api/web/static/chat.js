// Web chat: sends messages to POST /api/chat, renders text, links and buttons, asks
// "Hữu ích / Chưa hữu ích" under the message the gateway marks for rating, and keeps
// messages typed while offline until the connection is back (nothing the citizen typed
// is lost).
//
// The conversation (its sender id and what was shown) is kept in localStorage, so a
// reload or a visit days later shows it again, with the community team's replies that
// arrived meanwhile. "Bắt đầu cuộc trò chuyện mới" forgets it and takes a new id.
// A reply button answers only its own turn: when a newer bot turn arrives, older
// buttons are shown disabled (aria-disabled) and do nothing.
(function () {
  "use strict";
  var SENDER_KEY = "bdhvs-sender";
  var LOG_KEY = "bdhvs-log";
  var LOG_VERSION = 1;      // the shape of what LOG_KEY holds
  var LARGE_KEY = "bdhvs-large";
  var MAX_TURNS = 200;
  // A hand-off offer is forgotten after an hour (OFFER_TTL in api/handoff/dialogue.py)
  // and Rasa starts a new session after two: the buttons of a conversation left that
  // long are shown, but no longer answer.
  var STALE_MS = 60 * 60 * 1000;
  var POLL_MS = 20000;
  var GREETING = "Xin chào Anh/Chị! Tôi có thể hướng dẫn về tài khoản định danh điện tử VNeID, Cổng Dịch vụ công quốc gia, thanh toán trực tuyến, chữ ký số, kỹ năng số và cách phòng tránh lừa đảo. Anh/Chị cứ gõ câu hỏi, có dấu hay không dấu đều được.";
  var SPEAKERS = { user: "Anh/Chị:", bot: "Trợ lý:", notice: "Trợ lý:", team: "Tin nhắn của Tổ:" };
  // Under the gateway's "yêu cầu số N" (ticket opened, or already open): where the
  // team's reply will appear.
  var TICKET = /yêu cầu số \d+/i;
  var TICKET_HINT = "Khi Tổ trả lời, tin nhắn sẽ hiện ngay trong khung trò chuyện này. Anh/Chị có thể đóng trang, lúc khác mở lại trang này trên cùng máy để xem.";
  var CONFIRM_NEW = "Anh/Chị đang chờ Tổ công nghệ số cộng đồng trả lời. Nếu bắt đầu cuộc trò chuyện mới, trả lời của Tổ sẽ không hiện ở đây nữa. Anh/Chị vẫn muốn bắt đầu lại?";

  var scroller = document.getElementById("scroller");
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var typing = document.getElementById("typing");
  var largeText = document.getElementById("large-text");
  var newChat = document.getElementById("new-chat");
  var status = document.getElementById("status");

  var nodes = new WeakMap();  // turn -> its element
  var state = null;          // {v, sender, turns, handoff, at}, what localStorage keeps
  var pending = [];          // user turns not yet answered, in order
  var sending = false;
  var polling = false;
  var retryTimer = null;

  function getItem(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  function setItem(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* storage full or off */ }
  }

  function newId() {
    return "web-" + (window.crypto && crypto.randomUUID ? crypto.randomUUID()
      : String(Math.random()).slice(2) + Date.now().toString(36));
  }

  function fresh(sender) {
    return { v: LOG_VERSION, sender: sender, turns: [], handoff: false, at: Date.now() };
  }

  function load() {
    var sender = getItem(SENDER_KEY);
    if (!sender) {
      sender = newId();
      setItem(SENDER_KEY, sender);
    }
    var saved = null;
    try { saved = JSON.parse(getItem(LOG_KEY) || "null"); } catch (e) { saved = null; }
    if (!saved || saved.v !== LOG_VERSION || saved.sender !== sender || !Array.isArray(saved.turns)) {
      return fresh(sender);
    }
    if (!(Date.now() - (saved.at || 0) < STALE_MS)) {
      saved.turns.forEach(function (t) { if (t.who === "bot") t.closed = true; });
    }
    return saved;
  }

  function save() {
    state.at = Date.now();
    if (state.turns.length > MAX_TURNS) state.turns = state.turns.slice(-MAX_TURNS);
    setItem(LOG_KEY, JSON.stringify(state));
  }

  // Text with http(s) links made clickable, built from text nodes (never innerHTML).
  function fill(div, text) {
    var parts = text.split(/(https?:\/\/[^\s)]+)/);
    parts.forEach(function (part, i) {
      if (i % 2 === 1) {
        var a = document.createElement("a");
        a.href = part.replace(/[.,;]+$/, "");
        a.textContent = part;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        div.appendChild(a);
      } else if (part) {
        div.appendChild(document.createTextNode(part));
      }
    });
  }

  function message(text, cls) {
    var div = document.createElement("div");
    div.className = "msg " + cls;
    fill(div, text);
    return div;
  }

  // Who speaks, for screen readers (the bubbles' colours say it to the eye).
  function speaker(who) {
    var span = document.createElement("span");
    span.className = "visually-hidden";
    span.textContent = SPEAKERS[who];
    return span;
  }

  function disable(button) {
    button.setAttribute("aria-disabled", "true");
  }

  function isDisabled(button) {
    return button.getAttribute("aria-disabled") === "true";
  }

  // Older buttons answer nothing once a newer bot turn is on the screen.
  function closeOldButtons() {
    state.turns.forEach(function (t) { if (t.who === "bot") t.closed = true; });
    log.querySelectorAll(".buttons button").forEach(disable);
  }

  function buttonRow(turn, buttons) {
    var row = document.createElement("div");
    row.className = "buttons";
    buttons.forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.title;
      if (turn.closed) disable(btn);
      if (turn.chosen === b.payload) btn.classList.add("chosen");
      btn.addEventListener("click", function () {
        if (isDisabled(btn)) return;
        turn.closed = true;
        turn.chosen = b.payload;
        row.querySelectorAll("button").forEach(disable);
        btn.classList.add("chosen");
        ask(b.payload, b.title);
      });
      row.appendChild(btn);
    });
    return row;
  }

  // Replaces the rating buttons with a sentence, keeping the keyboard focus there.
  function thank(row, text) {
    var focused = row.contains(document.activeElement);
    row.textContent = text;
    if (focused) {
      row.tabIndex = -1;
      row.focus();
    }
  }

  function feedbackRow(turn) {
    var row = document.createElement("div");
    row.className = "feedback";
    if (turn.rate.done) {
      row.textContent = "Cảm ơn Anh/Chị đã góp ý!";
      return row;
    }
    row.setAttribute("role", "group");
    var question = document.createElement("span");
    question.className = "ask";
    question.id = "rate-" + turn.rate.turnId;
    question.textContent = "Câu trả lời này có hữu ích không?";
    row.setAttribute("aria-labelledby", question.id);
    row.appendChild(question);
    [["Hữu ích", true], ["Chưa hữu ích", false]].forEach(function (choice) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = choice[0];
      btn.addEventListener("click", function () {
        if (isDisabled(btn)) return;
        var buttons = row.querySelectorAll("button");
        buttons.forEach(disable);
        var sender = state.sender;
        fetch("/api/feedback", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ sender: sender, turn_id: turn.rate.turnId, helpful: choice[1] })
        }).then(function (res) {
          if (!res.ok) {
            thank(row, "Chưa ghi nhận được góp ý, Anh/Chị thử lại sau nhé.");
            return;
          }
          turn.rate.done = true;
          save();
          thank(row, "Cảm ơn Anh/Chị đã góp ý!");
          // After a second unhelpful answer the assistant offers a person.
          return res.json().then(function (body) {
            var messages = body.messages || [];
            if (!messages.length || sender !== state.sender) return;
            closeOldButtons();
            showAnswer(addTurn({ who: "bot", messages: messages.map(function (m) { return plain(m); }), closed: false }));
          });
        }).catch(function () {
          buttons.forEach(function (x) { x.removeAttribute("aria-disabled"); });
        });
      });
      row.appendChild(btn);
    });
    return row;
  }

  function plain(m, answerId) {
    return { text: m.text, answerId: answerId || "", buttons: m.buttons || [] };
  }

  // ``restored``: drawn again from storage (an unsent message then shows as waiting).
  function render(turn, restored) {
    var box = document.createElement("div");
    box.className = "turn from-" + turn.who;
    box.appendChild(speaker(turn.who));
    if (turn.who === "user") {
      box.appendChild(message(turn.shown || turn.text, restored && turn.sent === false ? "user queued" : "user"));
    } else if (turn.who === "bot") {
      turn.messages.forEach(function (m, i) {
        var div = message(m.text, "bot");
        div.dataset.answerId = m.answerId || "";
        box.appendChild(div);
        if (m.buttons && m.buttons.length) box.appendChild(buttonRow(turn, m.buttons));
        if (turn.rate && turn.rate.after === i) box.appendChild(feedbackRow(turn));
      });
      if (turn.hint) box.appendChild(message(TICKET_HINT, "bot notice"));
    } else if (turn.who === "team") {
      turn.texts.forEach(function (text) { box.appendChild(message(text, "bot team")); });
    } else {
      box.appendChild(message(turn.text, "bot notice"));
    }
    log.appendChild(box);
    nodes.set(turn, box);
    return box;
  }

  function addTurn(turn) {
    state.turns.push(turn);
    save();
    return render(turn);
  }

  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function offsetIn(el) {
    return el.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
  }

  // A new answer is read from its start: its first line at the top of the view (with
  // the citizen's question above it when that is short), never scrolled past to the
  // buttons at its end. A short answer simply shows whole.
  function showAnswer(box) {
    var top = offsetIn(box);
    var before = box.previousElementSibling;
    if (before && before.classList.contains("from-user")) {
      var question = offsetIn(before);
      if (top - question < scroller.clientHeight / 3) top = question;
    }
    scroller.scrollTop = Math.max(0, top - 8);
  }

  function setOffline(offline) {
    status.hidden = !offline;
    document.body.classList.toggle("offline", offline);
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, 5000);
  }

  // Sends the oldest pending message; on a network failure keeps it and retries.
  function flush() {
    if (sending || !pending.length) return;
    sending = true;
    typing.hidden = false;
    var turn = pending[0];
    var conversation = state;
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: conversation.sender, text: turn.text, channel: "web", message_id: turn.id })
    }).then(function (res) {
      // Its first send is still being answered: asked again later, for that reply.
      if (res.status === 409) throw new Error("in progress");
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    }).then(function (r) {
      var i = pending.indexOf(turn);
      if (i >= 0) pending.splice(i, 1);
      setOffline(false);
      if (conversation !== state) return;  // a new conversation was started meanwhile
      turn.sent = true;
      var bubble = nodes.get(turn) && nodes.get(turn).querySelector(".msg");
      if (bubble) bubble.classList.remove("queued");
      if (!r.ok) {
        var detail = r.body && r.body.detail;
        addTurn({ who: "notice", text: (detail && detail.message) || "Tin nhắn chưa gửi được, Anh/Chị thử lại nhé." });
        scrollToEnd();
        return;
      }
      var body = r.body;
      var reply = {
        who: "bot",
        messages: body.messages.map(function (m) { return plain(m, body.answer_id); }),
        closed: false
      };
      if (typeof body.feedback_after === "number" && body.turn_id) {
        reply.rate = { after: body.feedback_after, turnId: body.turn_id, done: false };
      }
      if (body.intent === "handoff") state.handoff = true;
      if (state.handoff && body.messages.some(function (m) { return TICKET.test(m.text); })) {
        reply.hint = true;
      }
      closeOldButtons();
      showAnswer(addTurn(reply));
    }).catch(function () {
      var bubble = nodes.get(turn) && nodes.get(turn).querySelector(".msg");
      if (bubble) bubble.classList.add("queued");
      setOffline(true);
      scheduleRetry();
    }).finally(function () {
      sending = false;
      typing.hidden = true;
      if (!status.hidden) return;
      flush();
    });
  }

  // One id per message, kept across its sends: a message sent again after a dropped
  // connection gets the reply it already got, and is answered and logged once.
  function messageId() {
    if (!(window.crypto && crypto.getRandomValues)) {
      return (String(Math.random()).slice(2) + Date.now().toString(36)).slice(0, 40);
    }
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function ask(text, shown) {
    var turn = { who: "user", text: text, sent: false, id: messageId() };
    if (shown && shown !== text) turn.shown = shown;
    addTurn(turn);
    pending.push(turn);
    scrollToEnd();
    flush();
  }

  window.addEventListener("online", function () { flush(); });

  // Replies of the community tech team (hand-off), asked for only while this
  // conversation has a hand-off under way: at load (a citizen coming back), every
  // POLL_MS while the page is visible, and when it becomes visible again.
  function pollUpdates() {
    if (!state.handoff || document.hidden || polling) return;
    polling = true;
    var conversation = state;
    fetch("/api/chat/updates?sender=" + encodeURIComponent(conversation.sender))
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        if (!body || conversation !== state) return;
        var texts = body.messages || [];
        var questions = body.questions || [];
        if (texts.length) showAnswer(addTurn({ who: "team", texts: texts }));
        // After the team closes the request: "Hài lòng / Chưa hài lòng", one tap.
        if (questions.length) {
          closeOldButtons();
          showAnswer(addTurn({ who: "bot", messages: questions.map(function (m) { return plain(m); }), closed: false }));
        }
        if (!texts.length && !questions.length && body.waiting === false) {
          state.handoff = false;
          save();
        }
      })
      .catch(function () {})
      .finally(function () { polling = false; });
  }
  setInterval(pollUpdates, POLL_MS);
  document.addEventListener("visibilitychange", pollUpdates);

  function send() {
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    ask(text);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    send();
  });
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.shiftKey) return;
    // Vietnamese input methods compose words (Telex, VNI): Enter then ends the word.
    if (e.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    send();
  });

  function setLarge(on) {
    document.body.classList.toggle("large", on);
    largeText.setAttribute("aria-pressed", String(on));
    largeText.querySelector(".state").textContent = on ? "Bật" : "Tắt";
  }
  largeText.addEventListener("click", function () {
    var on = largeText.getAttribute("aria-pressed") !== "true";
    setLarge(on);
    setItem(LARGE_KEY, on ? "1" : "");
  });
  setLarge(Boolean(getItem(LARGE_KEY)));

  function greet() {
    var box = document.createElement("div");
    box.className = "turn from-bot";
    box.appendChild(speaker("bot"));
    box.appendChild(message(GREETING, "bot"));
    log.appendChild(box);
  }

  // Inside the embed frame of a portal (embed.js), Escape closes the frame.
  if (window.parent !== window) {
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") window.parent.postMessage("bdhvs-chat-close", "*");
    });
  }

  newChat.addEventListener("click", function () {
    if (state.handoff && !window.confirm(CONFIRM_NEW)) return;
    pending = [];
    state = fresh(newId());
    setItem(SENDER_KEY, state.sender);
    save();
    log.textContent = "";
    greet();
    scroller.scrollTop = 0;
    input.focus();
  });

  state = load();
  greet();
  state.turns.forEach(function (turn) {
    render(turn, true);
    if (turn.who === "user" && turn.sent === false) pending.push(turn);
  });
  // A conversation coming back opens at its end; a new one at its top, with the
  // privacy notice in view.
  if (state.turns.length) scrollToEnd();
  pollUpdates();
  flush();
})();
