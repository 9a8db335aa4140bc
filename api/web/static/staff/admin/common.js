// What the admin screens share: the signed-in admin, the messages for refused fields and
// failed requests, and the dates shown in their tables.

import { errorText as apiErrorText } from "../api.js";
import { $ } from "../dom.js";
import { fmtDateTime as vnDateTime } from "../format.js";

// What to tell the admin when the API's own check (pydantic) refuses a field; its
// messages are English, so they are never shown as they are.
export var FIELD_PROBLEMS = {
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

export var me = "";  // the signed-in admin's user name

export function setMe(name) { me = name; }

// The API's message when it is written for staff (Vietnamese), else a plain one.
var ADMIN_ERRORS = {
  403: "Tài khoản của Anh/Chị không có quyền làm việc này.",
  422: "Thông tin chưa hợp lệ. Anh/Chị kiểm tra lại các ô được đánh dấu.",
  other: "Chưa thực hiện được. Anh/Chị vui lòng thử lại."
};
export function errorText(err) { return apiErrorText(err, ADMIN_ERRORS); }

// Always "hh:mm dd/mm/yyyy" in Vietnam time, whatever the browser's language; "" for
// a missing time.
export function fmtDateTime(iso) { return !iso || isNaN(new Date(iso)) ? "" : vnDateTime(iso); }
export function fmtDate(iso) { return fmtDateTime(iso).slice(6); }

export function showError(node, text) { node.textContent = text || ""; node.hidden = !text; }

// Field errors: the message under the field, the field marked invalid.
export function fieldError(id, text, field) {
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
export function problemFields(err) {
  var problems = err && err.detail && err.detail.problems;
  if (!Array.isArray(problems)) return [];
  return problems.map(function (p) {
    var parts = String(p.field || "").split(".");
    return parts[0] === "body" ? (parts[1] || "") : parts[0];
  });
}
