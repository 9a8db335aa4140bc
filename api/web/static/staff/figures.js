// The analytics figures: overview cards, the volume, topics, pillars, channels and
// places charts with their tables, and the tables of top questions and least helpful
// answers (a question opens its answer in the answers panel).

import { openAnswer } from "./answers.js";
import { barChart, lineChart } from "./charts.js";
import { $, clear, el, ensureOption, fillTable, showEmpty } from "./dom.js";
import { bucketLabel, fmtDate, fmtInt, fmtPct } from "./format.js";
import { channelName, topicLabel, topicLabels } from "./labels.js";
import { state } from "./state.js";
import * as views from "./views.js";

export function renderOverview(o) {
  var outcomes = o.outcomes || {};
  var rates = o.rates || {};
  var feedback = o.feedback || {};
  $("c-turns").textContent = fmtInt(o.turns);
  $("c-turns-note").textContent = fmtDate(o.period && o.period.from) + " – " + fmtDate(o.period && o.period.to);
  $("c-citizens").textContent = fmtInt(o.citizens);
  $("c-citizens-note").textContent = fmtInt(o.new_citizens) + " mới · " + fmtInt(o.returning_citizens) + " quay lại";
  $("c-answered").textContent = fmtPct(rates.answered);
  $("c-answered-note").textContent = fmtInt(outcomes.answered) + " lượt";
  $("c-unsure").textContent = fmtPct(rates.unsure);
  $("c-unsure-note").textContent = fmtInt(outcomes.unsure) + " lượt";
  $("c-out-of-scope").textContent = fmtPct(rates.out_of_scope);
  $("c-out-of-scope-note").textContent = fmtInt(outcomes.out_of_scope) + " lượt";
  $("c-helpful").textContent = fmtPct(feedback.helpful_rate);
  $("c-helpful-note").textContent = (feedback.helpful || feedback.not_helpful)
    ? fmtInt(feedback.helpful) + " hữu ích · " + fmtInt(feedback.not_helpful) + " chưa hữu ích"
    : "Chưa có đánh giá";
}

function isUnknownTopic(t) { return !t.topic || t.topic === "unknown"; }
function isUnknownPillar(p) { return !p.pillar || p.pillar === "unknown"; }
function isUnknownPlace(p) { return !p.code; }
function unknownRows(items, isUnknown) {
  return items.map(function (i) { return isUnknown(i) ? "unknown" : null; });
}

function share(value, total) { return total ? " (" + fmtPct(value / total) + ")" : ""; }
function sum(items, key) { return items.reduce(function (a, i) { return a + (i[key] || 0); }, 0); }

export function renderVolume(data) {
  var series = data.series || [];
  lineChart($("volume-chart"), series, data.interval || state.interval, "Biểu đồ lượt hỏi theo thời gian");
  fillTable($("volume-table"), series.map(function (s) {
    return [bucketLabel(s.start, data.interval || state.interval, true), fmtInt(s.turns), fmtInt(s.answered),
      fmtInt(s.unsure), fmtInt(s.out_of_scope), fmtInt(s.citizens)];
  }));
}

export function renderTopics(data) {
  var items = views.unknownLast(data.items || [], isUnknownTopic);
  var total = sum(items, "turns");
  items.forEach(function (t) { if (t.topic && t.label) topicLabels[t.topic] = t.label; });
  barChart($("topics-chart"), items.map(function (t) {
    var label = t.label || topicLabel(t.topic);
    return { key: t.topic, label: label, value: t.turns, unknown: isUnknownTopic(t),
      title: label + ": " + fmtInt(t.turns) + " lượt hỏi" + share(t.turns, total) + "; trả lời được " +
        fmtInt(t.answered) + ", chưa chắc " + fmtInt(t.unsure) + ", ngoài phạm vi " + fmtInt(t.out_of_scope) };
  }), "Biểu đồ lượt hỏi theo chủ đề");
  fillTable($("topics-table"), items.map(function (t) {
    return [t.label || topicLabel(t.topic), fmtInt(t.turns), fmtInt(t.answered), fmtInt(t.unsure), fmtInt(t.out_of_scope)];
  }), unknownRows(items, isUnknownTopic));
  // The topic choice of "Câu hỏi nhiều nhất".
  var select = $("top-topic");
  clear(select).appendChild(el("option", { value: "", text: "Tất cả chủ đề" }));
  items.forEach(function (t) {
    if (t.topic && t.topic !== "unknown") select.appendChild(el("option", { value: t.topic, text: t.label || t.topic }));
  });
  ensureOption(select, state.topic, topicLabel(state.topic));
  select.value = state.topic;
}

export function renderPillars(data) {
  var items = views.unknownLast(data.items || [], isUnknownPillar);
  var total = sum(items, "turns");
  barChart($("pillars-chart"), items.map(function (p) {
    return { key: p.pillar, label: p.label, value: p.turns, unknown: isUnknownPillar(p),
      title: p.label + ": " + fmtInt(p.turns) + " lượt hỏi" + share(p.turns, total) };
  }), "Biểu đồ lượt hỏi theo trụ cột công dân số");
  fillTable($("pillars-table"), items.map(function (p) { return [p.label, fmtInt(p.turns)]; }),
    unknownRows(items, isUnknownPillar));
}

export function renderChannels(data) {
  var items = data.items || [];
  var total = sum(items, "turns");
  barChart($("channels-chart"), items.map(function (c) {
    var label = channelName(c.channel);
    return { key: c.channel, label: label, value: c.turns,
      title: label + ": " + fmtInt(c.turns) + " lượt hỏi" + share(c.turns, total) + ", " + fmtInt(c.citizens) + " người dân" };
  }), "Biểu đồ lượt hỏi theo kênh");
  fillTable($("channels-table"), items.map(function (c) {
    return [channelName(c.channel), fmtInt(c.turns), fmtInt(c.citizens)];
  }));
}

function placeLabel(p, level) {
  if (!p.code) return p.name || "Chưa rõ địa bàn";
  return level === "commune" && p.province_name && !state.province ? p.name + ", " + p.province_name : p.name;
}

export function renderPlaces(data) {
  var items = views.unknownLast(data.items || [], isUnknownPlace);
  var level = data.level || state.level;
  barChart($("places-chart"), items.map(function (p) {
    var label = placeLabel(p, level);
    return { key: p.code, label: label, value: p.turns, unknown: isUnknownPlace(p),
      title: label + ": " + fmtInt(p.turns) + " lượt hỏi, " + fmtInt(p.citizens) + " người dân" };
  }), level === "commune" ? "Biểu đồ xã, phường hỏi nhiều nhất" : "Biểu đồ tỉnh, thành phố hỏi nhiều nhất");
  fillTable($("places-table"), items.map(function (p) {
    return [placeLabel(p, level), fmtInt(p.turns), fmtInt(p.citizens)];
  }), unknownRows(items, isUnknownPlace));
}
// ---------------------------------------------------------------- question tables

// The question as a link-like button that opens the answer in the editor.
function answerLink(answerId, question) {
  if (!answerId) return document.createTextNode(question || "Chưa xác định");
  var b = el("button", { type: "button", className: "linklike", text: question || answerId });
  b.addEventListener("click", function () { openAnswer(answerId); });
  return b;
}

function questionCell(item, withTopic) {
  var wrap = el("div", null, [answerLink(item.answer_id, item.question)]);
  if (withTopic && item.topic) wrap.appendChild(el("span", { className: "topic-tag", text: topicLabel(item.topic) }));
  return wrap;
}

export function renderTopQuestions(data) {
  var items = data.items || [];
  var table = $("top-questions");
  fillTable(table, items.map(function (q) {
    return [questionCell(q, !state.topic), fmtInt(q.turns), fmtInt(q.helpful), fmtInt(q.not_helpful)];
  }));
  showEmpty(table, !items.length);
}

export function renderFeedback(data) {
  var items = data.items || [];
  var table = $("worst-answers");
  fillTable(table, items.map(function (q) {
    return [questionCell(q, true), fmtInt(q.helpful), fmtInt(q.not_helpful), fmtPct(q.helpful_rate)];
  }));
  showEmpty(table, !items.length);
}
