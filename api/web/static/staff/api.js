// The staff API client: requests with the signed-in token, error messages for staff,
// and the loading of one panel (each panel loads and fails on its own).

import { $, el } from "./dom.js";
import { expire, token } from "./session.js";

export function ApiError(status, detail) { this.status = status; this.detail = detail; }

// JSON of ``path`` (or the response itself with ``raw``); a 401 signs the page out.
export function request(path, options) {
  options = options || {};
  var headers = { Authorization: "Bearer " + token };
  var init = { method: options.method || "GET", headers: headers };
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  return fetch(path, init).catch(function () {
    throw new ApiError(0, null);
  }).then(function (r) {
    if (r.status === 401) { expire(); throw new ApiError(401, null); }
    if (!r.ok) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        throw new ApiError(r.status, b ? b.detail : null);
      });
    }
    return options.raw ? r : r.json();
  });
}

export var VIETNAMESE = /[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]/i;

// What a panel says when it could not load; the admin screens pass their own texts.
var PANEL_ERRORS = {
  403: "Tài khoản của Anh/Chị không có quyền xem mục này.",
  404: "Không tìm thấy dữ liệu (mã 404).",
  422: "Bộ lọc chưa hợp lệ. Anh/Chị kiểm tra lại ngày và địa bàn.",
  other: "Không tải được dữ liệu. Anh/Chị vui lòng thử lại."
};

export function errorText(err, texts) {
  texts = texts || PANEL_ERRORS;
  var status = err && err.status;
  var detail = err && err.detail;
  var message = detail && typeof detail === "object" ? detail.message : detail;
  // The API's own message when it is written for staff (in Vietnamese).
  var generic = detail && detail.code === "invalid_request"; // "Yêu cầu không hợp lệ."
  if (status >= 400 && status < 500 && !generic && typeof message === "string" && VIETNAMESE.test(message)) {
    return message;
  }
  if (status === 0) return "Không kết nối được máy chủ. Anh/Chị kiểm tra mạng rồi thử lại.";
  if ((status === 403 || status === 404 || status === 422) && texts[status]) return texts[status];
  if (status >= 500) return "Máy chủ đang gặp sự cố. Anh/Chị vui lòng thử lại sau.";
  if (!(err instanceof ApiError) && window.console) console.error(err);
  return texts.other;
}

// ---------------------------------------------------------------- panels

export var seq = {};  // latest request number per panel (late answers are dropped)

export function panelError(section, message, retry) {
  var box = section.querySelector(".panel-error");
  if (!box) {
    box = el("div", { className: "panel-error", role: "alert" }, [el("span")]);
    var button = el("button", { type: "button", text: "Thử lại" });
    box.appendChild(button);
    var body = section.querySelector(".panel-body");
    section.insertBefore(box, body);
  }
  box.firstChild.textContent = message;
  box.querySelector("button").onclick = retry;
  box.hidden = false;
  var content = section.querySelector(".panel-body");
  if (content) content.hidden = true;
}

export function panelOk(section) {
  var box = section.querySelector(".panel-error");
  if (box) box.hidden = true;
  var content = section.querySelector(".panel-body");
  if (content) content.hidden = false;
}

// Loads one panel; an answer that arrives after a newer request for the panel is dropped.
export function loadPanel(name, sectionId, path, render) {
  var section = $(sectionId);
  var mine = seq[name] = (seq[name] || 0) + 1;
  section.setAttribute("aria-busy", "true");
  function retry() { loadPanel(name, sectionId, path, render); }
  return request(path).then(function (data) {
    if (seq[name] !== mine) return;
    panelOk(section);
    render(data);
  }).catch(function (err) {
    if (seq[name] !== mine || (err && err.status === 401)) return;
    panelError(section, errorText(err), retry);
  }).then(function () {
    if (seq[name] === mine) section.removeAttribute("aria-busy");
  });
}
