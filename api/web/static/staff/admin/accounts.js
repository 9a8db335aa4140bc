// Staff accounts (admin): the list, and the form to create an account, change its role
// and communes, reset its password or lock it.

import { errorText, FIELD_PROBLEMS, fieldError, fmtDate, me, problemFields, showError } from "./common.js";
import { communeInfo, Picker } from "./places.js";
import { request } from "../api.js";
import { $, clear, el, labelCells, say } from "../dom.js";
import { roleName } from "../labels.js";

var accounts = [];
var editingAccount = null;  // username, or "" for a new account
var accountPicker = null;
export function loadAccounts() {
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
      el("td", { text: roleName(a.role) }),
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

export function bindAccounts() {
  accountPicker = new Picker("account", false);
  $("account-new").addEventListener("click", function () { openAccount(""); });
  $("account-cancel").addEventListener("click", closeAccount);
  $("account-form").addEventListener("submit", saveAccount);
  $("account-role").addEventListener("change", syncRole);
}
