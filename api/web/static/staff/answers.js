// The answers panel: the list of answers (search, what is due for a check), and the
// form that shows one answer, saves an edit, records a check against the source page
// and undoes a change (admins; others only read). The inbox and the question tables
// open answers here.

import { errorText, panelError, panelOk, request, seq, VIETNAMESE } from "./api.js";
import { $, cell, clear, el, labelCells, say } from "./dom.js";
import { fmtDate, fmtDateTime, fmtInt } from "./format.js";
import { topicLabel, topicLabels } from "./labels.js";
import { role } from "./session.js";
import * as views from "./views.js";

var FIELD_LABELS = {
  question: "Câu hỏi", answer: "Nội dung trả lời", steps: "Các bước", source_url: "Nguồn",
  source_ref: "Trích dẫn nguồn", sources: "Nguồn thêm", status: "Trạng thái",
  verified_on: "Ngày kiểm tra", verified_by: "Người kiểm tra"
};
var CHANGE_ACTIONS = { edit: "sửa", verify: "xác nhận đã kiểm tra", revert: "khôi phục" };
var FIELD_MESSAGES = {
  question: "Vui lòng nhập câu hỏi.",
  answer: "Vui lòng nhập nội dung trả lời (ngắn gọn, lịch sự).",
  steps: "Các bước chưa hợp lệ: mỗi dòng một bước, không để dòng trống.",
  source_url: "Nguồn phải là địa chỉ https:// của đúng trang có thông tin, không phải trang chủ.",
  source_ref: "Trích dẫn nguồn chưa hợp lệ."
};
var ANSWER_WORD_LIMIT = 60; // seeds/README.md: an answer has at most 60 words of prose
var FIELDS = {
  question: "a-question", answer: "a-answer", steps: "a-steps", source_url: "a-source-url",
  source_ref: "a-source-ref"
};

var answers = null;        // [{id, topic, question, ...}] once loaded
var answersWaiters = [];   // callbacks waiting for the answer list
var editing = null;        // id of the answer shown in the form

export function canEdit() { return role === "admin"; }

export function loadAnswers() {
  var section = $("answers-panel");
  var mine = seq.answers = (seq.answers || 0) + 1;
  section.setAttribute("aria-busy", "true");
  return request("/api/staff/answers").then(function (data) {
    if (seq.answers !== mine) return;
    answers = data.items || [];
    answers.forEach(function (a) { if (a.topic_label) topicLabels[a.topic] = a.topic_label; });
    panelOk(section);
    renderAnswerList();
    var waiting = answersWaiters;
    answersWaiters = [];
    waiting.forEach(function (cb) { cb(answers); });
  }).catch(function (err) {
    if (seq.answers !== mine || (err && err.status === 401)) return;
    panelError(section, errorText(err), loadAnswers);
  }).then(function () { if (seq.answers === mine) section.removeAttribute("aria-busy"); });
}

function renderAnswerList() {
  var query = $("answer-search").value.trim();
  var body = clear($("answer-list").tBodies[0]);
  // Drafts first, then the checks that are oldest: what needs a look comes first.
  var ordered = answers.slice().sort(function (x, y) {
    var kx = x.status === "verified" ? (x.verified_on || "") : "";
    var ky = y.status === "verified" ? (y.verified_on || "") : "";
    return kx < ky ? -1 : kx > ky ? 1 : 0;
  });
  var due = ordered.filter(function (a) { return a.due_for_check; }).length;
  // A search ranks by the question's words (views.js); that order wins.
  var found = views.rankAnswers(ordered, query, function (a) { return topicLabel(a.topic); });
  var shown = found.length;
  found.forEach(function (a) {
    var tr = el("tr", { "data-id": a.id, className: a.due_for_check ? "due" : null });
    var q = el("td");
    q.appendChild(el("span", { text: a.question }));
    q.appendChild(el("code", { className: "topic-tag", text: a.id }));
    tr.appendChild(q);
    cell(tr, topicLabel(a.topic));
    cell(tr, checkText(a), a.due_for_check ? "due-cell" : null);
    var td = el("td");
    var b = el("button", { type: "button", text: canEdit() ? "Sửa" : "Xem",
      "aria-label": (canEdit() ? "Sửa câu trả lời: " : "Xem câu trả lời: ") + a.question });
    b.addEventListener("click", function () { openAnswer(a.id); });
    td.appendChild(b);
    tr.appendChild(td);
    body.appendChild(tr);
  });
  labelCells($("answer-list"));
  $("answer-count").textContent = (query
    ? "Tìm thấy " + fmtInt(shown) + " trong " + fmtInt(answers.length) + " câu trả lời."
    : fmtInt(answers.length) + " câu trả lời.") +
    " " + fmtInt(due) + " câu cần kiểm tra (bản nháp hoặc kiểm tra quá 180 ngày).";
}

function checkText(a) {
  if (a.status !== "verified") return "Bản nháp, chưa kiểm tra";
  var text = "Đã kiểm tra " + fmtDate(a.verified_on);
  return a.due_for_check ? text + " (quá 180 ngày)" : text;
}

function loadHistory(id) {
  var list = clear($("answer-history"));
  return request("/api/staff/answers/" + encodeURIComponent(id) + "/history").then(function (data) {
    if (editing !== id) return;
    (data.items || []).forEach(function (r) {
      var fields = (r.changed || []).map(function (f) { return FIELD_LABELS[f] || f; }).join(", ");
      var li = el("li", { "data-revision": String(r.id) });
      li.appendChild(el("span", { text: fmtDateTime(r.changed_at) + " · " + r.changed_by + " · " +
        (CHANGE_ACTIONS[r.action] || r.action) + (fields ? ": " + fields : "") }));
      if (canEdit()) {
        var undo = el("button", { type: "button", text: "Hoàn tác thay đổi này",
          "aria-label": "Hoàn tác thay đổi lúc " + fmtDateTime(r.changed_at) });
        undo.addEventListener("click", function () { revertTo(id, r.id, undo); });
        li.appendChild(undo);
      }
      list.appendChild(li);
    });
    if (!list.children.length) list.appendChild(el("li", { text: "Chưa có thay đổi nào từ khi nạp dữ liệu gốc." }));
  }).catch(function () { /* the form still works without its history */ });
}

function replaceAnswer(item) {
  for (var i = 0; i < answers.length; i++) if (answers[i].id === item.id) answers[i] = item;
  renderAnswerList();
  if (editing === item.id) showAnswer(item);
}

function revertTo(id, revision, button) {
  button.disabled = true;
  request("/api/staff/answers/" + encodeURIComponent(id) + "/revert",
    { method: "POST", body: { revision_id: revision } }).then(function (item) {
    replaceAnswer(item);
    say($("answer-status"), "Đã khôi phục nội dung trước thay đổi này.");
  }).catch(function (err) {
    button.disabled = false;
    if (err && err.status !== 401) say($("answer-status"), "Chưa khôi phục được. " + errorText(err));
  });
}

function clearFieldErrors() {
  $("answer-errors").hidden = true;
  clear($("answer-errors"));
  Object.keys(FIELDS).forEach(function (f) {
    $(FIELDS[f]).removeAttribute("aria-invalid");
    $(FIELDS[f] + "-error").hidden = true;
    $(FIELDS[f] + "-error").textContent = "";
  });
}

function showFieldErrors(errors, general) {
  // errors: {field: message}; shown next to each field and listed above the form.
  var box = $("answer-errors");
  clear(box);
  box.appendChild(el("p", { text: general || "Chưa lưu được. Anh/Chị sửa các mục sau:" }));
  var list = el("ul");
  var first = null;
  Object.keys(errors).forEach(function (f) {
    if (FIELDS[f]) {
      $(FIELDS[f]).setAttribute("aria-invalid", "true");
      $(FIELDS[f] + "-error").textContent = errors[f];
      $(FIELDS[f] + "-error").hidden = false;
      if (!first) first = $(FIELDS[f]);
    }
    var label = FIELD_LABELS[f] && errors[f].indexOf(FIELD_LABELS[f]) !== 0 ? FIELD_LABELS[f] + ": " : "";
    list.appendChild(el("li", { text: label + errors[f] }));
  });
  if (list.children.length) box.appendChild(list);
  box.hidden = false;
  (first || $("answer-form-title")).focus();
}

function updateWordCount() {
  var words = $("a-answer").value.trim().split(/\s+/).filter(Boolean).length;
  var hint = $("a-answer-hint");
  hint.textContent = fmtInt(words) + "/" + ANSWER_WORD_LIMIT + " từ. Ngắn gọn, lịch sự, xưng hô Anh/Chị.";
  hint.className = "hint" + (words > ANSWER_WORD_LIMIT ? " words-over" : "");
}

export function openAnswer(id) {
  whenAnswers(function () {
    var a = answerById(id);
    if (!a) return;
    showAnswer(a);
    $("answer-form").hidden = false;
    $("answers-panel").classList.add("editing");
    $("answer-form-title").focus();
    if ($("answer-form").scrollIntoView) $("answer-form").scrollIntoView({ block: "nearest" });
  });
}

function showAnswer(a) {
  editing = a.id;
  var editable = canEdit();
  clearFieldErrors();
  $("answer-status").textContent = "";
  $("answer-form-title").textContent = (editable ? "Sửa câu trả lời " : "Câu trả lời ") + a.id;
  $("answer-meta").textContent = "Chủ đề: " + topicLabel(a.topic) +
    (a.updated_at ? " · Cập nhật " + fmtDateTime(a.updated_at) + (a.updated_by ? " bởi " + (a.updated_by === "seed" ? "dữ liệu gốc" : a.updated_by) : "") : "");
  $("a-question").value = a.question || "";
  $("a-answer").value = a.answer || "";
  $("a-steps").value = (a.steps || []).join("\n");
  $("a-source-url").value = a.source_url || "";
  $("a-source-ref").value = a.source_ref || "";
  $("a-check-state").textContent = a.status === "verified"
    ? "Đã kiểm tra với trang nguồn ngày " + fmtDate(a.verified_on) + (a.verified_by ? " (" + a.verified_by + ")" : "") +
      (a.due_for_check ? ". Đã quá 180 ngày: nên kiểm tra lại." : ".")
    : "Bản nháp: chưa ai kiểm tra nội dung này với trang nguồn. Người dân được nhắc tự kiểm tra lại.";
  $("a-verified").checked = false;
  $("a-verified").disabled = !editable;
  Object.keys(FIELDS).forEach(function (f) { $(FIELDS[f]).readOnly = !editable; });
  $("answer-save").hidden = !editable;
  $("answer-verify").hidden = !editable;
  updateWordCount();
  loadHistory(a.id);
}

function formValues() {
  return {
    question: $("a-question").value.trim(),
    answer: $("a-answer").value.trim(),
    steps: $("a-steps").value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean),
    source_url: $("a-source-url").value.trim(),
    source_ref: $("a-source-ref").value.trim() || null,
    sources: (answerById(editing) || {}).sources || [],
    verified: $("a-verified").checked
  };
}

function checkForm(v) {
  var errors = {};
  if (!v.question) errors.question = FIELD_MESSAGES.question;
  if (!v.answer) errors.answer = FIELD_MESSAGES.answer;
  if (!/^https:\/\/[^\s/]+\.[^\s]+$/i.test(v.source_url)) errors.source_url = FIELD_MESSAGES.source_url;
  return errors;
}

// The API's 422 detail, by field. Answer edits come back as
// {code, message, problems: [{field, message}]} with Vietnamese messages; request
// validation errors name the field with pydantic's English text, so those show the
// field's own Vietnamese hint instead.
function fieldOf(path) {
  var parts = String(path || "").split(".");
  for (var i = parts.length - 1; i >= 0; i--) if (FIELDS[parts[i]]) return parts[i];
  return null;
}

function apiFieldErrors(detail) {
  var errors = {};
  var problems = detail && Array.isArray(detail.problems) ? detail.problems : [];
  problems.forEach(function (p) {
    var field = fieldOf(p.field);
    var text = VIETNAMESE.test(p.message || "") ? p.message : (field ? FIELD_MESSAGES[field] : "");
    var key = field || "_";
    if (text && !errors[key]) errors[key] = text;
  });
  if (!Object.keys(errors).length) {
    errors._ = (detail && VIETNAMESE.test(detail.message || "")) ? detail.message : "Dữ liệu chưa hợp lệ.";
  }
  return errors;
}

export function bindAnswers() {
  $("answer-search").addEventListener("input", function () { if (answers) renderAnswerList(); });
  $("answer-verify").addEventListener("click", function () {
    if (!canEdit() || !editing) return;
    var id = editing;
    var button = $("answer-verify");
    button.disabled = true;
    clearFieldErrors();
    request("/api/staff/answers/" + encodeURIComponent(id) + "/verify", { method: "POST" }).then(function (item) {
      replaceAnswer(item);
      say($("answer-status"), "Đã ghi nhận: câu trả lời được kiểm tra hôm nay với trang nguồn.");
    }).catch(function (err) {
      if (err && err.status === 401) return;
      if (err && err.status === 422) showFieldErrors(apiFieldErrors(err.detail));
      else showFieldErrors({}, "Chưa ghi nhận được. " + errorText(err));
    }).then(function () { button.disabled = false; });
  });
  $("a-answer").addEventListener("input", updateWordCount);
  $("answer-close").addEventListener("click", function () {
    var row = document.querySelector('#answer-list tr[data-id="' + editing + '"] button');
    $("answer-form").hidden = true;
    $("answers-panel").classList.remove("editing");
    editing = null;
    if (row) row.focus(); else $("answer-search").focus();
  });
  $("answer-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (!canEdit() || !editing) return;
    clearFieldErrors();
    $("answer-status").textContent = "";
    var values = formValues();
    var problems = checkForm(values);
    if (Object.keys(problems).length) { showFieldErrors(problems); return; }
    var id = editing;
    $("answer-save").disabled = true;
    request("/api/staff/answers/" + encodeURIComponent(id), { method: "PUT", body: values }).then(function (item) {
      replaceAnswer(item);
      say($("answer-status"), "Đã lưu. Trợ lý dùng nội dung mới từ câu trả lời tiếp theo." +
        (item.status === "verified" ? "" : " Câu trả lời là bản nháp cho đến khi được kiểm tra với trang nguồn."));
    }).catch(function (err) {
      if (err && err.status === 401) return;
      if (err && err.status === 422) showFieldErrors(apiFieldErrors(err.detail));
      else if (err && err.status === 403) showFieldErrors({}, "Chỉ quản trị viên được sửa câu trả lời.");
      else if (err && err.status === 404) showFieldErrors({}, "Câu trả lời này không còn tồn tại.");
      else showFieldErrors({}, "Chưa lưu được. " + errorText(err));
    }).then(function () { $("answer-save").disabled = false; });
  });
}
export function whenAnswers(callback) {
  if (answers) callback(answers);
  else answersWaiters.push(callback);
}

export function answerById(id) {
  for (var i = 0; answers && i < answers.length; i++) if (answers[i].id === id) return answers[i];
  return null;
}
