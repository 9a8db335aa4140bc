"""System messages the gateway itself says (answers come from the knowledge store)."""

RASA_UNAVAILABLE = (
    "Xin lỗi Anh/Chị, trợ lý đang bận hoặc tạm gián đoạn. Câu hỏi của Anh/Chị đã được "
    "ghi lại. Anh/Chị vui lòng thử lại sau ít phút, hoặc liên hệ Tổ công nghệ số cộng "
    "đồng ở xã/phường để được hỗ trợ trực tiếp."
)
