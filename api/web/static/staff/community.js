// The community teams' figures: hand-off tickets (opened, resolved, escalated, reply
// times) and residents helped in person, by group, task and commune.

import { $, fillTable, showEmpty } from "./dom.js";
import { fmtDuration, fmtInt, fmtPct } from "./format.js";
import { resolutionLabel } from "./labels.js";
import { state } from "./state.js";

var NONE = "—"; // a figure that does not exist (no ticket to take a median or rate of)

// 30 -> "30 phút", 12.5 -> "12,5 phút", 75 -> "1 giờ 15 phút"; null -> "—".
function fmtMinutes(minutes) {
  if (minutes === null || minutes === undefined || isNaN(minutes)) return NONE;
  if (minutes < 60) {
    var tenths = Math.round(minutes * 10);
    var whole = fmtInt(Math.floor(tenths / 10));
    return (tenths % 10 ? whole + "," + (tenths % 10) : whole) + " phút";
  }
  return fmtDuration(Math.round(minutes) * 60000);
}

function communeName(name, code) {
  if (name) return name;
  return code ? "Xã, phường mã " + code : "Chưa rõ xã, phường";
}

function fillOrEmpty(table, rows) {
  fillTable(table, rows);
  showEmpty(table, !rows.length);
}

export function renderCommunity(data) {
  var t = data.tickets || {};
  var a = data.assisted || {};
  var n = function (v) { return v === null || v === undefined ? NONE : fmtInt(v); };
  $("community-channel-note").hidden = !state.channel;
  $("k-opened").textContent = n(t.opened);
  $("k-opened-note").textContent = "đang chờ " + n(t.waiting) + " · đang xử lý " + n(t.claimed) +
    " · đã đóng " + n(t.closed);
  $("k-resolved").textContent = n(t.resolved) + "/" + n(t.opened);
  $("k-resolved-note").textContent = "đạt " + (t.resolved_rate === null || t.resolved_rate === undefined
    ? NONE : fmtPct(t.resolved_rate));
  $("k-escalated").textContent = n(t.escalated);
  $("k-escalated-note").textContent = "không ai nhận trong hạn";
  $("k-first-reply").textContent = fmtMinutes(t.median_minutes_to_first_reply);
  $("k-first-reply-note").textContent = "đóng yêu cầu sau " + fmtMinutes(t.median_minutes_to_close) + " (trung vị)";
  $("k-assisted").textContent = n(a.residents);
  $("k-assisted-note").textContent = "cán bộ ngồi cùng người dân";

  var assisted = a.residents || 0;
  fillOrEmpty($("k-groups"), assisted ? (a.by_group || []).map(function (g) {
    return [g.label || g.group, fmtInt(g.residents)];
  }) : []);
  fillOrEmpty($("k-tasks"), (a.by_task || []).map(function (k) {
    return [k.label || k.task, fmtInt(k.residents)];
  }));
  fillOrEmpty($("k-resolutions"), t.closed ? (t.by_resolution || []).map(function (r) {
    return [r.label || resolutionLabel(r.resolution), fmtInt(r.tickets)];
  }) : []);

  // Tickets and residents side by side, per commune (assisted residents without a
  // known commune on their own row).
  var rows = [];
  var byCode = {};
  (t.by_commune || []).forEach(function (c) {
    var r = { name: communeName(c.name, c.code), tickets: c.tickets || 0, closed: c.closed || 0, residents: 0 };
    byCode[c.code] = r;
    rows.push(r);
  });
  (a.by_commune || []).forEach(function (c) {
    var r = c.code ? byCode[c.code] : null;
    if (!r) {
      r = { name: communeName(c.name, c.code), tickets: 0, closed: 0, residents: 0 };
      if (c.code) byCode[c.code] = r;
      rows.push(r);
    }
    r.residents += c.residents || 0;
  });
  rows.sort(function (x, y) {
    return (y.tickets + y.residents) - (x.tickets + x.residents) || x.name.localeCompare(y.name, "vi");
  });
  fillOrEmpty($("k-communes"), rows.map(function (r) {
    return [r.name, fmtInt(r.tickets), fmtInt(r.closed), fmtInt(r.residents)];
  }));
}
