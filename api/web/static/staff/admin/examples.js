// Training examples waiting for an admin: accept or reject the questions staff added
// from the inbox as examples of an answer.

import { errorText, fmtDateTime, showError } from "./common.js";
import { request } from "../api.js";
import { $, clear, el, say } from "../dom.js";

var answerQuestions = null; // answer id -> question, for the examples
function loadAnswerQuestions() {
  if (answerQuestions) return Promise.resolve(answerQuestions);
  return request("/api/staff/answers").then(function (data) {
    answerQuestions = {};
    data.items.forEach(function (a) { answerQuestions[a.id] = a.question; });
    return answerQuestions;
  }).catch(function () { answerQuestions = {}; return answerQuestions; });
}

export function loadExamples() {
  return Promise.all([request("/api/staff/training-examples?status=pending"), loadAnswerQuestions()]).then(function (r) {
    renderExamples(r[0].items);
    showError($("examples-error"), "");
  }).catch(function (err) {
    if (err && err.status === 401) return;
    showError($("examples-error"), "Không tải được câu mẫu. " + errorText(err));
  });
}

function updateExampleCount() {
  var n = $("examples").children.length;
  $("examples-count").textContent = n ? "(" + n + ")" : "";
  $("examples-empty").hidden = n > 0;
}

function renderExamples(items) {
  var list = clear($("examples"));
  items.forEach(function (x) {
    var question = answerQuestions[x.answer_id] || x.answer_id;
    var headingId = "example-" + x.id;
    var accept = el("button", { type: "button", className: "primary", text: "Nhận", "aria-describedby": headingId });
    var reject = el("button", { type: "button", text: "Bỏ", "aria-describedby": headingId });
    var item = el("li", { className: "example" }, [
      el("p", { className: "example-text", id: headingId, text: "“" + x.text + "”" }),
      el("p", { className: "hint" }, ["Cho câu trả lời: ", el("b", { text: question })]),
      el("p", { className: "hint", text: "Do " + x.created_by + " thêm lúc " + fmtDateTime(x.created_at) }),
      el("div", { className: "form-actions" }, [accept, reject])
    ]);
    function decide(decision) {
      accept.disabled = reject.disabled = true;
      request("/api/staff/training-examples/" + x.id + "/decision", { method: "POST", body: { decision: decision } }).then(function () {
        var next = item.nextElementSibling || item.previousElementSibling;
        item.parentNode.removeChild(item);
        updateExampleCount();
        say($("examples-status"), decision === "accepted"
          ? "Đã nhận câu mẫu “" + x.text + "”. Câu sẽ được dùng khi huấn luyện lần tới."
          : "Đã bỏ câu mẫu “" + x.text + "”.");
        // Keep the keyboard where the admin is working.
        if (next) next.querySelector("button").focus(); else $("examples-title").focus();
      }).catch(function (err) {
        if (err && err.status === 401) return;
        accept.disabled = reject.disabled = false;
        showError($("examples-error"), errorText(err));
      });
    }
    accept.addEventListener("click", function () { decide("accepted"); });
    reject.addEventListener("click", function () { decide("rejected"); });
    list.appendChild(item);
  });
  updateExampleCount();
}
