// The community teams' directory (admin): the list, and the form to create or edit a
// team (communes, office hours, meeting point, contact).

import { errorText, FIELD_PROBLEMS, fieldError, fmtDateTime, problemFields, showError } from "./common.js";
import { communeName, loadCommunes, Picker, provinceNames } from "./places.js";
import { request } from "../api.js";
import { $, clear, el, labelCells, say } from "../dom.js";
import { pad } from "../format.js";

var WEEKDAYS = [
  ["mon", "Thứ Hai"], ["tue", "Thứ Ba"], ["wed", "Thứ Tư"], ["thu", "Thứ Năm"],
  ["fri", "Thứ Sáu"], ["sat", "Thứ Bảy"], ["sun", "Chủ nhật"]
];
var teams = [];
var editingTeam = null;     // team id, or "" for a new team
var teamPicker = null;
export function loadTeams() {
  return request("/api/staff/teams").then(function (data) {
    teams = data.items;
    renderTeams();
    showError($("teams-error"), "");
    // Names of the communes teams serve, one request per province shown.
    var wanted = {};
    teams.forEach(function (t) { wanted[t.province_code] = true; });
    return Promise.all(Object.keys(wanted).map(loadCommunes)).then(renderTeams);
  }).catch(function (err) {
    if (err && err.status === 401) return;
    showError($("teams-error"), "Không tải được danh bạ Tổ. " + errorText(err));
  });
}

function hoursText(hours) {
  var parts = [];
  WEEKDAYS.forEach(function (d) {
    if (hours[d[0]] && hours[d[0]].length) parts.push(d[1] + ": " + hours[d[0]].join(", "));
  });
  return parts.join("; ");
}

export function renderTeams() {
  var body = clear($("teams").tBodies[0]);
  teams.forEach(function (t) {
    var edit = el("button", { type: "button", text: "Sửa", "aria-label": "Sửa " + t.name });
    edit.addEventListener("click", function () { openTeam(t.id); });
    var name = el("td", {}, [el("b", { text: t.name }), el("span", { className: "team-id", text: t.id }),
      t.sample ? el("span", { className: "badge sample", text: "Dữ liệu mẫu" }) : null]);
    body.appendChild(el("tr", {}, [
      name,
      el("td", { text: provinceNames[t.province_code] || t.province_code }),
      el("td", { text: t.communes.map(communeName).join(", ") }),
      el("td", { text: hoursText(t.office_hours) }),
      el("td", { text: fmtDateTime(t.updated_at) + (t.updated_by === "seed" ? " (dữ liệu ban đầu)" : " · " + t.updated_by) }),
      el("td", {}, [edit])
    ]));
  });
  labelCells($("teams"));
}

function buildHoursInputs() {
  var box = $("team-hours");
  WEEKDAYS.forEach(function (d) {
    var id = "team-hours-" + d[0];
    box.appendChild(el("div", { className: "hours-day" }, [
      el("label", { "for": id, text: d[1] }),
      el("input", { id: id, inputmode: "numeric", autocomplete: "off", placeholder: "07:30-11:30, 13:30-17:00", "aria-describedby": "team-hours-hint team-hours-error" })
    ]));
  });
}

// "7:30 - 11:30, 13:30–17:00" -> ["07:30-11:30", "13:30-17:00"]; null when unreadable.
function parseHours(text) {
  var out = [];
  var ok = true;
  text.split(/[,;]/).forEach(function (part) {
    part = part.trim();
    if (!part) return;
    var m = /^(\d{1,2})[:hg.](\d{2})\s*[-–]\s*(\d{1,2})[:hg.](\d{2})$/i.exec(part);
    if (!m) { ok = false; return; }
    out.push(pad(Number(m[1])) + ":" + m[2] + "-" + pad(Number(m[3])) + ":" + m[4]);
  });
  return ok ? out : null;
}

function clearTeamErrors() {
  showError($("team-form-error"), "");
  [["team-id-error", "team-id"], ["team-name-error", "team-name"], ["team-places-error", null],
    ["team-hours-error", null], ["team-meeting-error", "team-meeting"], ["team-contact-error", "team-contact"],
    ["team-phone-error", "team-phone"]].forEach(function (p) { fieldError(p[0], "", p[1]); });
  WEEKDAYS.forEach(function (d) { $("team-hours-" + d[0]).removeAttribute("aria-invalid"); });
}

function openTeam(id) {
  var t = null;
  teams.forEach(function (x) { if (x.id === id) t = x; });
  editingTeam = t ? t.id : "";
  clearTeamErrors();
  $("team-form").hidden = false;
  $("team-form-title").textContent = t ? "Sửa " + t.name : "Thêm Tổ công nghệ số cộng đồng";
  $("team-id-row").hidden = !!t;
  $("team-id").value = "";
  $("team-name").value = t ? t.name : "";
  $("team-meeting").value = t ? t.meeting_point : "";
  $("team-contact").value = t ? t.contact : "";
  $("team-phone").value = t && t.phone ? t.phone : "";
  $("team-sample").checked = t ? t.sample : false;
  WEEKDAYS.forEach(function (d) {
    $("team-hours-" + d[0]).value = t && t.office_hours[d[0]] ? t.office_hours[d[0]].join(", ") : "";
  });
  // A team stays in its province (the API keeps it); a new one picks its province.
  $("team-province").disabled = !!t;
  teamPicker.set(t ? t.communes : [], t ? t.province_code : "");
  (t ? $("team-form-title") : $("team-id")).focus();
  $("team-form").scrollIntoView({ block: "nearest" });
}

function closeTeam() {
  $("team-form").hidden = true;
  editingTeam = null;
  $("team-new").focus();
}

function saveTeam(e) {
  e.preventDefault();
  clearTeamErrors();
  var isNew = editingTeam === "";
  var hours = {};
  var badHours = false;
  WEEKDAYS.forEach(function (d) {
    var input = $("team-hours-" + d[0]);
    var ranges = parseHours(input.value);
    if (ranges === null) { badHours = true; input.setAttribute("aria-invalid", "true"); }
    else if (ranges.length) hours[d[0]] = ranges;
  });
  var body = {
    name: $("team-name").value.trim(),
    communes: teamPicker.chosen.slice(),
    office_hours: hours,
    meeting_point: $("team-meeting").value.trim(),
    contact: $("team-contact").value.trim(),
    phone: $("team-phone").value.trim() || null,
    sample: $("team-sample").checked
  };
  var checks = [
    [isNew && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test($("team-id").value.trim()) || (isNew && $("team-id").value.trim().length < 3), "team-id-error", "team-id", FIELD_PROBLEMS.id],
    [body.name.length < 5, "team-name-error", "team-name", FIELD_PROBLEMS.name],
    [isNew && !$("team-province").value || !body.communes.length, "team-places-error", null, "Chọn tỉnh, thành phố rồi chọn ít nhất một xã, phường tổ phụ trách."],
    [badHours || !Object.keys(hours).length, "team-hours-error", null, FIELD_PROBLEMS.office_hours],
    [body.meeting_point.length < 5, "team-meeting-error", "team-meeting", FIELD_PROBLEMS.meeting_point],
    [body.contact.length < 5, "team-contact-error", "team-contact", FIELD_PROBLEMS.contact]
  ];
  var bad = false;
  checks.forEach(function (c) { if (c[0]) { fieldError(c[1], c[3], c[2]); bad = true; } });
  if (bad) {
    var first = $("team-form").querySelector("[aria-invalid=true]") || $("team-province");
    if (first.disabled) first = $("team-commune-search");
    first.focus();
    return;
  }
  var call;
  if (isNew) {
    body.id = $("team-id").value.trim();
    body.province_code = $("team-province").value;
    call = request("/api/staff/teams", { method: "POST", body: body });
  } else {
    call = request("/api/staff/teams/" + encodeURIComponent(editingTeam), { method: "PUT", body: body });
  }
  $("team-save").disabled = true;
  call.then(function (saved) {
    $("team-form").hidden = true;
    editingTeam = null;
    say($("teams-status"), (isNew ? "Đã thêm " : "Đã lưu ") + saved.name + ".");
    return loadTeams();
  }).catch(function (err) {
    if (err && err.status === 401) return;
    var ids = { id: ["team-id-error", "team-id"], name: ["team-name-error", "team-name"],
      communes: ["team-places-error", null], office_hours: ["team-hours-error", null],
      meeting_point: ["team-meeting-error", "team-meeting"], contact: ["team-contact-error", "team-contact"],
      phone: ["team-phone-error", "team-phone"] };
    problemFields(err).forEach(function (f) {
      if (ids[f]) fieldError(ids[f][0], FIELD_PROBLEMS[f], ids[f][1]);
      else if (f === "" && body.sample) showError($("team-form-error"), FIELD_PROBLEMS.sample);
    });
    if ($("team-form-error").hidden) showError($("team-form-error"), errorText(err));
    $("team-form-title").focus();
  }).then(function () { $("team-save").disabled = false; });
}

export function bindTeams() {
  buildHoursInputs();
  teamPicker = new Picker("team", true);
  $("team-new").addEventListener("click", function () { openTeam(""); });
  $("team-cancel").addEventListener("click", closeTeam);
  $("team-form").addEventListener("submit", saveTeam);
}
