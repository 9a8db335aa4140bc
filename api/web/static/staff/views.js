// Pure helpers of the staff dashboard: dates typed as dd/mm/yyyy, the order and scale
// of bar charts with an "unknown" bucket, answer search ranking (and the folding of
// Vietnamese for searches) and the paging of long lists. Nothing here touches the
// page on its own.

import { pad } from "./format.js";

// ---------------------------------------------------------------- dates

// The date filters are text inputs, not <input type=date>: a date picker is drawn in
// the browser's own language (mm/dd/yyyy on an English browser, at a district office
// as much as anywhere), and no page can change that, while every date the dashboard
// prints is dd/mm/yyyy. A staffer reading "11/06/2026" next to "06/11/2026" cannot
// tell which is right. Typed text is the same in every browser.
var DATE_EXAMPLE = "05/12/2026";

// "5/12/2026", "05.12.2026" or "05-12-2026" -> "2026-12-05"; null unless it is a real
// day of the calendar (31/02 is refused, not rolled into March).
export function parseVnDate(text) {
  var m = /^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*$/.exec(text || "");
  if (!m) return null;
  var day = Number(m[1]), month = Number(m[2]), year = Number(m[3]);
  if (year < 2000 || year > 2999) return null;
  var d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return year + "-" + pad(month) + "-" + pad(day);
}

// "2026-12-05" -> "05/12/2026", written in code so it never depends on the browser.
export function formatVnDate(iso) {
  return iso ? iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4) : "";
}

export function dateError(label) {
  return "“" + label + "” chưa đúng. Anh/Chị gõ ngày có thật theo dạng ngày/tháng/năm, ví dụ " +
    DATE_EXAMPLE + ".";
}

// ---------------------------------------------------------------- bar charts

// The "unknown" bucket (topic not recognised, place not known) goes after the real
// ones, keeping their order: it answers "how much could not be classified", not
// "which topic is asked most", and listed first it reads as the top topic.
export function unknownLast(items, isUnknown) {
  return items.filter(function (i) { return !isUnknown(i); })
    .concat(items.filter(function (i) { return isUnknown(i); }));
}

// The scale of a bar chart: its longest real bar. A large unknown bucket would
// otherwise squash every real bar to a sliver (the review's 1.863 "Chưa xác định"
// against topics of 10 to 50).
export function barScale(items) {
  var max = 0;
  items.forEach(function (i) { if (!i.unknown && (i.value || 0) > max) max = i.value; });
  return max || 1;
}

// ---------------------------------------------------------------- answer search

export function fold(s) {
  return String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
}
function words(s) { return fold(s).split(/[^a-z0-9]+/).filter(Boolean); }

// Answers matching every word of the query (diacritics optional, as before), best
// first. A staffer types the words of a question, so the words found in an answer's
// question count first, then those words in the same order as typed ("kich hoat",
// "muc 2"), then the words found in its text, then the shorter question (the more
// of it the query covers, the closer the match). Ties keep the list's own order.
// The last word may be unfinished while typing, so it also matches a word's start.
// extraText(answer) adds searchable text (the topic's name).
export function rankAnswers(list, query, extraText) {
  var q = words(query);
  if (!q.length) return list.slice();
  var last = q.length - 1;
  function count(set, arr) {
    var n = 0;
    q.forEach(function (w, i) {
      if (set[w] || (i === last && arr.some(function (x) { return x.indexOf(w) === 0; }))) n++;
    });
    return n;
  }
  function setOf(arr) { var s = {}; arr.forEach(function (w) { s[w] = true; }); return s; }
  var scored = [];
  list.forEach(function (a, index) {
    var hay = fold(a.id + " " + a.question + " " + a.answer + " " + (a.steps || []).join(" ") +
      " " + (extraText ? extraText(a) : ""));
    if (!q.every(function (w) { return hay.indexOf(w) >= 0; })) return;
    var qw = words(a.question);
    var aw = words(a.answer + " " + (a.steps || []).join(" "));
    var pairs = {};
    for (var i = 1; i < qw.length; i++) pairs[qw[i - 1] + " " + qw[i]] = true;
    var inOrder = 0;
    for (var j = 1; j < q.length; j++) if (pairs[q[j - 1] + " " + q[j]]) inOrder++;
    scored.push({ a: a, key: [count(setOf(qw), qw), inOrder, count(setOf(aw), aw), -qw.length, -index] });
  });
  scored.sort(function (x, y) {
    for (var k = 0; k < x.key.length; k++) if (x.key[k] !== y.key[k]) return y.key[k] - x.key[k];
    return 0;
  });
  return scored.map(function (s) { return s.a; });
}

// ---------------------------------------------------------------- paging

// A long list shown a page at a time: render(item) makes one <li>, more() shows the
// next page. The items not shown yet are kept, so a page shown later is built then
// (the inbox's answer pickers are not made for groups nobody opens).
export function Pager(list, pageSize, render) {
  this.list = list;
  this.pageSize = pageSize;
  this.render = render;
  this.waiting = [];
}
Pager.prototype.reset = function (items) {
  while (this.list.firstChild) this.list.removeChild(this.list.firstChild);
  this.waiting = items.slice();
  return this.more();
};
// Shows the next page; returns the first item shown (to move the focus to), or null.
Pager.prototype.more = function () {
  var first = null;
  var self = this;
  this.waiting.splice(0, this.pageSize).forEach(function (item) {
    var node = self.render(item);
    self.list.appendChild(node);
    if (!first) first = node;
  });
  return first;
};
Pager.prototype.shown = function () { return this.list.children.length; };
Pager.prototype.total = function () { return this.list.children.length + this.waiting.length; };
Pager.prototype.next = function () { return Math.min(this.pageSize, this.waiting.length); };
