// The filters and view choices of the analytics panels, mirrored in the URL hash
// ("#from=2026-11-01&to=2026-11-30&province=42"), so that a view can be bookmarked,
// shared and walked with back/forward.

import { addDays, pad, todayVN, validIso } from "./format.js";
import { isChannel } from "./labels.js";

export var INTERVALS = ["day", "week", "month"];
export var LEVELS = ["province", "commune"];
export var FILTER_KEYS = ["from", "to", "province", "commune", "channel"];

export var state = null;   // filters and view choices, mirrored in the URL hash

export function setState(next) { state = next; }

export var RANGES = {
  "7d": function (t) { return [addDays(t, -6), t]; },
  "30d": function (t) { return [addDays(t, -29), t]; },
  quarter: function (t) {
    var month = Math.floor((Number(t.slice(5, 7)) - 1) / 3) * 3 + 1;
    return [t.slice(0, 4) + "-" + pad(month) + "-01", t];
  },
  year: function (t) { return [t.slice(0, 4) + "-01-01", t]; }
};

export function defaults() {
  var range = RANGES["30d"](todayVN());
  return { from: range[0], to: range[1], province: "", commune: "", channel: "",
    interval: "day", topic: "", level: "province" };
}

export function readHash() {
  var s = defaults();
  var raw = location.hash.replace(/^#/, "");
  if (raw.indexOf("=") < 0) return state || s; // an in-page anchor, not a saved view
  var p = new URLSearchParams(raw);
  var code = /^[0-9A-Za-z_]{1,16}$/;
  if (validIso(p.get("from"))) s.from = p.get("from");
  if (validIso(p.get("to"))) s.to = p.get("to");
  if (s.from > s.to) { var t = s.from; s.from = s.to; s.to = t; }
  if (code.test(p.get("province") || "")) s.province = p.get("province");
  if (s.province && code.test(p.get("commune") || "")) s.commune = p.get("commune");
  if (isChannel(p.get("channel"))) s.channel = p.get("channel");
  if (INTERVALS.indexOf(p.get("interval")) >= 0) s.interval = p.get("interval");
  if (LEVELS.indexOf(p.get("level")) >= 0) s.level = p.get("level");
  if (code.test(p.get("topic") || "")) s.topic = p.get("topic");
  return s;
}

export function hashOf(s) {
  var d = defaults();
  var p = new URLSearchParams();
  p.set("from", s.from);
  p.set("to", s.to);
  ["province", "commune", "channel", "interval", "topic", "level"].forEach(function (k) {
    if (s[k] && s[k] !== d[k]) p.set(k, s[k]);
  });
  return "#" + p.toString();
}

// The query string of a panel's request: the filters, and the panel's own ``extra``.
export function filterQuery(extra) {
  var params = new URLSearchParams();
  FILTER_KEYS.forEach(function (k) { if (state[k]) params.set(k, state[k]); });
  Object.keys(extra || {}).forEach(function (k) { if (extra[k]) params.set(k, extra[k]); });
  return params.toString();
}
