// Staff dashboard (entry module): login, then the panels the signed-in role may see.
// The panels are modules of their own: the filters kept in the URL hash (filters.js,
// state.js), overview cards and charts drawn as inline SVG (figures.js, charts.js; no
// library: the page works offline on a province intranet under a strict CSP), the
// unanswered inbox, answer editing (admin), report export, recent turns, the accuracy
// sample, the scam alerts, the community teams' figures, the community team's hand-off
// queue (claim, reply, close), helper-mode link codes (community members, admins),
// notices to citizens and the admin screens (admins).
// Every panel loads on its own: one failing request shows an error in that panel only.
// The names of the API's codes and the number formats (GET /api/labels) load first:
// no panel starts before them.

import { bindAccuracy, loadAccuracy } from "./accuracy.js";
import { startAdmin, bindAdmin } from "./admin/screens.js";
import { canEdit, bindAnswers, loadAnswers } from "./answers.js";
import { errorText, request } from "./api.js";
import { $ } from "./dom.js";
import { apply, bindFilters, loadProvinces } from "./filters.js";
import { bindHelper, startHelper } from "./helper.js";
import { bindInbox } from "./inbox.js";
import { loadLabels, roleName } from "./labels.js";
import { bindNotices, startNotices } from "./notices.js";
import { bindReport } from "./report.js";
import {
  NOTICE_KEY, ROLE_KEY, TOKEN_KEY, USER_KEY, forget, role, setRole, setToken, setUsername, token, username
} from "./session.js";
import { hashOf, readHash, state } from "./state.js";
import { bindTickets, startTickets } from "./tickets.js";
import { bindTurns, loadTurns } from "./turns.js";

function showAccount(name, r) {
  $("me-name").textContent = name || "";
  $("me-role").textContent = roleName(r);
  $("account").hidden = false;
}

var labelsLoaded = loadLabels();

// Starts the dashboard once the names and formats are known; without them it says so.
function begin() {
  labelsLoaded.then(start, function () {
    var notice = $("login-notice");
    notice.textContent = "Không tải được trang quản trị. Anh/Chị vui lòng tải lại trang.";
    notice.hidden = false;
  });
}

function start() {
  $("login-section").hidden = true;
  $("dashboard").hidden = false;
  request("/api/staff/me").then(function (me) {
    setUsername(me.username || "");
    showAccount(me.username, me.role);
    return me.role;
  }).catch(function (err) {
    if (err && err.status === 401) throw err;
    // /me failed for another reason: keep working with the role given at login.
    var stored = sessionStorage.getItem(ROLE_KEY);
    setUsername(sessionStorage.getItem(USER_KEY) || "");
    showAccount(username, stored);
    $("me-error").textContent = "Không tải được thông tin tài khoản. " + errorText(err);
    $("me-error").hidden = false;
    return stored;
  }).then(function (r) {
    setRole(r);
    // The hand-off queue is the community team's main view (admins see it too).
    if (role === "community" || role === "admin") { startTickets(); startHelper(); }
    if (role !== "admin" && role !== "analyst") {
      $("no-access").hidden = role === "community";
      $("analytics").hidden = true;
      return;
    }
    $("analytics").hidden = false;
    $("answers-readonly").hidden = canEdit();
    apply(readHash());
    if (location.hash !== hashOf(state)) history.replaceState(null, "", hashOf(state));
    loadProvinces();
    loadAnswers();
    loadTurns();
    loadAccuracy("");
    if (role === "admin") startNotices();
    // The admin screens (admin/) start once the role is known; they do nothing for
    // other roles.
    startAdmin({ role: role, username: username });
  }).catch(function () { /* 401: expire() reloads the page */ });
}

function bindPage() {
  // In-page links scroll without touching the hash, which holds the filters.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest('a[href^="#"]');
    if (!a) return;
    var target = $(a.getAttribute("href").slice(1));
    if (!target) return;
    e.preventDefault();
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  });
  bindAccuracy();
  $("logout").addEventListener("click", function () {
    forget();
    location.reload();
  });
  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    var error = $("login-error");
    error.hidden = true;
    fetch("/api/staff/login", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: $("username").value.trim(), password: $("password").value })
    }).then(function (r) {
      if (!r.ok) {
        error.textContent = r.status === 401 || r.status === 422
          ? "Sai tên đăng nhập hoặc mật khẩu."
          : "Chưa đăng nhập được. Anh/Chị vui lòng thử lại sau.";
        error.hidden = false;
        return;
      }
      return r.json().then(function (b) {
        setToken(b.access_token);
        sessionStorage.setItem(TOKEN_KEY, token);
        sessionStorage.setItem(ROLE_KEY, b.role || "");
        sessionStorage.setItem(USER_KEY, $("username").value.trim());
        $("password").value = "";
        $("login-notice").hidden = true;
        begin();
      });
    }).catch(function () {
      error.textContent = "Không kết nối được máy chủ. Anh/Chị kiểm tra mạng rồi thử lại.";
      error.hidden = false;
    });
  });
  bindReport();
  bindTurns();
  bindFilters();
  bindAnswers();
  bindInbox();
  bindTickets();
  bindNotices();
  bindHelper();
  bindAdmin();
}

bindPage();
if (sessionStorage.getItem(NOTICE_KEY) === "expired") {
  sessionStorage.removeItem(NOTICE_KEY);
  $("login-notice").textContent = "Phiên đăng nhập đã hết hạn. Anh/Chị vui lòng đăng nhập lại.";
  $("login-notice").hidden = false;
}
if (token) begin();
else $("username").focus();
