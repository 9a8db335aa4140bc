// The unanswered inbox: questions the assistant was unsure of or found out of scope,
// grouped, 20 groups at a time; each group is marked seen, added as examples of an
// answer, or flagged as needing a new answer.

import { answerById, whenAnswers } from "./answers.js";
import { errorText, request, seq } from "./api.js";
import { $, el, say, showEmpty } from "./dom.js";
import { fmtDateTime, fmtInt } from "./format.js";
import { topicLabel } from "./labels.js";
import * as views from "./views.js";

function fillAnswerSelect(select, suggested) {
  whenAnswers(function (list) {
    var groups = {};
    var order = [];
    list.forEach(function (a) {
      if (!groups[a.topic]) { groups[a.topic] = el("optgroup", { label: topicLabel(a.topic) }); order.push(a.topic); }
      var text = a.question.length > 90 ? a.question.slice(0, 89) + "…" : a.question;
      groups[a.topic].appendChild(el("option", { value: a.id, text: text + (a.id === suggested ? " (gợi ý)" : "") }));
    });
    order.forEach(function (t) { select.appendChild(groups[t]); });
    if (suggested && answerById(suggested)) select.value = suggested;
    select.dispatchEvent(new Event("change"));
  });
}

// The inbox shows 20 groups at a time: at 50 groups it was a 10 000-pixel page that
// pushed the answers and the report far down.
var INBOX_PAGE = 20;
var inboxPager = null;

function inboxCount() {
  // The last shown group was dealt with: the next page takes its place.
  if (inboxPager && !inboxPager.shown() && inboxPager.next()) inboxPager.more();
  var n = inboxPager ? inboxPager.total() : 0;
  var shown = inboxPager ? inboxPager.shown() : 0;
  var next = inboxPager ? inboxPager.next() : 0;
  $("inbox-count").textContent = "(" + fmtInt(n) + " nhóm)";
  $("inbox-shown").textContent = n ? "Đang hiện " + fmtInt(shown) + " trong " + fmtInt(n) + " nhóm." : "";
  $("inbox-more").hidden = !next;
  $("inbox-more").textContent = "Xem thêm " + fmtInt(next) + " nhóm";
  showEmpty($("inbox-list"), n === 0);
}

export function renderInbox(data) {
  inboxPager = new views.Pager($("inbox-list"), INBOX_PAGE, (function () {
    var index = 0;
    return function (g) { return inboxGroup(g, index++); };
  })());
  inboxPager.reset(data.groups || []);
  inboxCount();
  var partial = $("inbox-partial");
  partial.hidden = data.complete !== false;
  partial.textContent = partial.hidden ? "" : "Kỳ này có hơn " + fmtInt(data.scanned) +
    " câu hỏi chưa giải đáp; các nhóm được gom từ " + fmtInt(data.scanned) +
    " câu gần nhất. Anh/Chị xử lý bớt hoặc thu hẹp thời gian, địa bàn để xem các câu cũ hơn.";
}

function inboxGroup(g, index) {
  var outcomes = g.outcomes || {};
  var id = "inbox-" + index + "-" + (seq.inbox || 0);
  var li = el("li", { className: "inbox-group", "data-key": g.key, "aria-labelledby": id + "-title" });
  li.appendChild(el("h3", { id: id + "-title", tabindex: "-1", text: fmtInt(g.count) + " câu hỏi tương tự" }));
  var first = g.first_at ? fmtDateTime(g.first_at).slice(6) : "";
  var last = g.last_at ? fmtDateTime(g.last_at).slice(6) : first;
  var span = !first ? "" : first === last ? "Ngày " + first : "Từ " + first + " đến " + last;
  var kinds = [];
  if (outcomes.unsure) kinds.push("chưa chắc: " + fmtInt(outcomes.unsure));
  if (outcomes.out_of_scope) kinds.push("ngoài phạm vi: " + fmtInt(outcomes.out_of_scope));
  li.appendChild(el("p", { className: "hint", text: [span, kinds.join(", ")].filter(Boolean).join(" · ") }));
  var samples = el("ul", { className: "samples", "aria-label": "Ví dụ câu hỏi (đã che thông tin cá nhân)" });
  (g.sample_texts || []).forEach(function (t) { samples.appendChild(el("li", { text: "“" + t + "”" })); });
  li.appendChild(samples);

  var actions = el("div", { className: "inbox-actions", role: "group", "aria-label": "Xử lý nhóm câu hỏi" });
  var reviewed = el("button", { type: "button", text: "Đã xem" });
  var select = el("select", { id: id + "-answer" }, [el("option", { value: "", text: "— Chọn câu trả lời —" })]);
  var addExample = el("button", { type: "button", text: "Thêm câu mẫu", disabled: "disabled" });
  var needsAnswer = el("button", { type: "button", text: "Cần câu trả lời mới" });
  var addBox = el("div", { className: "add-example" }, [
    el("label", { "for": id + "-answer", text: "Thêm làm câu mẫu cho câu trả lời…" }, []), addExample]);
  addBox.firstChild.appendChild(select);
  actions.appendChild(reviewed);
  actions.appendChild(addBox);
  actions.appendChild(needsAnswer);
  li.appendChild(actions);
  var problem = el("p", { className: "error", role: "alert", hidden: "hidden" });
  li.appendChild(problem);

  select.addEventListener("change", function () { addExample.disabled = !select.value; });
  fillAnswerSelect(select, g.suggested_answer_id);

  function act(action, button) {
    var body = { turn_ids: g.turn_ids || [], action: action };
    if (action === "add_example") body.answer_id = select.value;
    var buttons = li.querySelectorAll("button, select");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    problem.hidden = true;
    request("/api/staff/inbox/review", { method: "POST", body: body }).then(function (result) {
      var n = result && typeof result.updated === "number" ? result.updated : g.count;
      var message;
      if (action === "reviewed") message = "Đã đánh dấu “Đã xem” cho " + fmtInt(n) + " câu hỏi.";
      else if (action === "add_example") {
        var a = answerById(body.answer_id);
        message = "Đã thêm " + fmtInt(n) + " câu làm câu mẫu cho “" + (a ? a.question : body.answer_id) +
          "”. Câu mẫu được dùng từ lần huấn luyện sau.";
      } else message = "Đã ghi nhận " + fmtInt(n) + " câu hỏi cần câu trả lời mới.";
      var next = li.nextElementSibling || li.previousElementSibling;
      li.parentNode.removeChild(li);
      inboxCount();
      say($("inbox-status"), message);
      var focus = next ? next.querySelector("button") : $("inbox-title");
      focus.focus();
    }).catch(function (err) {
      if (err && err.status === 401) return;
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
      addExample.disabled = !select.value;
      problem.textContent = err && err.status === 422
        ? "Chưa lưu được: câu trả lời đã chọn không còn tồn tại. Anh/Chị chọn lại."
        : "Chưa lưu được. " + errorText(err);
      problem.hidden = false;
      if (button) button.focus();
    });
  }
  reviewed.addEventListener("click", function () { act("reviewed", reviewed); });
  addExample.addEventListener("click", function () { if (select.value) act("add_example", addExample); });
  needsAnswer.addEventListener("click", function () { act("needs_answer", needsAnswer); });
  return li;
}

export function bindInbox() {
  $("inbox-more").addEventListener("click", function () {
    var first = inboxPager && inboxPager.more();
    inboxCount();
    // The keyboard goes on from the first group just shown, not back to the top.
    if (first) first.querySelector("h3").focus();
  });
}
