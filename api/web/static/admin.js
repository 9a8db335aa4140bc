// Admin screens of the staff dashboard: staff accounts (create, change role and
// communes, lock), the community teams' directory (create, edit) and the queue of
// training examples (accept, reject). Kept apart from staff.js, which is already
// large; it starts when staff.js announces the signed-in role ("bdhvs:staff-ready")
// and does nothing for other roles. Every request uses the existing staff API.
(function () {
  "use strict";

  var TOKEN_KEY = "bdhvs-staff-token";
  var NOTICE_KEY = "bdhvs-staff-notice";
  var VN_OFFSET_MS = 7 * 3600 * 1000; // Asia/Ho_Chi_Minh, no daylight saving time
  var ROLE_LABELS = { admin: "Quản trị", analyst: "Phân tích", community: "Tổ công nghệ số cộng đồng" };
  var WEEKDAYS = [
    ["mon", "Thứ Hai"], ["tue", "Thứ Ba"], ["wed", "Thứ Tư"], ["thu", "Thứ Năm"],
    ["fri", "Thứ Sáu"], ["sat", "Thứ Bảy"], ["sun", "Chủ nhật"]
  ];
  // What to tell the admin when the API's own check (pydantic) refuses a field; its
  // messages are English, so they are never shown as they are.
  var FIELD_PROBLEMS = {
    username: "Tên đăng nhập cần 3–80 ký tự, chỉ gồm chữ không dấu, số và các dấu . _ @ -",
    password: "Mật khẩu cần ít nhất 10 ký tự.",
    id: "Mã tổ gồm 3–40 ký tự: chữ thường không dấu, số và dấu gạch nối (ví dụ ha-tinh-ky-anh).",
    name: "Tên tổ cần ít nhất 5 ký tự.",
    communes: "Chọn ít nhất một xã, phường.",
    office_hours: "Giờ làm việc chưa hợp lệ: mỗi khoảng ghi dạng 07:30-11:30, giờ kết thúc sau giờ bắt đầu, trong khoảng 05:00–22:00, các khoảng không chồng nhau, ít nhất một ngày làm việc.",
    meeting_point: "Điểm hỗ trợ cần ít nhất 5 ký tự.",
    contact: "Đầu mối liên hệ cần ít nhất 5 ký tự.",
    phone: "Số điện thoại chưa đúng dạng số Việt Nam (ví dụ 0912 345 678, 0239 3855 555, 1900 xxxx, 1022).",
    sample: "Dữ liệu mẫu không được có số điện thoại, thư điện tử hay địa chỉ trang web."
  };
  var VIETNAMESE = /[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]/i;

  var me = "";
  var provinces = [];        // [{code, name}]
  var provinceNames = {};    // code -> name
  var communesOf = {};       // province code -> [{code, name}] once loaded
  var communeInfo = {};      // commune code -> {name, province_code}
  var accounts = [];
  var teams = [];
  var answerQuestions = null; // answer id -> question, for the examples
  var editingAccount = null;  // username, or "" for a new account
  var editingTeam = null;     // team id, or "" for a new team

  function $(id) { return document.getElementById(id); }

  // ---------------------------------------------------------------- helpers

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var value = attrs[k];
      if (value === null || value === undefined || value === false) return;
      if (k === "text") node.textContent = value;
      else if (k === "className") node.className = value;
      else node.setAttribute(k, value);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // Always "hh:mm dd/mm/yyyy" in Vietnam time, whatever the browser's language.
  function fmtDateTime(iso) {
    var d = new Date(iso);
    if (!iso || isNaN(d)) return "";
    var v = new Date(d.getTime() + VN_OFFSET_MS);
    return pad(v.getUTCHours()) + ":" + pad(v.getUTCMinutes()) + " " +
      pad(v.getUTCDate()) + "/" + pad(v.getUTCMonth() + 1) + "/" + v.getUTCFullYear();
  }
  function fmtDate(iso) { return fmtDateTime(iso).slice(6); }
  function fold(s) {
    return String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }
  function say(node, text) { node.textContent = ""; window.setTimeout(function () { node.textContent = text; }, 30); }
  function labelCells(table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
      Array.prototype.forEach.call(tr.cells, function (td, i) {
        if (heads[i] && heads[i].textContent.trim()) td.setAttribute("data-label", heads[i].textContent.trim());
      });
    });
  }

  function ApiError(status, detail) { this.status = status; this.detail = detail; }

  function request(path, options) {
    options = options || {};
    var headers = { Authorization: "Bearer " + sessionStorage.getItem(TOKEN_KEY) };
    var init = { method: options.method || "GET", headers: headers };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    return fetch(path, init).catch(function () {
      throw new ApiError(0, null);
    }).then(function (r) {
      if (r.status === 401) {
        // Expired or revoked: back to the login form, as staff.js does.
        sessionStorage.removeItem(TOKEN_KEY);
        sessionStorage.setItem(NOTICE_KEY, "expired");
        location.reload();
        throw new ApiError(401, null);
      }
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (b) {
          throw new ApiError(r.status, b ? b.detail : null);
        });
      }
      return r.json();
    });
  }

  // The API's message when it is written for staff (Vietnamese), else a plain one.
  function errorText(err) {
    var status = err && err.status;
    var detail = err && err.detail;
    var message = detail && typeof detail === "object" ? detail.message : detail;
    var generic = detail && detail.code === "invalid_request";
    if (status >= 400 && status < 500 && !generic && typeof message === "string" && VIETNAMESE.test(message)) return message;
    if (status === 0) return "Không kết nối được máy chủ. Anh/Chị kiểm tra mạng rồi thử lại.";
    if (status === 403) return "Tài khoản của Anh/Chị không có quyền làm việc này.";
    if (status === 422) return "Thông tin chưa hợp lệ. Anh/Chị kiểm tra lại các ô được đánh dấu.";
    if (status >= 500) return "Máy chủ đang gặp sự cố. Anh/Chị vui lòng thử lại sau.";
    if (!(err instanceof ApiError) && window.console) console.error(err);
    return "Chưa thực hiện được. Anh/Chị vui lòng thử lại.";
  }

  function showError(node, text) { node.textContent = text || ""; node.hidden = !text; }

  // Field errors: the message under the field, the field marked invalid.
  function fieldError(id, text, field) {
    var node = $(id);
    if (!node) return;
    showError(node, text);
    var input = field ? $(field) : null;
    if (input) {
      if (text) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  // The fields a 422 of pydantic names ("body.office_hours.mon.0" -> "office_hours").
  function problemFields(err) {
    var problems = err && err.detail && err.detail.problems;
    if (!Array.isArray(problems)) return [];
    return problems.map(function (p) {
      var parts = String(p.field || "").split(".");
      return parts[0] === "body" ? (parts[1] || "") : parts[0];
    });
  }

  // ---------------------------------------------------------------- places

  function loadProvinces() {
    if (provinces.length) return Promise.resolve(provinces);
    return request("/api/staff/places/provinces").then(function (data) {
      provinces = data.items;
      provinces.forEach(function (p) { provinceNames[p.code] = p.name; });
      return provinces;
    });
  }

  function loadCommunes(province) {
    if (communesOf[province]) return Promise.resolve(communesOf[province]);
    return request("/api/staff/places/communes?province=" + encodeURIComponent(province)).then(function (data) {
      communesOf[province] = data.items;
      data.items.forEach(function (c) { communeInfo[c.code] = { name: c.name, province_code: province }; });
      return data.items;
    });
  }

  function communeName(code) { return communeInfo[code] ? communeInfo[code].name : "xã, phường mã " + code; }

  function fillProvinceSelect(select) {
    if (select.options.length > 1) return;
    provinces.forEach(function (p) { select.appendChild(el("option", { value: p.code, text: p.name })); });
  }

  // A commune picker: province select, search box, one checkbox per commune of the
  // province, and the chosen communes (of any province) with a button to drop each.
  function Picker(prefix, lockedProvince) {
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

  var accountPicker = null;
  var teamPicker = null;

  // ---------------------------------------------------------------- staff accounts

  function loadAccounts() {
    return request("/api/staff/users").then(function (data) {
      accounts = data.items;
      accounts.forEach(function (a) {
        (a.places || []).forEach(function (p) {
          if (p.province_code) communeInfo[p.code] = { name: p.name, province_code: p.province_code };
        });
      });
      renderAccounts();
      showError($("accounts-error"), "");
    }).catch(function (err) {
      if (err && err.status === 401) return;
      showError($("accounts-error"), "Không tải được danh sách tài khoản. " + errorText(err));
    });
  }

  function placesText(a) {
    var names = (a.places || []).map(function (p) { return p.province_code ? p.name : p.name + " (cả tỉnh)"; });
    return names.length ? names.join(", ") : "—";
  }

  function renderAccounts() {
    var body = clear($("accounts").tBodies[0]);
    accounts.forEach(function (a) {
      var edit = el("button", { type: "button", text: "Sửa", "aria-label": "Sửa tài khoản " + a.username });
      edit.addEventListener("click", function () { openAccount(a.username); });
      var tr = el("tr", { className: a.active ? null : "inactive" }, [
        el("td", {}, [el("b", { text: a.username }), a.username === me ? el("span", { className: "hint", text: " (Anh/Chị)" }) : null]),
        el("td", { text: ROLE_LABELS[a.role] || a.role }),
        el("td", { text: a.role === "community" || (a.places || []).length ? placesText(a) : "—" }),
        el("td", { text: a.active ? "Đang hoạt động" : "Đã khóa" }),
        el("td", { text: fmtDate(a.created_at) }),
        el("td", {}, [edit])
      ]);
      body.appendChild(tr);
    });
    labelCells($("accounts"));
  }

  function clearAccountErrors() {
    showError($("account-form-error"), "");
    fieldError("account-username-error", "", "account-username");
    fieldError("account-password-error", "", "account-password");
    fieldError("account-places-error", "", null);
  }

  function syncRole() {
    $("account-places").hidden = $("account-role").value !== "community";
  }

  function openAccount(username) {
    var a = null;
    accounts.forEach(function (x) { if (x.username === username) a = x; });
    editingAccount = a ? a.username : "";
    clearAccountErrors();
    var form = $("account-form");
    form.hidden = false;
    $("account-form-title").textContent = a ? "Sửa tài khoản " + a.username : "Thêm tài khoản cán bộ";
    $("account-username-row").hidden = !!a;
    $("account-username").value = "";
    $("account-password").value = "";
    $("account-password-label").textContent = a ? "Mật khẩu mới (để trống nếu không đổi)" : "Mật khẩu";
    $("account-role").value = a ? a.role : "community";
    $("account-active-row").hidden = !a;
    $("account-active").checked = a ? a.active : true;
    var own = !!a && a.username === me;
    // The API refuses an admin locking or re-roling itself; say so before they try.
    $("account-role").disabled = own;
    $("account-active").disabled = own;
    var communes = a ? a.communes : [];
    var first = communes.length && communeInfo[communes[0]] ? communeInfo[communes[0]].province_code : "";
    accountPicker.set(communes, first);
    syncRole();
    (a ? $("account-form-title") : $("account-username")).focus();
    form.scrollIntoView({ block: "nearest" });
  }

  function closeAccount() {
    $("account-form").hidden = true;
    editingAccount = null;
    $("account-new").focus();
  }

  function saveAccount(e) {
    e.preventDefault();
    clearAccountErrors();
    var isNew = editingAccount === "";
    var username = isNew ? $("account-username").value.trim() : editingAccount;
    var password = $("account-password").value;
    var role = $("account-role").value;
    var communes = role === "community" ? accountPicker.chosen.slice() : [];
    var bad = false;
    if (isNew && !/^[A-Za-z0-9._@-]{3,80}$/.test(username)) {
      fieldError("account-username-error", FIELD_PROBLEMS.username, "account-username"); bad = true;
    }
    if ((isNew || password) && password.length < 10) {
      fieldError("account-password-error", FIELD_PROBLEMS.password, "account-password"); bad = true;
    }
    if (role === "community" && !communes.length) {
      fieldError("account-places-error", "Tài khoản của Tổ công nghệ số cộng đồng cần ít nhất một xã, phường phụ trách.", null);
      bad = true;
    }
    if (bad) {
      var first = $("account-form").querySelector("[aria-invalid=true]") || $("account-province");
      first.focus();
      return;
    }
    var body;
    var call;
    if (isNew) {
      body = { username: username, password: password, role: role, communes: communes };
      call = request("/api/staff/users", { method: "POST", body: body });
    } else {
      body = { communes: communes };
      if (username !== me) { body.role = role; body.active = $("account-active").checked; }
      if (password) body.password = password;
      call = request("/api/staff/users/" + encodeURIComponent(username), { method: "PATCH", body: body });
    }
    $("account-save").disabled = true;
    call.then(function (saved) {
      (saved.places || []).forEach(function (p) {
        if (p.province_code) communeInfo[p.code] = { name: p.name, province_code: p.province_code };
      });
      $("account-form").hidden = true;
      editingAccount = null;
      say($("accounts-status"), isNew ? "Đã tạo tài khoản " + saved.username + "." : "Đã lưu tài khoản " + saved.username + ".");
      return loadAccounts();
    }).catch(function (err) {
      if (err && err.status === 401) return;
      problemFields(err).forEach(function (f) {
        if (f === "username") fieldError("account-username-error", FIELD_PROBLEMS.username, "account-username");
        if (f === "password") fieldError("account-password-error", FIELD_PROBLEMS.password, "account-password");
      });
      showError($("account-form-error"), errorText(err));
      $("account-form-title").focus();
    }).then(function () { $("account-save").disabled = false; });
  }

  // ---------------------------------------------------------------- teams

  function loadTeams() {
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

  function renderTeams() {
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

  // ---------------------------------------------------------------- training examples

  function loadAnswerQuestions() {
    if (answerQuestions) return Promise.resolve(answerQuestions);
    return request("/api/staff/answers").then(function (data) {
      answerQuestions = {};
      data.items.forEach(function (a) { answerQuestions[a.id] = a.question; });
      return answerQuestions;
    }).catch(function () { answerQuestions = {}; return answerQuestions; });
  }

  function loadExamples() {
    return Promise.all([request("/api/staff/training-examples?status=pending"), loadAnswerQuestions()]).then(function (r) {
      renderExamples(r[0].items);
      showError($("examples-error"), "");
    }).catch(function (err) {
      if (err && err.status === 401) return;
      showError($("examples-error"), "Không tải được câu mẫu. " + errorText(err));
    });
  }

  function updateExampleCount() {
    var n = $("examples").children.length;
    $("examples-count").textContent = n ? "(" + n + ")" : "";
    $("examples-empty").hidden = n > 0;
  }

  function renderExamples(items) {
    var list = clear($("examples"));
    items.forEach(function (x) {
      var question = answerQuestions[x.answer_id] || x.answer_id;
      var headingId = "example-" + x.id;
      var accept = el("button", { type: "button", className: "primary", text: "Nhận", "aria-describedby": headingId });
      var reject = el("button", { type: "button", text: "Bỏ", "aria-describedby": headingId });
      var item = el("li", { className: "example" }, [
        el("p", { className: "example-text", id: headingId, text: "“" + x.text + "”" }),
        el("p", { className: "hint" }, ["Cho câu trả lời: ", el("b", { text: question })]),
        el("p", { className: "hint", text: "Do " + x.created_by + " thêm lúc " + fmtDateTime(x.created_at) }),
        el("div", { className: "form-actions" }, [accept, reject])
      ]);
      function decide(decision) {
        accept.disabled = reject.disabled = true;
        request("/api/staff/training-examples/" + x.id + "/decision", { method: "POST", body: { decision: decision } }).then(function () {
          var next = item.nextElementSibling || item.previousElementSibling;
          item.parentNode.removeChild(item);
          updateExampleCount();
          say($("examples-status"), decision === "accepted"
            ? "Đã nhận câu mẫu “" + x.text + "”. Câu sẽ được dùng khi huấn luyện lần tới."
            : "Đã bỏ câu mẫu “" + x.text + "”.");
          // Keep the keyboard where the admin is working.
          if (next) next.querySelector("button").focus(); else $("examples-title").focus();
        }).catch(function (err) {
          if (err && err.status === 401) return;
          accept.disabled = reject.disabled = false;
          showError($("examples-error"), errorText(err));
        });
      }
      accept.addEventListener("click", function () { decide("accepted"); });
      reject.addEventListener("click", function () { decide("rejected"); });
      list.appendChild(item);
    });
    updateExampleCount();
  }

  // ---------------------------------------------------------------- start

  function start(detail) {
    if (!detail || detail.role !== "admin") return;
    me = detail.username || "";
    $("admin-panel").hidden = false;
    $("admin-link").hidden = false;
    loadProvinces().then(function () {
      fillProvinceSelect($("account-province"));
      fillProvinceSelect($("team-province"));
      renderTeams();
    }).catch(function (err) {
      if (err && err.status === 401) return;
      showError($("teams-error"), "Không tải được danh sách tỉnh, thành phố. " + errorText(err));
    });
    loadAccounts();
    loadTeams();
    loadExamples();
  }

  function bind() {
    if (!$("admin-panel")) return;
    buildHoursInputs();
    accountPicker = new Picker("account", false);
    teamPicker = new Picker("team", true);
    $("account-new").addEventListener("click", function () { openAccount(""); });
    $("account-cancel").addEventListener("click", closeAccount);
    $("account-form").addEventListener("submit", saveAccount);
    $("account-role").addEventListener("change", syncRole);
    $("team-new").addEventListener("click", function () { openTeam(""); });
    $("team-cancel").addEventListener("click", closeTeam);
    $("team-form").addEventListener("submit", saveTeam);
    document.addEventListener("bdhvs:staff-ready", function (e) { start(e.detail); });
  }

  bind();
})();
