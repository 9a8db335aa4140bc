// Charts drawn as inline SVG (no library: the page works offline on a province intranet
// under a strict CSP): the volume over time and horizontal bars. Each chart is redrawn
// when the window's width changes.

import { clear, el, svg } from "./dom.js";
import { bucketLabel, fmtInt } from "./format.js";
import * as views from "./views.js";

var chartData = {};  // how to redraw each chart (by container id) on resize

function chartWidth(container) { return Math.max(280, Math.floor(container.clientWidth || 600)); }

function emptyChart(container, text) {
  clear(container).appendChild(el("p", { className: "empty", text: text || "Chưa có dữ liệu trong kỳ này." }));
}

// Round up to 1, 2 or 5 times a power of ten.
function niceMax(v) {
  if (v <= 5) return Math.max(1, Math.ceil(v));
  var p = Math.pow(10, Math.floor(Math.log(v) / Math.LN10));
  var m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

// Volume over time: a line for the turns and a dashed one for the answered turns; each
// bucket is a <g class="point"> with a <title>, the table below holds the same figures.
export function lineChart(container, series, interval, label) {
  chartData[container.id] = function () { lineChart(container, series, interval, label); };
  if (!series.length) { emptyChart(container); return; }
  var width = chartWidth(container);
  var height = width < 500 ? 200 : 240;
  var m = { top: 12, right: 22, bottom: 28, left: 44 };
  var w = width - m.left - m.right;
  var h = height - m.top - m.bottom;
  var max = niceMax(Math.max.apply(null, series.map(function (s) { return s.turns || 0; })));
  var n = series.length;
  var step = n > 1 ? w / (n - 1) : 0;
  function x(i) { return m.left + (n > 1 ? i * step : w / 2); }
  function y(v) { return m.top + h - (v / max) * h; }
  var root = svg("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height,
    role: "img", "aria-label": label });
  var grid = svg("g", { "class": "grid" });
  var ticks = max <= 5 ? max : 5; // niceMax keeps max / 5 a whole number above 5
  for (var t = 0; t <= ticks; t++) {
    var value = max * t / ticks;
    grid.appendChild(svg("line", { x1: m.left, x2: m.left + w, y1: y(value), y2: y(value) }));
    grid.appendChild(svg("text", { x: m.left - 6, y: y(value) + 4, "text-anchor": "end",
      "class": "axis-label", text: fmtInt(value) }));
  }
  root.appendChild(grid);
  var every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(w / 56))));
  var axis = svg("g", { "class": "axis" });
  series.forEach(function (s, i) {
    if (i % every === 0 || (i === n - 1 && (n - 1) % every > every / 2)) {
      axis.appendChild(svg("text", { x: x(i), y: m.top + h + 18, "text-anchor": "middle",
        "class": "axis-label", text: bucketLabel(s.start, interval, false) }));
    }
  });
  root.appendChild(axis);
  ["answered", "turns"].forEach(function (key) {
    var d = series.map(function (s, i) { return (i ? "L" : "M") + x(i).toFixed(1) + " " + y(s[key] || 0).toFixed(1); }).join(" ");
    if (n > 1) root.appendChild(svg("path", { d: d, "class": "line-" + key }));
  });
  var slot = n > 1 ? step : w;
  series.forEach(function (s, i) {
    var g = svg("g", { "class": "point", "data-start": s.start }, [
      svg("title", { text: bucketLabel(s.start, interval, true) + ": " + fmtInt(s.turns) + " lượt hỏi, " +
        fmtInt(s.answered) + " trả lời được, " + fmtInt(s.unsure) + " chưa chắc, " +
        fmtInt(s.out_of_scope) + " ngoài phạm vi, " + fmtInt(s.citizens) + " người dân" }),
      svg("rect", { "class": "hit", x: Math.max(m.left, x(i) - slot / 2), y: m.top,
        width: Math.min(slot, w), height: h }),
      svg("circle", { "class": "dot-answered", cx: x(i), cy: y(s.answered || 0), r: n > 60 ? 1.5 : 3 }),
      svg("circle", { "class": "dot-turns", cx: x(i), cy: y(s.turns || 0), r: n > 60 ? 2 : 4 })
    ]);
    root.appendChild(g);
  });
  clear(container);
  container.appendChild(el("div", { className: "legend", "aria-hidden": "true" }, [
    el("span", { className: "turns", text: "Lượt hỏi" }),
    el("span", { className: "answered", text: "Trả lời được" })
  ]));
  container.appendChild(root);
}

// Horizontal bars, one <g class="bar-row"> per item: the label above its bar, the value
// at its end; the <title> gives the full figures (tooltip and screen readers). Items
// marked unknown come last (the caller orders them), grey, below a dashed line, and
// are left out of the scale; one longer than the longest real bar is cut at the end
// of its track and says so.
export function barChart(container, items, label) {
  chartData[container.id] = function () { barChart(container, items, label); };
  if (!items.length) { emptyChart(container); return; }
  var width = chartWidth(container);
  var rowHeight = 42;
  var valueSpace = 56;
  var track = width - valueSpace;
  var known = items.filter(function (i) { return !i.unknown; }).length;
  var gap = known && known < items.length ? 12 : 0;
  var height = items.length * rowHeight + gap + 4;
  var max = views.barScale(items);
  var maxChars = Math.max(16, Math.floor(width / 7.2));
  var root = svg("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height,
    role: "img", "aria-label": label });
  items.forEach(function (item, i) {
    var top = i * rowHeight + (item.unknown ? gap : 0);
    var cut = (item.value || 0) > max;
    var barWidth = cut ? track : Math.max(item.value ? 2 : 0, track * (item.value || 0) / max);
    var name = cut ? item.label + " (vượt thang đo)" : item.label;
    var text = name.length > maxChars ? name.slice(0, maxChars - 1) + "…" : name;
    if (item.unknown && i === known && gap) {
      root.appendChild(svg("line", { "class": "unknown-sep", x1: 0, x2: track, y1: top - gap / 2, y2: top - gap / 2 }));
    }
    root.appendChild(svg("g", { "class": "bar-row" + (item.unknown ? " unknown" : "") + (cut ? " cut" : ""),
      "data-key": item.key == null ? "" : item.key }, [
      svg("title", { text: item.title }),
      svg("text", { x: 0, y: top + 14, text: text }),
      svg("rect", { "class": "track", x: 0, y: top + 20, width: track, height: 14, rx: 3 }),
      svg("rect", { "class": "bar", x: 0, y: top + 20, width: barWidth, height: 14, rx: 3 }),
      // Two slanted strokes across a cut bar's end: the usual mark of a broken axis.
      cut ? svg("path", { "class": "cut-mark", d: "M" + (track - 14) + " " + (top + 36) + "l6 -18m5 18l6 -18" }) : null,
      svg("text", { "class": "bar-value", x: barWidth + 6, y: top + 32, text: fmtInt(item.value) })
    ]));
  });
  clear(container).appendChild(root);
  if (known < items.length) {
    container.appendChild(el("p", { className: "hint chart-note",
      text: "Phần màu xám (chưa xác định được) xếp cuối và không dùng làm thang đo của các thanh." }));
  }
}

window.addEventListener("resize", (function () {
  var timer = null;
  var lastWidth = window.innerWidth;
  return function () {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    clearTimeout(timer);
    timer = setTimeout(function () {
      Object.keys(chartData).forEach(function (id) { chartData[id](); });
    }, 150);
  };
})());
