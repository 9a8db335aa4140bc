// The filter form (dates typed as dd/mm/yyyy, quick ranges, province, commune, channel)
// and the view choices of the panels; a change goes through the URL hash (state.js) and
// reloads the panels it concerns.

import { errorText, loadPanel, request, seq } from "./api.js";
import { renderCommunity } from "./community.js";
import { $, clear, el, ensureOption } from "./dom.js";
import {
  renderChannels, renderFeedback, renderOverview, renderPillars, renderPlaces, renderTopics,
  renderTopQuestions, renderVolume
} from "./figures.js";
import { fmtDate, todayVN } from "./format.js";
import { renderInbox } from "./inbox.js";
import { channelName, placeName, provinces, setProvinces, topicLabel } from "./labels.js";
import { fillNoticeProvinces } from "./notices.js";
import { renderSummary } from "./report.js";
import { renderContent, renderSafety } from "./safety.js";
import { FILTER_KEYS, filterQuery, hashOf, RANGES, readHash, setState, state } from "./state.js";
import * as views from "./views.js";

var loaders = {
  overview: function () {
    return loadPanel("overview", "overview-panel", "/api/staff/analytics/overview?" + filterQuery(), renderOverview);
  },
  volume: function () {
    return loadPanel("volume", "volume-panel",
      "/api/staff/analytics/volume?" + filterQuery({ interval: state.interval }), renderVolume);
  },
  topics: function () {
    return loadPanel("topics", "topics-panel", "/api/staff/analytics/topics?" + filterQuery(), renderTopics);
  },
  pillars: function () {
    return loadPanel("pillars", "pillars-panel", "/api/staff/analytics/pillars?" + filterQuery(), renderPillars);
  },
  channels: function () {
    return loadPanel("channels", "channels-panel", "/api/staff/analytics/channels?" + filterQuery(), renderChannels);
  },
  places: function () {
    return loadPanel("places", "places-panel",
      "/api/staff/analytics/places?" + filterQuery({ level: state.level, limit: "10" }), renderPlaces);
  },
  topQuestions: function () {
    return loadPanel("topQuestions", "top-questions-panel",
      "/api/staff/analytics/top-questions?" + filterQuery({ topic: state.topic, limit: "10" }), renderTopQuestions);
  },
  feedback: function () {
    return loadPanel("feedback", "feedback-panel",
      "/api/staff/analytics/feedback?" + filterQuery({ limit: "10" }), renderFeedback);
  },
  inbox: function () {
    return loadPanel("inbox", "inbox-panel",
      "/api/staff/inbox?" + filterQuery({ status: "open", limit: "50" }), renderInbox);
  },
  summary: function () {
    return loadPanel("summary", "export-panel", "/api/staff/reports/summary?" + filterQuery(), renderSummary);
  },
  community: function () {
    return loadPanel("community", "community-panel", "/api/staff/analytics/community?" + filterQuery(), renderCommunity);
  },
  safety: function () {
    return loadPanel("safety", "safety-panel", "/api/staff/analytics/safety?" + filterQuery(), renderSafety);
  },
  content: function () {
    return loadPanel("content", "safety-panel", "/api/staff/analytics/content?" + filterQuery(), renderContent);
  }
};
function loadAll() { Object.keys(loaders).forEach(function (k) { loaders[k](); }); }
function navigate(changes) {
  var next = {};
  Object.keys(state).forEach(function (k) { next[k] = state[k]; });
  Object.keys(changes).forEach(function (k) { next[k] = changes[k]; });
  if (next.from > next.to) {
    $("filter-error").textContent = "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.";
    $("filter-error").hidden = false;
    syncForm();
    return;
  }
  $("filter-error").hidden = true;
  var hash = hashOf(next);
  if (location.hash === hash) { apply(next); return; }
  location.hash = hash; // the hashchange handler applies it (also for back/forward)
}

export function apply(next) {
  var prev = state;
  setState(next);
  syncForm();
  if (!prev || prev.province !== next.province) loadCommunes();
  var filtersChanged = !prev || FILTER_KEYS.some(function (k) { return prev[k] !== next[k]; });
  if (filtersChanged) { loadAll(); return; }
  if (prev.interval !== next.interval) loaders.volume();
  if (prev.level !== next.level) loaders.places();
  if (prev.topic !== next.topic) loaders.topQuestions();
}

function syncForm() {
  var today = todayVN();
  ["f-from", "f-to"].forEach(function (id) { $(id).removeAttribute("aria-invalid"); });
  $("f-from").value = views.formatVnDate(state.from);
  $("f-to").value = views.formatVnDate(state.to);
  $("f-channel").value = state.channel;
  ensureOption($("f-province"), state.province, "Mã " + state.province);
  $("f-province").value = state.province;
  $("volume-interval").value = state.interval;
  $("places-level").value = state.level;
  ensureOption($("top-topic"), state.topic, topicLabel(state.topic));
  $("top-topic").value = state.topic;
  Array.prototype.forEach.call(document.querySelectorAll(".quick button"), function (b) {
    var range = RANGES[b.getAttribute("data-range")](today);
    b.setAttribute("aria-pressed", String(range[0] === state.from && range[1] === state.to));
  });
  describeFilters();
}

function describeFilters() {
  var parts = ["Đang xem từ " + fmtDate(state.from) + " đến " + fmtDate(state.to)];
  if (state.province) {
    var commune = state.commune ? $("f-commune").selectedOptions[0] : null;
    parts.push((commune && commune.value === state.commune ? commune.textContent + ", " : "") +
      placeName(provinces, state.province));
  } else parts.push("tất cả địa bàn");
  parts.push(state.channel ? "kênh " + channelName(state.channel) : "mọi kênh");
  $("filter-summary").textContent = parts.join(" · ") + ".";
}

export function loadProvinces() {
  var select = $("f-province");
  return request("/api/staff/places/provinces").then(function (data) {
    setProvinces(data.items || []);
    clear(select).appendChild(el("option", { value: "", text: "Tất cả tỉnh, thành phố" }));
    provinces.forEach(function (p) { select.appendChild(el("option", { value: p.code, text: p.name })); });
    ensureOption(select, state.province, "Mã " + state.province);
    select.value = state.province;
    describeFilters();
    fillNoticeProvinces();
  }).catch(function (err) {
    if (err && err.status === 401) return;
    showFilterError("Không tải được danh sách tỉnh, thành phố. " + errorText(err));
  });
}

function loadCommunes() {
  var select = $("f-commune");
  var province = state.province;
  var mine = seq.communes = (seq.communes || 0) + 1;
  clear(select).appendChild(el("option", { value: "", text: "Tất cả xã, phường" }));
  select.disabled = true;
  if (!province) return;
  ensureOption(select, state.commune, "Mã " + state.commune);
  select.value = state.commune;
  request("/api/staff/places/communes?province=" + encodeURIComponent(province)).then(function (data) {
    if (seq.communes !== mine) return;
    (data.items || []).forEach(function (c) {
      if (c.code !== state.commune) select.appendChild(el("option", { value: c.code, text: c.name }));
      else select.querySelector('option[value="' + c.code + '"]').textContent = c.name;
    });
    select.value = state.commune;
    select.disabled = false;
    describeFilters();
  }).catch(function (err) {
    if (seq.communes !== mine || (err && err.status === 401)) return;
    select.disabled = false;
    showFilterError("Không tải được danh sách xã, phường. " + errorText(err));
  });
}

function showFilterError(text) { $("filter-error").textContent = text; $("filter-error").hidden = false; }

export function bindFilters() {
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); });
  // Typed dates (dd/mm/yyyy, see views.js) count when the field is left or
  // Enter is pressed; a date that is not one is said, and nothing is asked.
  [["f-from", "from", "Từ ngày"], ["f-to", "to", "Đến ngày"]].forEach(function (f) {
    var input = $(f[0]);
    function typed() {
      var iso = views.parseVnDate(input.value);
      if (!iso) { input.setAttribute("aria-invalid", "true"); showFilterError(views.dateError(f[2])); return; }
      var changes = {};
      changes[f[1]] = iso;
      navigate(changes);
    }
    input.addEventListener("change", typed);
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); typed(); } });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".quick button"), function (b) {
    b.addEventListener("click", function () {
      var range = RANGES[b.getAttribute("data-range")](todayVN());
      navigate({ from: range[0], to: range[1] });
    });
  });
  $("f-province").addEventListener("change", function () {
    var changes = { province: this.value, commune: "" };
    // A chosen province: show its communes in the places ranking.
    changes.level = this.value ? "commune" : "province";
    navigate(changes);
  });
  $("f-commune").addEventListener("change", function () { navigate({ commune: this.value }); });
  $("f-channel").addEventListener("change", function () { navigate({ channel: this.value }); });
  $("volume-interval").addEventListener("change", function () { navigate({ interval: this.value }); });
  $("places-level").addEventListener("change", function () { navigate({ level: this.value }); });
  $("top-topic").addEventListener("change", function () { navigate({ topic: this.value }); });
  window.addEventListener("hashchange", function () {
    if (state && location.hash.indexOf("=") >= 0) apply(readHash());
  });
}
