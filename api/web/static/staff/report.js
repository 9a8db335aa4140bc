// Report export (XLSX, CSV) for the filters shown, and the summary paragraph to copy.

import { errorText, request } from "./api.js";
import { $, el, say } from "./dom.js";
import { fmtDate } from "./format.js";
import { filterQuery, state } from "./state.js";

export function renderSummary(data) {
  $("summary-text").textContent = data.paragraph || "";
  $("summary-copy").disabled = !data.paragraph;
  $("summary-status").textContent = "";
}

function fileName(disposition, format) {
  var m = /filename\*=UTF-8''([^;]+)/i.exec(disposition || "");
  if (m) { try { return decodeURIComponent(m[1]); } catch (e) { /* fall through */ } }
  m = /filename="?([^";]+)"?/i.exec(disposition || "");
  if (m) return m[1];
  return "bao-cao-bdhvs_" + state.from + "_" + state.to + "." + format;
}

function download(format, button) {
  var status = $("export-status");
  button.disabled = true;
  status.textContent = "Đang chuẩn bị tệp…";
  var response = null;
  request("/api/staff/reports/export?" + filterQuery({ format: format }), { raw: true }).then(function (r) {
    response = r;
    return r.blob();
  }).then(function (blob) {
    var url = URL.createObjectURL(blob);
    var a = el("a", { href: url, download: fileName(response.headers.get("Content-Disposition"), format) });
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    say(status, "Đã tải tệp " + format.toUpperCase() + " (" + fmtDate(state.from) + " – " + fmtDate(state.to) + ").");
  }).catch(function (err) {
    if (err && err.status === 401) return;
    status.textContent = "";
    say(status, "Chưa tải được tệp. " + errorText(err));
  }).then(function () { button.disabled = false; });
}

function copySummary() {
  var text = $("summary-text").textContent;
  var status = $("summary-status");
  function done() { say(status, "Đã sao chép đoạn tóm tắt."); }
  function fallback() {
    // Clipboard API needs HTTPS; on a plain-HTTP intranet select and copy instead.
    var area = el("textarea", { readonly: "readonly", "aria-hidden": "true", className: "visually-hidden" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    $("summary-copy").focus();
    if (ok) done(); else say(status, "Chưa sao chép được. Anh/Chị bôi đen đoạn văn rồi nhấn Ctrl+C.");
  }
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
  else fallback();
}

export function bindReport() {
  $("export-xlsx").addEventListener("click", function () { download("xlsx", this); });
  $("export-csv").addEventListener("click", function () { download("csv", this); });
  $("summary-copy").addEventListener("click", copySummary);
}
