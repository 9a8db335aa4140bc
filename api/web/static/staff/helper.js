// A member (or an admin) links their own chat to their account with a one-time code,
// then "/hotro" in that chat starts helping a resident.

import { errorText, request } from "./api.js";
import { $, say } from "./dom.js";
import { fmtInt, pad, VN_OFFSET_MS } from "./format.js";

var linkCodeTimer = null;

// "14:35", Vietnam time.
function fmtClock(iso) {
  var d = new Date(iso);
  if (isNaN(d)) return "";
  var v = new Date(d.getTime() + VN_OFFSET_MS);
  return pad(v.getUTCHours()) + ":" + pad(v.getUTCMinutes());
}

function linkCodeExpired() {
  $("link-code-box").classList.add("expired");
  $("link-code-expiry").textContent = "Mã này đã hết hạn. Anh/Chị bấm “Lấy mã mới” để lấy mã khác.";
  $("link-code-inline").textContent = "<mã>";
}

function getLinkCode() {
  var button = $("link-code-get");
  var error = $("link-code-error");
  button.disabled = true;
  error.hidden = true;
  request("/api/staff/helper/link-code", { method: "POST" }).then(function (r) {
    window.clearTimeout(linkCodeTimer);
    var clock = fmtClock(r.expires_at);
    var left = new Date(r.expires_at).getTime() - Date.now();
    var minutes = Math.max(1, Math.round(left / 60000));
    $("link-code-box").classList.remove("expired");
    $("link-code").textContent = r.code || "";
    $("link-code-inline").textContent = r.code || "<mã>";
    $("link-code-instruction").textContent = r.instruction || "";
    $("link-code-expiry").textContent = "Mã dùng một lần, hết hạn lúc " + clock + " (sau " + fmtInt(minutes) +
      " phút). Lấy mã mới thì mã cũ không dùng được nữa.";
    $("link-code-box").hidden = false;
    button.textContent = "Lấy mã mới";
    // Read out digit by digit: "1 2 3 4 5 6".
    say($("link-code-status"), "Mã liên kết: " + String(r.code || "").split("").join(" ") +
      ". Hết hạn lúc " + clock + ".");
    if (!isNaN(left)) linkCodeTimer = window.setTimeout(linkCodeExpired, Math.max(0, left));
  }).catch(function (err) {
    if (err && err.status === 401) return;
    error.textContent = "Chưa lấy được mã liên kết. " + errorText(err);
    error.hidden = false;
  }).then(function () { button.disabled = false; });
}

export function startHelper() {
  $("helper").hidden = false;
}

export function bindHelper() {
  $("link-code-get").addEventListener("click", getLinkCode);
}
