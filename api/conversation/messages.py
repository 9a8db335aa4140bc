"""System messages the gateway itself says (answers come from the knowledge store)."""

RASA_UNAVAILABLE = (
    "Xin lỗi Anh/Chị, trợ lý đang bận hoặc tạm gián đoạn. Câu hỏi của Anh/Chị đã được "
    "ghi lại. Anh/Chị vui lòng thử lại sau ít phút, hoặc liên hệ Tổ công nghệ số cộng "
    "đồng ở xã/phường để được hỗ trợ trực tiếp."
)

RATE_LIMITED = (
    "Anh/Chị gửi nhiều tin nhắn quá nhanh. Vui lòng đợi khoảng một phút rồi gửi tiếp, "
    "tin nhắn vừa rồi đã được ghi lại."
)

TOO_LONG = (
    "Tin nhắn của Anh/Chị dài quá {limit} ký tự. Anh/Chị vui lòng gửi câu hỏi ngắn gọn "
    "hơn, mỗi tin một câu hỏi."
)

UNSUPPORTED_MEDIA = (
    "Hiện tại trợ lý mới đọc được tin nhắn chữ. Anh/Chị vui lòng gõ câu hỏi bằng chữ "
    "(có dấu hay không dấu đều được). Nếu cần gửi ảnh giấy tờ, Anh/Chị không nên gửi "
    "ở đây để bảo vệ thông tin cá nhân."
)

# The button under a scam warning that asks for a person of the community team.
ASK_A_PERSON = "Nhờ Tổ công nghệ số hỗ trợ"

# After a procedure answer: did the citizen still have to go to the office? (What the
# movement counts as "a trip saved"; the buttons' payloads are answered by the
# gateway itself.)
TRIP_QUESTION = "Anh/Chị có phải đến trụ sở để làm việc này không?"
TRIP_ONLINE = "Không, tôi tự làm được trên điện thoại"
TRIP_VISIT = "Có, vẫn phải đến"
TRIP_THANKS = "Cảm ơn Anh/Chị đã cho biết!"
