// The Vietnamese names the panels show for the API's codes, learnt from the API: the
// names of roles, channels, outcomes, hand-off tickets (GET /api/labels, loaded once
// before any panel renders, so the dashboard and the report call a code the same),
// and the names learnt as the panels load (topics, provinces).

import { el } from "./dom.js";
import { setFormats } from "./format.js";

// ---------------------------------------------------------------- codes (GET /api/labels)

// Set name -> {code: name}; filled in place, so the modules that read it see the names.
var unknownTopic = "";
export var names = {
  roles: {}, channels: {}, outcomes: {}, ticket_statuses: {}, handoff_reasons: {},
  resolutions: {}, resident_groups: {}, scam_kinds: {}
};

export function nameOf(set, code) { return names[set][code] || code || ""; }
export function roleName(code) { return nameOf("roles", code); }
export function channelName(code) { return nameOf("channels", code); }
export function outcomeName(code) { return nameOf("outcomes", code); }
export function statusName(code) { return nameOf("ticket_statuses", code); }
export function reasonName(code) { return nameOf("handoff_reasons", code); }
export function resolutionLabel(code) { return nameOf("resolutions", code); }
export function isChannel(code) { return Object.prototype.hasOwnProperty.call(names.channels, code); }

// The page's own placeholders: <select data-labels="channels"> gets an option per code
// (after the options it has), <span data-label="ticket_statuses.open"> the code's name.
function fillPage(root) {
  Array.prototype.forEach.call(root.querySelectorAll("select[data-labels]"), function (select) {
    var set = names[select.getAttribute("data-labels")];
    Object.keys(set).forEach(function (code) {
      select.appendChild(el("option", { value: code, text: set[code] }));
    });
  });
  Array.prototype.forEach.call(root.querySelectorAll("[data-label]"), function (node) {
    var key = node.getAttribute("data-label").split(".");
    node.textContent = nameOf(key[0], key[1]);
  });
}

// Loads the names and formats (no sign-in needed); rejects when the API cannot be read.
export function loadLabels() {
  return fetch("/api/labels").then(function (r) {
    if (!r.ok) throw new Error("labels: HTTP " + r.status);
    return r.json();
  }).then(function (data) {
    Object.keys(names).forEach(function (set) { names[set] = data[set] || {}; });
    unknownTopic = data.unknown_topic;
    setFormats(data.formats);
    fillPage(document);
  });
}

// ---------------------------------------------------------------- learnt from the panels

export var topicLabels = {};  // topic code -> Vietnamese label (from the topics and answers panels)
export var provinces = [];    // [{code, name}] (from the filters' province list)

export function topicLabel(code) {
  if (!code || code === "unknown") return unknownTopic;
  return topicLabels[code] || code;
}

export function setProvinces(items) { provinces = items; }

export function placeName(list, code) {
  for (var i = 0; i < list.length; i++) if (list[i].code === code) return list[i].name;
  return "mã " + code;
}
