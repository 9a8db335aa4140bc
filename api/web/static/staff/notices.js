// Admins only: a dry run (how many would get it, the text as they read it), then the
// send, bound to that preview; the log refreshes while a notice is going out.

import { errorText, loadPanel, request } from "./api.js";
import { $, cell, clear, el, labelCells, say, showEmpty, showError } from "./dom.js";
import { fmtDateTime, fmtInt } from "./format.js";
import { placeName, provinces } from "./labels.js";

var NOTICE_LIMIT = 1000;      // api/notices/service.py MAX_NOTICE_CHARS
var ZALO_WINDOW_HOURS = 48;   // BDHVS_ZALO_WINDOW_HOURS
var NOTICE_LOG_LIMIT = 20;
var NOTICE_EXCERPT = 120;
var noticePreview = null;     // {text, province, area, key, recipients}
var noticeBusy = false;
var noticePoll = null;
var noticePollDelay = 0;

function noticeValues() {
  return {
    text: $("notice-text").value.normalize("NFC").trim(),
    province: $("notice-province").value
  };
}

function noticeArea(province) {
  if (!province) return "tất cả người đăng ký";
  return placeName(provinces, province).replace(/^mã /, "Mã ");
}

export function fillNoticeProvinces() {
  var select = $("notice-province");
  var chosen = select.value;
  clear(select).appendChild(el("option", { value: "", text: "Tất cả người đăng ký" }));
  provinces.forEach(function (p) { select.appendChild(el("option", { value: p.code, text: p.name })); });
  select.value = chosen;
  if (select.value !== chosen) select.value = "";
  updateNoticeState();
}

function updateNoticeCount() {
  var n = $("notice-text").value.length;
  var hint = $("notice-count");
  hint.textContent = fmtInt(n) + "/" + fmtInt(NOTICE_LIMIT) + " ký tự. Không ghi số định danh, mật khẩu hay mã OTP. " +
    "Người dân nhận kèm tiêu đề của trợ lý và cách hủy nhận thông báo.";
  hint.className = "hint" + (n > NOTICE_LIMIT ? " words-over" : "");
}

// "Sẽ gửi tới 3 người: Telegram 2, Zalo 1; 1 người theo dõi Zalo quá 48 giờ …".
function noticeCountsText(r, province, area) {
  var outside = r.zalo_outside_window || 0;
  var zaloRule = fmtInt(outside) + " người theo dõi Zalo quá " + ZALO_WINDOW_HOURS +
    " giờ không gửi được theo quy định của Zalo";
  if (!r.total) {
    return "Không có ai để gửi: " + (outside ? zaloRule
      : "chưa có người dân nào " + (province ? "ở " + area + " " : "") +
        "đăng ký nhận thông báo trên Telegram hoặc Zalo") + ". Nút “Gửi thông báo” chưa dùng được.";
  }
  return "Sẽ gửi tới " + fmtInt(r.total) + " người: Telegram " + fmtInt(r.telegram) + ", Zalo " + fmtInt(r.zalo) +
    (outside ? "; " + zaloRule : "") + ".";
}

// The send button works only for the previewed text and area, and someone to send to.
function updateNoticeState() {
  var v = noticeValues();
  var p = noticePreview;
  var fresh = !!p && p.text === v.text && p.province === v.province;
  var ready = fresh && p.recipients.total > 0;
  $("notice-send").disabled = !ready || noticeBusy;
  $("notice-result").classList.toggle("stale", !!p && !fresh);
  var hint = $("notice-send-hint");
  if (!p) hint.textContent = "Bấm “Xem trước (chạy thử)” trước khi gửi.";
  else if (!fresh) hint.textContent = "Nội dung hoặc nơi nhận đã thay đổi sau lần xem trước. Anh/Chị bấm “Xem trước (chạy thử)” lại.";
  else if (!ready) hint.textContent = "Không có ai để gửi.";
  else hint.textContent = "Đã xem trước. Bấm “Gửi thông báo” để gửi tới " + fmtInt(p.recipients.total) + " người.";
  if (!ready) $("notice-confirm").hidden = true;
}

function noticeError(text) {
  $("notice-error").textContent = text;
  $("notice-error").hidden = false;
}

function clearNoticeMessages() {
  $("notice-error").hidden = true;
  $("notice-error").textContent = "";
  $("notice-text-error").hidden = true;
  $("notice-text").removeAttribute("aria-invalid");
}

function previewNotice(e) {
  e.preventDefault();
  if (noticeBusy) return;
  clearNoticeMessages();
  $("notice-status").textContent = "";
  var v = noticeValues();
  var field = $("notice-text");
  if (!v.text || v.text.length > NOTICE_LIMIT) {
    showError("notice-text-error", v.text ? "Nội dung dài quá " + fmtInt(NOTICE_LIMIT) + " ký tự. Anh/Chị rút gọn lại."
      : "Anh/Chị nhập nội dung thông báo.", field);
    return;
  }
  var body = { text: v.text };
  if (v.province) body.province = v.province;
  var button = $("notice-preview");
  button.disabled = true;
  noticeBusy = true;
  updateNoticeState();
  request("/api/staff/notices/preview", { method: "POST", body: body }).then(function (r) {
    var recipients = r.recipients || { telegram: 0, zalo: 0, zalo_outside_window: 0, total: 0 };
    var area = noticeArea(v.province);
    noticePreview = { text: v.text, province: v.province, area: area, key: r.preview_key, recipients: recipients };
    $("notice-as-sent").textContent = r.text_as_sent || "";
    $("notice-counts").classList.toggle("nobody", !recipients.total);
    $("notice-result").hidden = false;
    say($("notice-counts"), noticeCountsText(recipients, v.province, area));
    if ($("notice-result").scrollIntoView) $("notice-result").scrollIntoView({ block: "nearest" });
  }).catch(function (err) {
    if (err && err.status === 401) return;
    if (err && err.status === 422 && !(err.detail && typeof err.detail === "object" && err.detail.message)) {
      showError("notice-text-error", "Nội dung thông báo phải có từ 1 đến " + fmtInt(NOTICE_LIMIT) + " ký tự.", field);
    } else noticeError("Chưa xem trước được. " + errorText(err));
  }).then(function () {
    noticeBusy = false;
    button.disabled = false;
    updateNoticeState();
  });
}

function askToSend() {
  var p = noticePreview;
  updateNoticeState();
  if ($("notice-send").disabled || !p) return;
  clearNoticeMessages();
  var who = fmtInt(p.recipients.total) + " người";
  $("notice-confirm-text").textContent = "Gửi tới " + who + (p.province ? " ở " + p.area : " (tất cả người đăng ký)") + "?";
  $("notice-confirm-yes").textContent = "Gửi tới " + who;
  $("notice-confirm").hidden = false;
  $("notice-confirm-yes").focus();
}

function cancelSend() {
  $("notice-confirm").hidden = true;
  $("notice-send").focus();
}

function sendNotice() {
  var p = noticePreview;
  if (!p || noticeBusy) return;
  var body = { text: p.text, preview_key: p.key };
  if (p.province) body.province = p.province;
  noticeBusy = true;
  $("notice-confirm-yes").disabled = true;
  $("notice-confirm-no").disabled = true;
  updateNoticeState();
  request("/api/staff/notices", { method: "POST", body: body }).then(function (r) {
    var n = r && r.recipients ? r.recipients.total : p.recipients.total;
    noticePreview = null;
    $("notice-text").value = "";
    $("notice-result").hidden = true;
    $("notice-confirm").hidden = true;
    updateNoticeCount();
    say($("notice-status"), "Đã bắt đầu gửi thông báo" + (r && r.id ? " số " + r.id : "") + " tới " + fmtInt(n) +
      " người. Kết quả hiện trong bảng “Thông báo đã gửi”.");
    $("notice-text").focus();
    noticePollDelay = 0;
    loadNotices();
  }).catch(function (err) {
    if (err && err.status === 401) return;
    $("notice-confirm").hidden = true;
    if (err && err.status === 409) {
      noticePreview = null;
      $("notice-result").hidden = true;
    }
    noticeError("Chưa gửi được. " + errorText(err));
    $("notice-send").focus();
  }).then(function () {
    noticeBusy = false;
    $("notice-confirm-yes").disabled = false;
    $("notice-confirm-no").disabled = false;
    updateNoticeState();
  });
}

function excerpt(text) {
  text = String(text || "").replace(/\s+/g, " ").trim();
  return text.length > NOTICE_EXCERPT ? text.slice(0, NOTICE_EXCERPT - 1) + "…" : text;
}

function renderNotices(data) {
  var items = data.items || [];
  var table = $("notice-log");
  var body = clear(table.tBodies[0]);
  var sending = false;
  items.forEach(function (n) {
    var done = !!n.finished_at;
    if (!done) sending = true;
    var tr = el("tr", { "data-id": String(n.id) });
    cell(tr, fmtDateTime(n.created_at));
    cell(tr, n.province_code ? (n.province_name || "Mã " + n.province_code) : "Tất cả người đăng ký");
    cell(tr, excerpt(n.text)).setAttribute("title", n.text || "");
    cell(tr, fmtInt(n.recipients), "num");
    // While it goes out: how many have been dealt with so far, of how many.
    var handled = (n.sent || 0) + (n.failed || 0) + (n.skipped || 0);
    cell(tr, done ? fmtInt(n.sent) :
      "Đang gửi: " + fmtInt(handled) + "/" + fmtInt(n.recipients), "num");
    cell(tr, fmtInt(n.failed), "num" + (n.failed ? " failed" : ""));
    cell(tr, fmtInt(n.skipped), "num");
    cell(tr, n.created_by);
    body.appendChild(tr);
  });
  labelCells(table);
  showEmpty(table, !items.length);
  // While a notice is going out, look again: every 2 s, then less often.
  window.clearTimeout(noticePoll);
  noticePoll = null;
  if (sending) {
    noticePollDelay = Math.min(30000, noticePollDelay ? noticePollDelay * 1.5 : 2000);
    noticePoll = window.setTimeout(loadNotices, noticePollDelay);
  } else noticePollDelay = 0;
}

function loadNotices() {
  return loadPanel("notices", "notices-panel", "/api/staff/notices?limit=" + NOTICE_LOG_LIMIT, renderNotices);
}

export function startNotices() {
  $("notices-panel").hidden = false;
  $("notices-link").hidden = false;
  fillNoticeProvinces();
  updateNoticeCount();
  updateNoticeState();
  loadNotices();
}

export function bindNotices() {
  $("notice-form").addEventListener("submit", previewNotice);
  $("notice-text").addEventListener("input", function () { updateNoticeCount(); updateNoticeState(); });
  $("notice-province").addEventListener("change", updateNoticeState);
  $("notice-send").addEventListener("click", askToSend);
  $("notice-confirm-yes").addEventListener("click", sendNotice);
  $("notice-confirm-no").addEventListener("click", cancelSend);
}
