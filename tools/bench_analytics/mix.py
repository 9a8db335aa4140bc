"""What the generated year looks like: the weights and texts of the turn mix."""

from __future__ import annotations

CHANNEL_WEIGHTS = {"web": 45, "zalo": 40, "telegram": 15}
OUTCOME_WEIGHTS = {
    "answered": 800,
    "unsure": 100,
    "out_of_scope": 60,
    "error": 15,
    "undelivered": 10,
    "rejected": 15,
}
# Topics of answered turns (and of the answer an unsure turn suggests); topics with
# answers in the knowledge base but not listed here weigh DEFAULT_TOPIC_WEIGHT.
TOPIC_WEIGHTS = {
    "vneid_account": 24,
    "public_service_portal": 18,
    "vneid_features": 8,
    "scam_safety": 6,
    "online_payment": 6,
    "application_tracking": 6,
    "digital_signature": 5,
    "digital_skills": 4,
    "cashless_payment": 4,
    "e_health": 3,
    "criminal_record": 3,
    "driving_licence": 3,
    "community_support": 2,
    "smalltalk": 6,
    "citizen_place": 2,
}
DEFAULT_TOPIC_WEIGHT = 2
SMALLTALK, CITIZEN_PLACE = "smalltalk", "citizen_place"
SMALLTALK_INTENTS = ["greet", "greet", "thank", "thank", "goodbye", "help"]
# Vietnam-local hour of day -> relative number of sessions starting in it.
HOUR_WEIGHTS = [
    *(1, 0.5, 0.3, 0.3, 0.5, 1.5, 3, 5, 7, 8, 8, 7),
    *(5, 5, 6, 7, 7, 6, 6, 7, 7, 6, 4, 2),
]
WEEKDAY_FACTORS = [1.0, 1.05, 1.0, 1.0, 0.95, 0.7, 0.55]  # Monday first
SESSION_LENGTHS = {1: 35, 2: 25, 3: 15, 4: 10, 5: 6, 6: 4, 7: 3, 8: 2}
CITIZENS_PER_TURN = 0.03  # 30 000 citizens for 1 000 000 turns
WITH_PLACE = 0.6  # share of citizens (hence of turns) whose place is known
MAIN_PROVINCE = "Hà Tĩnh"  # most citizens with a place live there
MAIN_PROVINCE_SHARE = 0.7
MAIN_WITH_COMMUNE, OTHER_WITH_COMMUNE = 0.88, 0.65
# Other provinces: relative weights (the rest weigh 1).
PROVINCE_WEIGHTS = {"Hà Nội": 5, "Hồ Chí Minh": 5, "Nghệ An": 4, "Quảng Trị": 2}
FEEDBACK_RATE = 0.057  # of answered turns with an answer id: ~5 % of answered turns

QUESTION_PREFIXES = [
    *("", "", "", "Cho mình hỏi ", "Chào bạn, cho em hỏi ", "Ad ơi, ", "Xin hỏi "),
    *("Tôi muốn hỏi ", "Bác hỏi chút: ", "Alo ad, "),
]
QUESTION_SUFFIXES = [
    *("", "", " ạ", " vậy ạ?", " Cảm ơn nhiều.", " Số của tôi là [SĐT]."),
    *(" Mình ở quê không rành lắm.", " Mong được hướng dẫn.", " Gấp ạ!"),
]
UNSURE_TEXTS = [
    "cái ứng dụng này sao vào không được vậy, cứ quay vòng vòng mãi",
    "mình làm theo hướng dẫn rồi mà vẫn không được là sao",
    "sao cứ báo lỗi hoài vậy ad, mình thử mấy lần rồi",
    "làm sổ đỏ online được không ạ, cần giấy tờ gì",
    "đăng ký kết hôn trên mạng thì làm thế nào",
    "cấp lại giấy khai sinh cho con thì lên đâu làm",
    "tôi bị khóa tài khoản ngân hàng phải làm sao bây giờ",
    "đổi số điện thoại trên thẻ căn cước được không",
    "mã OTP không về điện thoại [SĐT] thì làm sao",
    "hồ sơ của tôi bị trả về mà không rõ lý do",
    "làm sao để đưa bằng lái xe vào ứng dụng",
    "nộp thuế đất trên mạng ở đâu vậy",
    "con tôi 15 tuổi có làm định danh được không",
    "tại sao tài khoản mức 2 lại bị hạ xuống mức 1",
    "ứng dụng báo thông tin không trùng khớp là sao",
    "điện thoại cũ quá không cài được app thì làm sao",
    "đăng ký thường trú cho con mới sinh như thế nào",
    "quên email đăng ký tài khoản thì lấy lại thế nào",
    "làm hộ chiếu trên mạng mất bao lâu thì có",
    "xác thực khuôn mặt mãi không được phải làm sao",
    "tôi có hai số điện thoại thì dùng số nào",
    "nhận lương hưu qua tài khoản có mất phí không",
    "bị trừ tiền trong tài khoản mà không biết vì sao",
    "giấy tờ bản gốc có cần mang lên xã nữa không",
]
OUT_OF_SCOPE_TEXTS = [
    "thời tiết Hà Tĩnh ngày mai thế nào, có mưa không",
    "giá vàng hôm nay bao nhiêu một chỉ vậy",
    "kết quả xổ số miền Bắc hôm qua là bao nhiêu",
    "cho tôi xin số điện thoại của chủ tịch xã",
    "bạn có biết nấu canh chua cá lóc không",
    "tư vấn giúp tôi nên mua xe máy loại nào tốt",
    "lịch cắt điện tuần này ở phường mình",
    "tỷ số trận bóng đá tối qua thế nào",
    "mua bảo hiểm xe máy ở đâu thì rẻ",
    "cách chữa đau lưng cho người già",
    "viết giúp tôi lá đơn xin nghỉ phép",
    "giá lúa hôm nay bao nhiêu một cân",
]
SMALLTALK_TEXTS = [
    *("xin chào", "chào bạn nhé", "cảm ơn bạn nhiều", "ok cảm ơn ad"),
    *("bạn là người hay máy vậy", "tạm biệt nhé", "bạn giúp được gì cho tôi"),
    *("chào buổi sáng", "hay quá, cảm ơn trợ lý"),
]
# What citizens add to a question the assistant cannot answer: with these (and their
# place), most unanswered messages differ, as they do in real life, so the inbox
# groups a long tail of messages, not a few dozen texts.
UNANSWERED_DETAILS = [
    *("từ hôm qua đến giờ", "từ sáng tới giờ vẫn vậy", "trên điện thoại Samsung"),
    *("trên máy iPhone cũ", "mà con tôi đi làm xa", "bà nhà tôi 70 tuổi rồi"),
    *("hôm trước cán bộ xã có hướng dẫn", "làm 3 lần rồi", "số [SĐT] của tôi"),
    *("lúc 9 giờ tối", "gấp lắm ạ", "cho mẹ tôi", "cho bố tôi", "ở chỗ làm"),
    *("bên ngân hàng nói vậy", "tôi đã cài lại app", "mạng 4G yếu lắm"),
    *("bị báo sai mật khẩu", "không nhận được tin nhắn", "máy báo hết bộ nhớ"),
    *("con cháu không có nhà", "tôi không biết chữ nhiều", "đi làm ăn xa quê"),
    *("đã lên xã hỏi nhưng chưa được", "cán bộ bảo lên mạng làm", "mới đổi sim"),
    *("thẻ cũ hết hạn rồi", "mắt kém nhìn không rõ", "tuần sau phải nộp"),
]
RATE_LIMITED_TEXTS = [
    *("alo", "trả lời đi", "sao không trả lời", "???", "alo alo có ai không"),
    *("nhanh lên giúp mình", "ủa"),
]
CANNED_REPLIES = {
    "~smalltalk": (
        "Chào Anh/Chị! Tôi là Trợ lý Bình dân học vụ số. Tôi có thể hướng dẫn Anh/Chị "
        "dùng ứng dụng VNeID, Cổng Dịch vụ công quốc gia, chữ ký số, thanh toán trực "
        "tuyến và cách phòng tránh lừa đảo trên mạng. Anh/Chị cần hỏi gì ạ?"
    ),
    "~place": (
        "Cảm ơn Anh/Chị, tôi đã ghi nhận địa bàn. Khi cần hỗ trợ trực tiếp, Anh/Chị có "
        "thể đến Tổ công nghệ số cộng đồng hoặc bộ phận một cửa của xã/phường mình."
    ),
    "~unsure": (
        "Xin lỗi, tôi chưa chắc đã hiểu đúng câu hỏi của Anh/Chị. Anh/Chị có thể hỏi "
        "lại ngắn gọn hơn, hoặc chọn một chủ đề: Tài khoản VNeID; Dịch vụ công trực "
        "tuyến; Chữ ký số; Thanh toán trực tuyến; Phòng tránh lừa đảo. Nếu cần người "
        "hỗ trợ, Anh/Chị nhắn 'gặp cán bộ'."
    ),
    "~out_of_scope": (
        "Câu hỏi này nằm ngoài phạm vi hỗ trợ của tôi. Tôi hướng dẫn về kỹ năng số và "
        "dịch vụ công trực tuyến: tài khoản định danh điện tử VNeID, Cổng Dịch vụ công "
        "quốc gia, chữ ký số, thanh toán không dùng tiền mặt và an toàn trên mạng."
    ),
    "~photo": "Hiện tôi chỉ đọc được tin nhắn chữ. Anh/Chị vui lòng gõ câu hỏi ạ.",
    "~sticker": "Hiện tôi chỉ đọc được tin nhắn chữ. Anh/Chị vui lòng gõ câu hỏi ạ.",
    "~voice": "Hiện tôi chỉ đọc được tin nhắn chữ. Anh/Chị vui lòng gõ câu hỏi ạ.",
    "~rate_limited": "Anh/Chị nhắn hơi nhanh, vui lòng đợi một phút rồi hỏi tiếp ạ.",
    "~too_long": "Tin nhắn dài quá 2000 ký tự. Anh/Chị vui lòng hỏi ngắn gọn hơn ạ.",
}
ERROR_REPLY = (
    "Xin lỗi, hệ thống đang bận. Anh/Chị vui lòng thử lại sau ít phút; nếu cần gấp, "
    "hãy liên hệ bộ phận một cửa của xã/phường."
)
TOO_LONG_TEXT = (
    "Tôi muốn trình bày hoàn cảnh gia đình và hỏi về thủ tục hành chính trên mạng. "
    * 26
)[:2000] + " …"
