// The safety panel: the scam alerts the assistant gave (by kind, places rising, with a
// notice drafted for admins) and the state of the answers' content checks.

import { $, cell, clear, el, labelCells } from "./dom.js";
import { fmtInt } from "./format.js";
import { role } from "./session.js";

export function renderSafety(data) {
  var labels = data.kind_labels || {};
  $("safety-total").textContent = data.alerts
    ? "Trợ lý đã cảnh báo " + fmtInt(data.alerts) + " lượt người dân kể về tình huống nghi lừa đảo trong kỳ."
    : "Chưa có lượt cảnh báo lừa đảo nào trong kỳ.";
  var body = clear($("safety-kinds").tBodies[0]);
  Object.keys(data.by_kind || {}).forEach(function (kind) {
    var tr = el("tr");
    cell(tr, labels[kind] || kind);
    cell(tr, fmtInt(data.by_kind[kind]), "num");
    body.appendChild(tr);
  });
  labelCells($("safety-kinds"));
  var list = clear($("safety-rising"));
  (data.rising || []).forEach(function (place) {
    var li = el("li");
    li.appendChild(el("span", { text: (place.name || place.province_code) + ": " + fmtInt(place.this_week) +
      " lượt trong 7 ngày gần nhất (7 ngày trước: " + fmtInt(place.week_before) + ")" +
      (place.kind ? ", nhiều nhất: " + (labels[place.kind] || place.kind) : "") }));
    if (role === "admin" && place.notice_draft) {
      var draft = el("button", { type: "button", text: "Soạn thông báo cho địa bàn này",
        "aria-label": "Soạn thông báo cảnh báo cho " + (place.name || place.province_code) });
      draft.addEventListener("click", function () { draftNotice(place); });
      li.appendChild(draft);
    }
    list.appendChild(li);
  });
  if (!list.children.length) list.appendChild(el("li", { text: "Không có địa bàn nào tăng đột biến." }));
}

function draftNotice(place) {
  // The admin previews and sends as any notice; nothing is sent from here.
  $("notices-panel").hidden = false;
  $("notice-text").value = place.notice_draft;
  $("notice-text").dispatchEvent(new Event("input"));
  var province = $("notice-province");
  for (var i = 0; i < province.options.length; i++) {
    if (province.options[i].value === place.province_code) province.value = place.province_code;
  }
  $("notice-text").focus();
  if ($("notices-panel").scrollIntoView) $("notices-panel").scrollIntoView({ block: "start" });
}

export function renderContent(data) {
  var text = fmtInt(data.verified) + " câu trả lời đã kiểm tra với trang nguồn, " +
    fmtInt(data.draft) + " bản nháp, " + fmtInt(data.stale) + " đã kiểm tra quá 180 ngày.";
  if (data.answers_served) {
    text += " Trong kỳ, " + fmtInt(data.answers_served_from_drafts) + " trong " +
      fmtInt(data.answers_served) + " lượt trả lời dùng bản nháp.";
  }
  $("content-state").textContent = text;
}
