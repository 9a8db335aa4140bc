// The Vietnamese names the panels show for the API's codes: roles, channels, outcomes,
// hand-off tickets, and the names learnt from the API as the panels load (topics,
// provinces).

export var ROLE_LABELS = { admin: "Quản trị", analyst: "Phân tích", community: "Tổ công nghệ số cộng đồng" };
export var CHANNEL_LABELS = { web: "Web", telegram: "Telegram", zalo: "Zalo" };
export var OUTCOME_LABELS = {
  answered: "Trả lời được", unsure: "Chưa chắc", out_of_scope: "Ngoài phạm vi",
  error: "Lỗi hệ thống", undelivered: "Chưa gửi được", rejected: "Bị từ chối"
};

// ---------------------------------------------------------------- hand-off tickets

export var TICKET_STATUSES = {
  open: { label: "Đang chờ", empty: "Không có yêu cầu nào đang chờ." },
  claimed: { label: "Đã nhận", empty: "Không có yêu cầu nào đang được xử lý." },
  closed: { label: "Đã đóng", empty: "Chưa có yêu cầu nào đã đóng." }
};
export var REASON_LABELS = {
  requested: "Người dân yêu cầu", not_understood: "Trợ lý chưa hiểu 2 lần",
  unhelpful: "Người dân đánh giá chưa hữu ích 2 lần"
};
export var TICKET_CHANNELS = { web: "Trò chuyện trên web", telegram: "Telegram", zalo: "Zalo OA" };
export var RESOLUTION_LABELS = {
  guided_remotely: "Đã hướng dẫn qua tin nhắn", met_in_person: "Đã hỗ trợ trực tiếp tại điểm hỗ trợ",
  referred: "Đã chuyển cơ quan khác", no_response: "Không liên lạc được", not_needed: "Không cần hỗ trợ nữa"
};
export function resolutionLabel(r) { return RESOLUTION_LABELS[r] || r || ""; }

// ---------------------------------------------------------------- learnt from the API

export var topicLabels = {};  // topic code -> Vietnamese label (from the topics and answers panels)
export var provinces = [];    // [{code, name}] (from the filters' province list)

export function topicLabel(code) {
  if (!code || code === "unknown") return "Chưa xác định";
  return topicLabels[code] || code;
}

export function setProvinces(items) { provinces = items; }

export function placeName(list, code) {
  for (var i = 0; i < list.length; i++) if (list[i].code === code) return list[i].name;
  return "mã " + code;
}
