// Number, date and time formats of the dashboard: the conventions of GET /api/labels
// (api/core/labels.py, the report's too), applied in code so they never depend on the
// browser's language or time zone. setFormats() runs before any panel renders.

var f = null;  // the "formats" of GET /api/labels
export var VN_OFFSET_MS = 0; // Vietnam's offset from UTC (no daylight saving time)

export function setFormats(formats) {
  f = formats;
  VN_OFFSET_MS = formats.utc_offset_minutes * 60000;
}

// 1234567 -> "1.234.567" (Vietnamese grouping), independent of the browser's locale.
export function fmtInt(n) {
  if (n === null || n === undefined || isNaN(n)) return f.missing;
  var s = String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, f.thousands_separator);
  return (n < 0 ? f.minus_sign : "") + s;
}

// 0.8523 -> "85,2 %" (the API's per-cent suffix has its no-break space).
export function fmtPct(fraction) {
  if (fraction === null || fraction === undefined || isNaN(fraction)) return f.missing;
  var parts = (Math.round(fraction * 1000) / 10).toFixed(1).split(".");
  return fmtInt(Number(parts[0])) + f.decimal_separator + parts[1] + f.percent_suffix;
}

export function pad(n) { return (n < 10 ? "0" : "") + n; }
export function isoDate(d) { return d.toISOString().slice(0, 10); }
export function parseIso(s) {
  var p = s.split("-");
  return new Date(Date.UTC(Number(p[0]), Number(p[1]) - 1, Number(p[2])));
}
export function validIso(s) { return /^\d{4}-\d{2}-\d{2}$/.test(s || "") && isoDate(parseIso(s)) === s; }
export function addDays(s, n) { var d = parseIso(s); d.setUTCDate(d.getUTCDate() + n); return isoDate(d); }
export function todayVN() { return isoDate(new Date(Date.now() + VN_OFFSET_MS)); }
// "2025-03-04" -> "04/03/2025" (the API's date pattern).
export function fmtDate(s) {
  if (!s) return "";
  return f.date_pattern.replace("dd", s.slice(8, 10)).replace("mm", s.slice(5, 7)).replace("yyyy", s.slice(0, 4));
}
// "hh:mm dd/mm/yyyy" in Vietnam time.
export function fmtDateTime(iso) {
  var d = new Date(iso);
  if (isNaN(d)) return iso || "";
  var v = new Date(d.getTime() + VN_OFFSET_MS);
  return pad(v.getUTCHours()) + ":" + pad(v.getUTCMinutes()) + " " + fmtDate(isoDate(v));
}
// A bucket of the volume chart: "05/03" on the axis (the date without its year),
// "Tuần từ 03/03/2025" in titles.
export function bucketLabel(start, interval, long) {
  var words = f.period_words;
  if (interval === "month") return (long ? words.month + " " : "") + start.slice(5, 7) + "/" + start.slice(0, 4);
  if (!long) return fmtDate(start).slice(0, 5);
  return (interval === "week" ? words.week_from + " " : "") + fmtDate(start);
}

// 8 100 000 ms -> "2 giờ 15 phút"; days drop the minutes.
export function fmtDuration(ms) {
  var words = f.duration_words;
  var minutes = Math.max(0, Math.floor(ms / 60000));
  if (minutes < 1) return words.under_a_minute;
  var days = Math.floor(minutes / 1440);
  var hours = Math.floor((minutes % 1440) / 60);
  var parts = [];
  if (days) parts.push(days + " " + words.day);
  if (hours) parts.push(hours + " " + words.hour);
  if (!days && minutes % 60) parts.push((minutes % 60) + " " + words.minute);
  return parts.join(" ");
}
