// Web chat: sends messages to POST /api/chat and renders text and buttons.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var typing = document.getElementById("typing");
  var largeText = document.getElementById("large-text");

  function senderId() {
    var id = localStorage.getItem("bdhvs-sender");
    if (!id) {
      id = "web-" + (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));
      localStorage.setItem("bdhvs-sender", id);
    }
    return id;
  }

  function bubble(text, cls) {
    var div = document.createElement("div");
    div.className = "msg " + cls;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
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
        send(b.payload, b.title);
      });
      row.appendChild(btn);
    });
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }

  function send(text, shown) {
    bubble(shown || text, "user");
    typing.hidden = false;
    return fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: senderId(), text: text, channel: "web" })
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    }).then(function (r) {
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
    }).catch(function () {
      bubble("Mất kết nối mạng. Anh/Chị kiểm tra mạng rồi gửi lại giúp tôi.", "bot notice");
    }).finally(function () { typing.hidden = true; });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
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
