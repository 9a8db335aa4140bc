// Recent turns: the 50 latest questions on every channel (masked), not filtered.

import { loadPanel } from "./api.js";
import { $, cell, clear, el, labelCells } from "./dom.js";
import { fmtDateTime, fmtInt } from "./format.js";
import { channelName, outcomeName, topicLabel } from "./labels.js";

export function loadTurns() {
  return loadPanel("turns", "turns-panel", "/api/staff/turns?limit=50", function (rows) {
    var body = clear(document.querySelector("#turns tbody"));
    rows.forEach(function (t) {
      var tr = el("tr");
      cell(tr, fmtDateTime(t.created_at));
      cell(tr, channelName(t.channel));
      cell(tr, t.text);
      cell(tr, t.topic ? topicLabel(t.topic) : "");
      cell(tr, outcomeName(t.outcome));
      // The answer's confidence (what was checked against the threshold) when there
      // is one; the intent's is 1,00 for every FAQ question, sure or not.
      var checked = t.answer_confidence !== null && t.answer_confidence !== undefined ? t.answer_confidence : t.confidence;
      cell(tr, checked === null || checked === undefined ? "" : checked.toFixed(2).replace(".", ","), "num");
      cell(tr, fmtInt(t.latency_ms), "num");
      body.appendChild(tr);
    });
    labelCells($("turns"));
  });
}

export function bindTurns() {
  $("turns-reload").addEventListener("click", loadTurns);
}
