// Web chat: sends messages to POST /api/chat, renders text, links and buttons, asks
// "Hữu ích / Chưa hữu ích" after each answer, and keeps messages typed while offline
// until the connection is back (nothing the citizen typed is lost).
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var typing = document.getElementById("typing");
  var largeText = document.getElementById("large-text");
  var status = document.getElementById("status");
  var pending = [];      // [{text, bubble}] not yet answered, in order
  var sending = false;
  var retryTimer = null;

  function senderId() {
    var id = localStorage.getItem("bdhvs-sender");
    if (!id) {
      id = "web-" + (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));
      localStorage.setItem("bdhvs-sender", id);
    }
    return id;
  }

  function scroll() { log.scrollTop = log.scrollHeight; }

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

  function bubble(text, cls) {
    var div = document.createElement("div");
    div.className = "msg " + cls;
    fill(div, text);
    log.appendChild(div);
    scroll();
    return div;
  }

  function renderButtons(buttons) {
    if (!buttons || !buttons.length) return;
    var row = document.createElement("div");
    row.className = "buttons";
    buttons.forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.title;
      btn.addEventListener("click", function () {
        row.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        ask(b.payload, b.title);
      });
      row.appendChild(btn);
    });
    log.appendChild(row);
    scroll();
  }

  function renderFeedback(turnId) {
    var row = document.createElement("div");
    row.className = "feedback";
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", "Câu trả lời này có hữu ích không?");
    [["Hữu ích", true], ["Chưa hữu ích", false]].forEach(function (choice) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = choice[0];
      btn.addEventListener("click", function () {
        row.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        fetch("/api/feedback", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ sender: senderId(), turn_id: turnId, helpful: choice[1] })
        }).then(function (res) {
          row.textContent = res.ok ? "Cảm ơn Anh/Chị đã góp ý!" : "Chưa ghi nhận được góp ý, Anh/Chị thử lại sau nhé.";
          if (!res.ok) return;
          // After a second unhelpful answer the assistant offers a person.
          return res.json().then(function (body) {
            (body.messages || []).forEach(function (m) {
              bubble(m.text, "bot");
              renderButtons(m.buttons);
            });
          });
        }).catch(function () {
          row.querySelectorAll("button").forEach(function (x) { x.disabled = false; });
        });
      });
      row.appendChild(btn);
    });
    log.appendChild(row);
    scroll();
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
    var item = pending[0];
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: senderId(), text: item.text, channel: "web" })
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    }).then(function (r) {
      pending.shift();
      item.bubble.classList.remove("queued");
      setOffline(false);
      if (!r.ok) {
        var detail = r.body && r.body.detail;
        bubble((detail && detail.message) || "Tin nhắn chưa gửi được, Anh/Chị thử lại nhé.", "bot notice");
        return;
      }
      r.body.messages.forEach(function (m) {
        var div = bubble(m.text, "bot");
        div.dataset.answerId = r.body.answer_id || "";
        renderButtons(m.buttons);
      });
      if (r.body.answered) renderFeedback(r.body.turn_id);
    }).catch(function () {
      item.bubble.classList.add("queued");
      setOffline(true);
      scheduleRetry();
    }).finally(function () {
      sending = false;
      typing.hidden = true;
      if (!status.hidden) return;
      flush();
    });
  }

  function ask(text, shown) {
    pending.push({ text: text, bubble: bubble(shown || text, "user") });
    flush();
  }

  window.addEventListener("online", function () { flush(); });

  // Replies of the community tech team (hand-off) arrive here while the page is open.
  function pollUpdates() {
    if (document.hidden) return;
    fetch("/api/chat/updates?sender=" + encodeURIComponent(senderId()))
      .then(function (res) { return res.ok ? res.json() : { messages: [] }; })
      .then(function (body) {
        (body.messages || []).forEach(function (text) { bubble(text, "bot team"); });
      })
      .catch(function () {});
  }
  setInterval(pollUpdates, 20000);
  document.addEventListener("visibilitychange", pollUpdates);

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    ask(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  largeText.addEventListener("click", function () {
    var on = document.body.classList.toggle("large");
    largeText.setAttribute("aria-pressed", String(on));
    localStorage.setItem("bdhvs-large", on ? "1" : "");
  });
  if (localStorage.getItem("bdhvs-large")) document.body.classList.add("large");
  bubble("Xin chào Anh/Chị! Tôi có thể hướng dẫn về tài khoản định danh điện tử VNeID, Cổng Dịch vụ công quốc gia, thanh toán trực tuyến, chữ ký số, kỹ năng số và cách phòng tránh lừa đảo. Anh/Chị cứ gõ câu hỏi, có dấu hay không dấu đều được.", "bot");
})();
