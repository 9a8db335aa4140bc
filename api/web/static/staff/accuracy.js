// The accuracy sample: each week a sample of answered turns that staff mark right,
// partly right or wrong, and the monthly accuracy with its confidence interval.

import { errorText, loadPanel, request } from "./api.js";
import { $, cell, clear, el, labelCells } from "./dom.js";
import { addDays, fmtDate, fmtInt, fmtPct, todayVN } from "./format.js";

var VERDICTS = [["right", "Đúng"], ["partly", "Đúng một phần"], ["wrong", "Sai"]];
var accuracyWeek = "";

export function loadAccuracy(week) {
  loadPanel("accuracy", "accuracy-panel",
    "/api/staff/accuracy/sample" + (week ? "?week=" + week : ""), renderAccuracySample);
  request("/api/staff/accuracy").then(renderAccuracyFigures).catch(function () { /* the panel shows errors */ });
}

function renderAccuracySample(data) {
  accuracyWeek = data.week;
  $("accuracy-week").textContent = "Tuần " + fmtDate(data.week) + " – " + fmtDate(data.week_end);
  $("accuracy-next").disabled = addDays(data.week, 7) > addDays(todayVN(), -7);
  $("accuracy-progress").textContent = data.size
    ? "Đã kiểm tra " + fmtInt(data.reviewed) + "/" + fmtInt(data.size) + " lượt."
    : "Tuần này không có lượt nào được trả lời.";
  var list = clear($("accuracy-list"));
  data.turns.forEach(function (turn) { list.appendChild(accuracyItem(turn)); });
}

function accuracyItem(turn) {
  var li = el("li", { className: "accuracy-item" });
  li.appendChild(el("p", { className: "question" }, [
    el("strong", { text: "Người dân hỏi (" + fmtDate(turn.answered_on) + "): " }),
    el("span", { text: turn.question || "(đã xóa theo thời hạn lưu)" })]));
  li.appendChild(el("p", { className: "answer" }, [
    el("strong", { text: "Trợ lý trả lời" + (turn.answer_question ? " bằng “" + turn.answer_question + "”" : "") + ": " }),
    el("span", { text: turn.reply })]));
  var group = el("div", { role: "group", className: "verdicts",
    "aria-label": "Đánh giá câu trả lời cho: " + (turn.question || "").slice(0, 60) });
  VERDICTS.forEach(function (v) {
    var button = el("button", { type: "button", text: v[1], "data-verdict": v[0],
      "aria-pressed": turn.verdict === v[0] ? "true" : "false" });
    button.addEventListener("click", function () {
      request("/api/staff/accuracy/" + turn.id, { method: "POST", body: { verdict: v[0] } }).then(function (saved) {
        li.replaceWith(accuracyItem(saved));
        loadAccuracy(accuracyWeek);
      }).catch(function (err) { $("accuracy-progress").textContent = errorText(err); });
    });
    group.appendChild(button);
  });
  li.appendChild(group);
  return li;
}

function renderAccuracyFigures(data) {
  var body = clear($("accuracy-months").tBodies[0]);
  data.months.slice().reverse().forEach(function (m) {
    var tr = el("tr");
    cell(tr, m.month.slice(5, 7) + "/" + m.month.slice(0, 4));
    cell(tr, fmtInt(m.reviewed), "num");
    cell(tr, fmtInt(m.right), "num");
    cell(tr, fmtInt(m.partly), "num");
    cell(tr, fmtInt(m.wrong), "num");
    cell(tr, fmtPct(m.accuracy) + " (" + fmtPct(m.ci_low) + " – " + fmtPct(m.ci_high) + ")", "num");
    body.appendChild(tr);
  });
  labelCells($("accuracy-months"));
  $("accuracy-none").hidden = data.months.length > 0;
}

export function bindAccuracy() {
  $("accuracy-prev").addEventListener("click", function () { loadAccuracy(addDays(accuracyWeek, -7)); });
  $("accuracy-next").addEventListener("click", function () { loadAccuracy(addDays(accuracyWeek, 7)); });
}
