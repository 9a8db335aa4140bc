"""What citizens read of notices, and the opt-in and opt-out words they type (folded:
lower case, no diacritics, as :func:`api.places.service.fold` leaves them)."""

from __future__ import annotations

from api.citizen.profile import ASK_PLACE

SUBSCRIBE = {"nhan thong bao", "nhanthongbao", "dang ky nhan thong bao"}
UNSUBSCRIBE = {
    "huy nhan thong bao",
    "huythongbao",
    "huy thong bao",
    "dung thong bao",
    "dung nhan thong bao",
    "tat thong bao",
    "khong nhan thong bao",
}

NOTICE_HEADER = "THÔNG BÁO từ Trợ lý Bình dân học vụ số"
NOTICE_FOOTER = "(Gõ “hủy nhận thông báo” để không nhận nữa.)"

SUBSCRIBED = (
    "Anh/Chị đã đăng ký nhận thông báo (ví dụ cảnh báo lừa đảo mới) của {area}. Gõ "
    "“hủy nhận thông báo” bất cứ lúc nào để dừng."
)
SUBSCRIBED_ASK_PLACE = (
    "Anh/Chị đã đăng ký nhận thông báo chung (ví dụ cảnh báo lừa đảo mới). Gõ “hủy "
    "nhận thông báo” bất cứ lúc nào để dừng.\n\n" + ASK_PLACE
)
UNSUBSCRIBED = (
    "Anh/Chị đã hủy nhận thông báo, trợ lý sẽ không gửi thêm. Gõ “nhận thông báo” nếu "
    "muốn nhận lại."
)
NOT_SUBSCRIBED = "Anh/Chị chưa đăng ký nhận thông báo nên không cần hủy."
WEB_ONLY_CHAT = (
    "Thông báo hiện được gửi qua Telegram và Zalo. Anh/Chị nhắn “nhận thông báo” cho "
    "trợ lý trên một trong hai kênh đó để đăng ký."
)
# Said of a subscriber whose province is known but has no name in the places table.
YOUR_PROVINCE = "tỉnh của Anh/Chị"


def notice_text(text: str) -> str:
    """The notice as citizens receive it."""
    return f"{NOTICE_HEADER}\n\n{text}\n\n{NOTICE_FOOTER}"
