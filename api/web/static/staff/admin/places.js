// Provinces and communes for the admin forms, loaded once, and the commune picker used
// by the account and team forms.

import { errorText } from "./common.js";
import { request } from "../api.js";
import { $, clear, el } from "../dom.js";
import { fold } from "../views.js";

var provinces = [];        // [{code, name}]
export var provinceNames = {};    // code -> name
var communesOf = {};       // province code -> [{code, name}] once loaded
export var communeInfo = {};      // commune code -> {name, province_code}
export function loadProvinces() {
  if (provinces.length) return Promise.resolve(provinces);
  return request("/api/staff/places/provinces").then(function (data) {
    provinces = data.items;
    provinces.forEach(function (p) { provinceNames[p.code] = p.name; });
    return provinces;
  });
}

export function loadCommunes(province) {
  if (communesOf[province]) return Promise.resolve(communesOf[province]);
  return request("/api/staff/places/communes?province=" + encodeURIComponent(province)).then(function (data) {
    communesOf[province] = data.items;
    data.items.forEach(function (c) { communeInfo[c.code] = { name: c.name, province_code: province }; });
    return data.items;
  });
}

export function communeName(code) { return communeInfo[code] ? communeInfo[code].name : "xã, phường mã " + code; }

export function fillProvinceSelect(select) {
  if (select.options.length > 1) return;
  provinces.forEach(function (p) { select.appendChild(el("option", { value: p.code, text: p.name })); });
}

// A commune picker: province select, search box, one checkbox per commune of the
// province, and the chosen communes (of any province) with a button to drop each.
export function Picker(prefix, lockedProvince) {
  this.prefix = prefix;
  this.chosen = [];
  this.lockedProvince = lockedProvince;
  this.province = $(prefix + "-province");
  this.search = $(prefix + "-commune-search");
  this.list = $(prefix + "-communes");
  this.shown = $(prefix + "-places-chosen");
  var self = this;
  this.province.addEventListener("change", function () {
    // A team serves communes of one province only: a new province starts afresh.
    if (self.lockedProvince) self.chosen = [];
    self.search.value = "";
    self.render();
  });
  this.search.addEventListener("input", function () { self.renderList(); });
}
Picker.prototype.set = function (codes, province) {
  this.chosen = (codes || []).slice();
  this.province.value = province || "";
  this.search.value = "";
  this.render();
};
Picker.prototype.render = function () { this.renderChosen(); this.renderList(); };
Picker.prototype.renderChosen = function () {
  var self = this;
  clear(this.shown);
  if (!this.chosen.length) { this.shown.textContent = "Chưa chọn xã, phường nào."; return; }
  this.shown.appendChild(document.createTextNode("Đã chọn: "));
  this.chosen.forEach(function (code) {
    var name = communeName(code);
    var drop = el("button", { type: "button", className: "chip", "aria-label": "Bỏ " + name, text: name + " ×" });
    drop.addEventListener("click", function () { self.toggle(code, false); self.render(); });
    self.shown.appendChild(drop);
  });
};
Picker.prototype.renderList = function () {
  var self = this;
  var province = this.province.value;
  clear(this.list);
  if (!province) {
    this.list.appendChild(el("li", { className: "hint", text: "Chọn tỉnh, thành phố để thấy danh sách xã, phường." }));
    return;
  }
  var wanted = fold(this.search.value.trim());
  loadCommunes(province).then(function (items) {
    if (self.province.value !== province) return;
    clear(self.list);
    var shown = items.filter(function (c) { return !wanted || fold(c.name).indexOf(wanted) >= 0; });
    if (!shown.length) self.list.appendChild(el("li", { className: "hint", text: "Không có xã, phường nào khớp." }));
    shown.forEach(function (c) {
      var id = self.prefix + "-c-" + c.code;
      var box = el("input", { type: "checkbox", id: id, value: c.code });
      box.checked = self.chosen.indexOf(c.code) >= 0;
      box.addEventListener("change", function () { self.toggle(c.code, box.checked); self.renderChosen(); });
      self.list.appendChild(el("li", {}, [box, el("label", { "for": id, text: c.name })]));
    });
    self.renderChosen();
  }).catch(function (err) {
    clear(self.list);
    self.list.appendChild(el("li", { className: "error", text: errorText(err) }));
  });
};
Picker.prototype.toggle = function (code, on) {
  var at = this.chosen.indexOf(code);
  if (on && at < 0) this.chosen.push(code);
  if (!on && at >= 0) this.chosen.splice(at, 1);
};
