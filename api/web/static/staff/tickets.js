// Community tech team members (and admins) see the tickets of their communes: the
// queue, one ticket with the citizen's masked conversation, claim, reply and close.

import { errorText, panelError, panelOk, request, seq } from "./api.js";
import { $, clear, el, say, showEmpty, showError } from "./dom.js";
import { fmtDateTime, fmtDuration, fmtInt } from "./format.js";
import {
  channelName, outcomeName, reasonName, resolutionLabel, statusName
} from "./labels.js";
import { username } from "./session.js";

var REPLY_HINTS = {
  web: "Người dân dùng trò chuyện trên web: trả lời hiện ra khi người dân mở lại trang trò chuyện.",
  telegram: "Trả lời được gửi ngay qua Telegram.",
  zalo: "Zalo chỉ cho gửi trong 48 giờ kể từ tin nhắn cuối của người dân."
};
var DELIVERY_FAILURES = {
  outside_window: "đã quá thời hạn 48 giờ của Zalo, hãy liên hệ người dân qua đầu mối khác",
  no_contact: "không tìm thấy địa chỉ nhận tin của người dân trên kênh này, hãy liên hệ người dân qua đầu mối khác",
  channel_off: "kênh này chưa được bật trên hệ thống, hãy báo quản trị viên và liên hệ người dân qua đầu mối khác",
  Forbidden: "người dân đã chặn tài khoản của trợ lý, hãy liên hệ người dân qua đầu mối khác"
};
// What the queue says when a filter has no ticket.
var EMPTY_LISTS = {
  open: "Không có yêu cầu nào đang chờ.",
  claimed: "Không có yêu cầu nào đang được xử lý.",
  closed: "Chưa có yêu cầu nào đã đóng."
};
var REPLY_LIMIT = 2000;
var TICKETS_LIMIT = 500;
var CLOSED_SHOWN = 50;
var REFRESH_MS = 60000;
var PAGE_TITLE = document.title;

var ticketFilter = "open";
var activeTickets = [];    // open and claimed tickets, escalated then oldest first
var closedTickets = null;  // newest closed first, once asked for
var seenOpen = null;       // ids of the open tickets already shown (new ones are announced)
var ticket = null;         // the ticket shown in the detail panel
var ticketsLoadedAt = 0;
var busy = false;          // a claim, reply or close is under way
var conversationShown = null; // the conversation drawn in the panel (as JSON)

function ticketsShown() { return !$("handoff").hidden; }

function since(iso) { var t = new Date(iso).getTime(); return isNaN(t) ? 0 : Date.now() - t; }
function waiting(t) { return t.opened_at ? "chờ " + fmtDuration(since(t.opened_at)) : ""; }

function placeOf(t) {
  if (!t.commune_code) return "Chưa rõ xã, phường";
  var commune = t.commune_name || "Xã, phường mã " + t.commune_code;
  return t.province_name ? commune + ", " + t.province_name : commune;
}
function holderName(name) { return name === username ? "Anh/Chị" : name; }

function deliveryText(d) {
  if (d === "sent") return "Đã gửi";
  if (d === "waiting") return "Đang chờ người dân mở lại trang trò chuyện";
  if (d === "sending") return "Đang gửi…";
  if (d === "queued") return "Kênh đang bận, hệ thống sẽ tự gửi lại trong ít phút";
  var reason = String(d || "").replace(/^failed:/, "");
  return "Chưa gửi được: " + (DELIVERY_FAILURES[reason] ||
    "kênh báo lỗi (" + reason + "), hãy thử lại sau hoặc liên hệ người dân qua đầu mối khác");
}
function deliveryFailed(d) { return /^failed:/.test(d || ""); }

function badge(text, cls) { return el("span", { className: "badge " + cls, text: text }); }
function statusBadge(t) {
  return badge(statusName(t.status), "status-" + t.status);
}
function escalatedBadge(t) {
  if (!t.escalated) return null;
  return t.status === "open" ? badge("Quá hạn — đã báo lên tỉnh", "overdue")
    : badge("Đã báo lên tỉnh", "escalated");
}

// One line under the ticket's place: how long it has waited, who has it, how it ended.
function ticketState(t) {
  if (t.status === "open") {
    var due = t.claim_due_at && !t.escalated ? " · hạn nhận " + fmtDateTime(t.claim_due_at) : "";
    return waiting(t) + due;
  }
  if (t.status === "claimed") {
    return holderName(t.claimed_by) + " đã nhận lúc " + fmtDateTime(t.claimed_at) +
      (t.first_reply_at ? "" : " · chưa trả lời");
  }
  return "Đóng lúc " + fmtDateTime(t.closed_at) + " · " + resolutionLabel(t.resolution);
}

function ticketRow(t) {
  var li = el("li", { className: "ticket-item" + (t.escalated && t.status === "open" ? " overdue" : "") });
  var b = el("button", { type: "button", className: "ticket-row", "data-id": String(t.id),
    "aria-current": ticket && ticket.id === t.id ? "true" : null });
  var head = el("span", { className: "row-head" }, [el("b", { text: "Số " + t.id }), escalatedBadge(t)]);
  if (t.status === "claimed" && t.claimed_by === username) head.appendChild(badge("Anh/Chị đang xử lý", "mine"));
  b.appendChild(head);
  b.appendChild(el("span", { className: "row-place", text: placeOf(t) }));
  b.appendChild(el("span", { className: "row-reason",
    text: reasonName(t.reason) + " · " + channelName(t.channel) }));
  b.appendChild(el("span", { className: "row-state", text: ticketState(t) }));
  if (t.description) b.appendChild(el("span", { className: "row-description", text: "“" + t.description + "”" }));
  b.addEventListener("click", function () { openTicket(t.id); });
  li.appendChild(b);
  return li;
}

function ticketsOf(filter) {
  if (filter === "closed") return (closedTickets || []).slice(0, CLOSED_SHOWN);
  return activeTickets.filter(function (t) { return t.status === filter; });
}

function renderTickets() {
  var list = $("ticket-list");
  var focused = document.activeElement && list.contains(document.activeElement)
    ? document.activeElement.getAttribute("data-id") : null;
  clear(list);
  var items = ticketsOf(ticketFilter);
  items.forEach(function (t) { list.appendChild(ticketRow(t)); });
  var empty = list.parentNode.querySelector(".empty");
  empty.textContent = ticketFilter === "closed" && closedTickets === null
    ? "Đang tải…" : EMPTY_LISTS[ticketFilter];
  showEmpty(list, !items.length);
  // A refresh keeps the keyboard where it was.
  if (focused) {
    var again = list.querySelector('button[data-id="' + focused + '"]');
    if (again) again.focus();
  }
  var open = ticketsOf("open").length;
  var claimed = ticketsOf("claimed").length;
  var counts = document.querySelectorAll(".ticket-filter .n");
  counts[0].textContent = " (" + fmtInt(open) + ")";
  counts[1].textContent = " (" + fmtInt(claimed) + ")";
  Array.prototype.forEach.call(document.querySelectorAll(".ticket-filter button"), function (b) {
    b.setAttribute("aria-pressed", String(b.getAttribute("data-status") === ticketFilter));
  });
  $("handoff-count").textContent = "(" + fmtInt(open) + " đang chờ)";
  // The browser tab tells a counter that keeps the page open in the background.
  document.title = (open ? "(" + open + ") " : "") + PAGE_TITLE;
}

function loadTickets() {
  var section = $("tickets-queue");
  var mine = seq.tickets = (seq.tickets || 0) + 1;
  var wanted = [request("/api/staff/tickets?status=active&limit=" + TICKETS_LIMIT)];
  if (ticketFilter === "closed") wanted.push(request("/api/staff/tickets?status=closed&limit=" + TICKETS_LIMIT));
  section.setAttribute("aria-busy", "true");
  return Promise.all(wanted).then(function (results) {
    if (seq.tickets !== mine) return;
    ticketsLoadedAt = Date.now();
    activeTickets = results[0].items || [];
    if (results[1]) {
      // The API lists the oldest first; the team looks back at the latest.
      closedTickets = (results[1].items || []).slice().sort(function (a, b) {
        return (b.closed_at || "") < (a.closed_at || "") ? -1 : (b.closed_at || "") > (a.closed_at || "") ? 1 : b.id - a.id;
      });
    }
    var open = activeTickets.filter(function (t) { return t.status === "open"; });
    if (seenOpen) {
      var fresh = open.filter(function (t) { return !seenOpen[t.id]; }).length;
      if (fresh) say($("tickets-status"), "Có " + fmtInt(fresh) + " yêu cầu mới đang chờ.");
    }
    seenOpen = {};
    open.forEach(function (t) { seenOpen[t.id] = true; });
    panelOk(section);
    renderTickets();
  }).catch(function (err) {
    if (seq.tickets !== mine || (err && err.status === 401)) return;
    panelError(section, "Không tải được danh sách yêu cầu. " + errorText(err), loadTickets);
  }).then(function () {
    if (seq.tickets === mine) section.removeAttribute("aria-busy");
  });
}

function refreshTickets() {
  loadTickets();
  if (ticket && !busy) loadTicket(ticket.id, false);
}

// ---- one ticket

function metaRow(dl, term, value) {
  if (!value) return;
  dl.appendChild(el("dt", { text: term }));
  dl.appendChild(el("dd", { text: value }));
}

function bubble(who, cls, at, text, note) {
  return el("li", { className: "bubble " + cls }, [
    el("span", { className: "who", text: who + (at ? " · " + fmtDateTime(at) : "") }),
    el("span", { className: "text", text: text }),
    note ? el("span", { className: "note", text: note }) : null
  ]);
}

// Redrawn only when it changed: the minute's refresh keeps the reader's scroll position.
function renderConversation(turns) {
  var key = JSON.stringify(turns);
  if (key === conversationShown) return;
  conversationShown = key;
  var list = clear($("ticket-conversation"));
  turns.forEach(function (c) {
    list.appendChild(bubble("Người dân", "citizen", c.at, c.text));
    if (c.reply) {
      var note = c.outcome && c.outcome !== "answered" ? outcomeName(c.outcome) : null;
      list.appendChild(bubble("Trợ lý", "assistant", null, c.reply, note));
    }
  });
  $("ticket-conversation-count").textContent = "(" + fmtInt(turns.length) + " lượt)";
  list.parentNode.querySelector(".empty").hidden = turns.length > 0;
  list.hidden = !turns.length;
}

function renderThread(t) {
  var list = clear($("ticket-thread"));
  (t.thread || []).forEach(function (m) {
    var citizen = m.author === "citizen";
    var who = citizen ? "Người dân" : (m.author === username ? "Anh/Chị (" + m.author + ")" : m.author);
    var item = el("li", { className: "message " + (citizen ? "from-citizen" : "from-team") }, [
      el("span", { className: "who", text: who + " · " + fmtDateTime(m.at) }),
      el("span", { className: "text", text: m.text })
    ]);
    if (!citizen) {
      item.appendChild(el("span", { className: "delivery" + (deliveryFailed(m.delivery) ? " failed" : ""),
        text: deliveryText(m.delivery) }));
    }
    list.appendChild(item);
  });
}

function renderTicket(t) {
  ticket = t;
  var mine = t.status === "claimed" && t.claimed_by === username;
  $("ticket-title").textContent = "Yêu cầu số " + t.id;
  var badges = clear($("ticket-badges"));
  badges.appendChild(statusBadge(t));
  var escalated = escalatedBadge(t);
  if (escalated) badges.appendChild(escalated);

  var dl = clear($("ticket-meta"));
  metaRow(dl, "Xã, phường", placeOf(t));
  metaRow(dl, "Kênh", channelName(t.channel));
  metaRow(dl, "Lý do", reasonName(t.reason));
  metaRow(dl, "Gửi lúc", t.opened_at && fmtDateTime(t.opened_at) + (t.status === "open" ? " (" + waiting(t) + ")" : ""));
  if (t.status === "open") {
    metaRow(dl, "Hạn nhận", t.claim_due_at && fmtDateTime(t.claim_due_at) +
      (t.escalated ? " (đã quá hạn, tỉnh đã được báo)" : ""));
  }
  metaRow(dl, "Người nhận", t.claimed_by && holderName(t.claimed_by) + " · " + fmtDateTime(t.claimed_at));
  metaRow(dl, "Trả lời đầu tiên", t.first_reply_at && fmtDateTime(t.first_reply_at));
  metaRow(dl, "Kết quả", t.status === "closed" && resolutionLabel(t.resolution) + " · " + fmtDateTime(t.closed_at));
  $("ticket-description").textContent = t.description || "(không có mô tả)";

  $("ticket-claim-box").hidden = t.status !== "open";
  var holder = $("ticket-holder");
  holder.hidden = true;
  if (t.status === "claimed" && !mine) {
    holder.textContent = t.claimed_by + " đã nhận yêu cầu này lúc " + fmtDateTime(t.claimed_at) +
      ". Chỉ người nhận trả lời và đóng được yêu cầu.";
    holder.hidden = false;
  } else if (t.status === "closed") {
    holder.textContent = "Yêu cầu đã đóng lúc " + fmtDateTime(t.closed_at) + ": " + resolutionLabel(t.resolution) + ".";
    holder.hidden = false;
  }

  renderConversation(t.conversation || []);
  renderThread(t);
  $("reply-form").hidden = !mine;
  $("close-form").hidden = !mine;
  $("reply-channel-hint").textContent = REPLY_HINTS[t.channel] || "";
  Array.prototype.forEach.call(document.querySelectorAll("#ticket-list .ticket-row"), function (b) {
    if (b.getAttribute("data-id") === String(t.id)) b.setAttribute("aria-current", "true");
    else b.removeAttribute("aria-current");
  });
}

function clearTicketMessages() {
  ["ticket-load-error", "claim-error", "reply-error", "close-error"].forEach(function (id) {
    $(id).hidden = true;
    $(id).textContent = "";
  });
  $("ticket-status").textContent = "";
  $("reply-text").removeAttribute("aria-invalid");
  $("close-resolution").removeAttribute("aria-invalid");
}

// Loads a ticket into the panel; ``fresh`` when another ticket is opened (its forms
// are emptied), not when the panel refreshes the same one.
function loadTicket(id, fresh) {
  var mine = seq.ticket = (seq.ticket || 0) + 1;
  var panel = $("ticket");
  panel.setAttribute("aria-busy", "true");
  return request("/api/staff/tickets/" + encodeURIComponent(id)).then(function (t) {
    if (seq.ticket !== mine) return;
    if (fresh) {
      clearTicketMessages();
      $("reply-text").value = "";
      $("close-resolution").value = "";
      updateReplyCount();
    }
    $("ticket-load-error").hidden = true;
    renderTicket(t);
  }).catch(function (err) {
    if (seq.ticket !== mine || (err && err.status === 401)) return;
    var box = $("ticket-load-error");
    box.textContent = err && err.status === 404
      ? "Không mở được yêu cầu số " + id + ": yêu cầu không còn thuộc địa bàn của Anh/Chị."
      : "Không tải được yêu cầu số " + id + ". " + errorText(err);
    box.hidden = false;
  }).then(function () { if (seq.ticket === mine) panel.removeAttribute("aria-busy"); });
}

function openTicket(id) {
  var panel = $("ticket");
  var other = !ticket || ticket.id !== id;
  if (other) {
    ticket = null;
    $("ticket-title").textContent = "Yêu cầu số " + id;
    ["ticket-badges", "ticket-meta", "ticket-description", "ticket-thread", "ticket-conversation"].forEach(function (n) { clear($(n)); });
    conversationShown = null;
    ["ticket-claim-box", "ticket-holder", "reply-form", "close-form"].forEach(function (n) { $(n).hidden = true; });
  }
  panel.hidden = false;
  $("handoff").classList.add("reading");
  $("ticket-title").focus();
  if (panel.scrollIntoView) panel.scrollIntoView({ block: "start" });
  return loadTicket(id, other);
}

function closeTicketPanel() {
  var id = ticket ? String(ticket.id) : null;
  seq.ticket = (seq.ticket || 0) + 1; // a late answer must not reopen it
  ticket = null;
  $("ticket").hidden = true;
  $("handoff").classList.remove("reading");
  Array.prototype.forEach.call(document.querySelectorAll("#ticket-list .ticket-row"), function (b) {
    b.removeAttribute("aria-current");
  });
  var row = id && document.querySelector('#ticket-list button[data-id="' + id + '"]');
  (row || document.querySelector('.ticket-filter button[aria-pressed="true"]')).focus();
}

// A 409: someone else claimed it, or it was closed meanwhile.
function conflictText(err) {
  var detail = err && err.detail;
  var holder = detail && typeof detail === "object" ? detail.holder : null;
  var text = errorText(err);
  if (holder === "closed") return text + " Yêu cầu đã đóng.";
  if (holder && holder !== "open") return text + " Người nhận: " + holder + ".";
  return text;
}

function ticketAction(path, body) {
  busy = true;
  return request(path, body === undefined ? { method: "POST" } : { method: "POST", body: body })
    .then(function (r) { busy = false; return r; }, function (err) { busy = false; throw err; });
}

function claimTicket() {
  if (!ticket || busy) return;
  var id = ticket.id;
  var button = $("ticket-claim");
  clearTicketMessages();
  button.disabled = true;
  ticketAction("/api/staff/tickets/" + id + "/claim").then(function (t) {
    renderTicket(t);
    say($("ticket-status"), "Anh/Chị đã nhận yêu cầu số " + id + ". Hãy trả lời người dân bên dưới.");
    $("reply-text").focus();
    loadTickets();
  }).catch(function (err) {
    if (err && err.status === 401) return;
    showError("claim-error", err && err.status === 409 ? conflictText(err) : "Chưa nhận được yêu cầu. " + errorText(err));
    if (err && (err.status === 409 || err.status === 404)) { loadTicket(id, false); loadTickets(); }
  }).then(function () { button.disabled = false; });
}

function updateReplyCount() {
  var n = $("reply-text").value.length;
  $("reply-hint").textContent = fmtInt(n) + "/" + fmtInt(REPLY_LIMIT) + " ký tự. Không ghi số định danh, mật khẩu hay mã OTP. " +
    "Người dân nhận kèm tên Tổ và số yêu cầu.";
}

function sendReply(e) {
  e.preventDefault();
  if (!ticket || busy) return;
  var id = ticket.id;
  var field = $("reply-text");
  var text = field.value.trim();
  clearTicketMessages();
  if (!text) { showError("reply-error", "Anh/Chị nhập nội dung trả lời.", field); return; }
  if (text.length > REPLY_LIMIT) {
    showError("reply-error", "Trả lời dài quá " + fmtInt(REPLY_LIMIT) + " ký tự. Anh/Chị rút gọn lại.", field);
    return;
  }
  $("reply-send").disabled = true;
  ticketAction("/api/staff/tickets/" + id + "/reply", { text: text }).then(function (r) {
    field.value = "";
    updateReplyCount();
    var delivery = r && r.delivery;
    if (deliveryFailed(delivery)) showError("reply-error", "Đã lưu trả lời nhưng " + deliveryText(delivery).charAt(0).toLowerCase() +
      deliveryText(delivery).slice(1) + ".");
    else if (delivery === "sent") say($("ticket-status"), "Đã gửi trả lời tới người dân qua " + channelName(ticket.channel) + ".");
    else say($("ticket-status"), "Đã lưu trả lời. " + deliveryText(delivery) + ".");
    return loadTicket(id, false);
  }).catch(function (err) {
    if (err && err.status === 401) return;
    if (err && err.status === 409) {
      showError("reply-error", "Chưa gửi được: yêu cầu này không còn do Anh/Chị xử lý. " + conflictText(err));
      loadTicket(id, false);
      loadTickets();
    } else if (err && err.status === 422) {
      showError("reply-error", "Chưa gửi được: trả lời phải có từ 1 đến " + fmtInt(REPLY_LIMIT) + " ký tự.", field);
    } else showError("reply-error", "Chưa gửi được. " + errorText(err));
  }).then(function () { $("reply-send").disabled = false; });
}

function closeTicket(e) {
  e.preventDefault();
  if (!ticket || busy) return;
  var id = ticket.id;
  var select = $("close-resolution");
  clearTicketMessages();
  if (!select.value) { showError("close-error", "Anh/Chị chọn kết quả xử lý trước khi đóng yêu cầu.", select); return; }
  var resolution = select.value;
  $("close-submit").disabled = true;
  ticketAction("/api/staff/tickets/" + id + "/close", { resolution: resolution }).then(function (t) {
    renderTicket(t);
    select.value = "";
    say($("ticket-status"), "Đã đóng yêu cầu số " + id + ". Kết quả: " + resolutionLabel(resolution) + ".");
    $("ticket-back").focus();
    loadTickets();
  }).catch(function (err) {
    if (err && err.status === 401) return;
    if (err && err.status === 409) {
      showError("close-error", "Chưa đóng được. " + conflictText(err));
      loadTicket(id, false);
      loadTickets();
    } else showError("close-error", "Chưa đóng được. " + errorText(err));
  }).then(function () { $("close-submit").disabled = false; });
}

export function bindTickets() {
  Array.prototype.forEach.call(document.querySelectorAll(".ticket-filter button"), function (b) {
    b.addEventListener("click", function () {
      ticketFilter = b.getAttribute("data-status");
      renderTickets();
      if (ticketFilter === "closed") loadTickets();
    });
  });
  $("tickets-reload").addEventListener("click", refreshTickets);
  $("ticket-back").addEventListener("click", closeTicketPanel);
  $("ticket-claim").addEventListener("click", claimTicket);
  $("reply-form").addEventListener("submit", sendReply);
  $("reply-text").addEventListener("input", updateReplyCount);
  $("close-form").addEventListener("submit", closeTicket);
  // Every minute while the page is in front; at once when it comes back after longer.
  window.setInterval(function () {
    if (ticketsShown() && !document.hidden) refreshTickets();
  }, REFRESH_MS);
  document.addEventListener("visibilitychange", function () {
    if (ticketsShown() && !document.hidden && Date.now() - ticketsLoadedAt >= REFRESH_MS) refreshTickets();
  });
}

export function startTickets() {
  $("handoff").hidden = false;
  updateReplyCount();
  loadTickets();
}
