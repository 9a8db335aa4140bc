"""What the hand-off says to the citizen: the offer of a person, the questions that
open a ticket, the team's replies as sent, and the satisfaction question after
closing (with the payloads of their buttons)."""

from __future__ import annotations

from api.core.step import Step
from api.handoff.models import HandoffReason, HandoffTicket

ACCEPT = "/handoff_accept"
DECLINE = "/handoff_decline"

OFFER_TEXT = {
    HandoffReason.REQUESTED: (
        "Anh/Chị có muốn trợ lý chuyển yêu cầu tới Tổ công nghệ số cộng đồng nơi "
        "Anh/Chị ở để một thành viên của Tổ liên hệ hỗ trợ không?"
    ),
    HandoffReason.NOT_UNDERSTOOD: (
        "Xin lỗi Anh/Chị, trợ lý chưa hiểu được câu hỏi. Anh/Chị có muốn nhờ Tổ công "
        "nghệ số cộng đồng nơi Anh/Chị ở hỗ trợ trực tiếp không?"
    ),
    HandoffReason.UNHELPFUL: (
        "Rất tiếc câu trả lời chưa giúp được Anh/Chị. Anh/Chị có muốn nhờ Tổ công nghệ "
        "số cộng đồng nơi Anh/Chị ở hỗ trợ trực tiếp không?"
    ),
}
OFFER_BUTTONS = (("Có, nhờ Tổ hỗ trợ", ACCEPT), ("Không cần", DECLINE))
ASK_COMMUNE = (
    "Anh/Chị đang ở xã/phường nào? (Ví dụ: “phường Thành Sen, Hà Tĩnh”. Gõ “thôi” nếu "
    "Anh/Chị không muốn chuyển yêu cầu nữa.)"
)
ASK_COMMUNE_AGAIN = (
    "Trợ lý chưa nhận ra tên xã/phường. Anh/Chị vui lòng gõ tên xã/phường kèm tên "
    "tỉnh/thành phố, ví dụ: “xã Cẩm Xuyên, Hà Tĩnh”, hoặc gõ “thôi” để dừng."
)
ASK_DESCRIPTION = (
    "Anh/Chị mô tả ngắn gọn việc cần hỗ trợ (ví dụ: “chưa kích hoạt được VNeID mức 2, "
    "không nhận được mã”). Không gửi số CCCD, mật khẩu hay mã OTP."
)
DESCRIPTION_TOO_SHORT = (
    "Anh/Chị vui lòng mô tả rõ hơn một chút việc cần hỗ trợ để Tổ chuẩn bị trước."
)
DECLINED = (
    "Dạ vâng. Anh/Chị cứ tiếp tục đặt câu hỏi; khi cần người hỗ trợ, Anh/Chị gõ "
    "“gặp cán bộ”."
)
OPENED = "Trợ lý đã chuyển yêu cầu số {number} của Anh/Chị tới Tổ. {contact}"
ALREADY_OPEN = (
    "Yêu cầu số {number} của Anh/Chị đã được chuyển tới Tổ công nghệ số cộng đồng và "
    "đang chờ xử lý. Anh/Chị có thể tiếp tục hỏi trợ lý trong lúc chờ."
)
STAFF_REPLY = "{team} trả lời yêu cầu số {number}:\n{text}"
DEFAULT_TEAM = "Tổ công nghệ số cộng đồng"
# After the team closes a ticket: one tap, on the citizen's channel.
SATISFACTION_QUESTION = (
    "Yêu cầu số {number} đã được Tổ xử lý xong. Anh/Chị có hài lòng với hỗ trợ của "
    "Tổ công nghệ số không?"
)
SATISFIED = "/handoff_satisfied"
UNSATISFIED = "/handoff_unsatisfied"
SATISFACTION_BUTTONS = (("Hài lòng", SATISFIED), ("Chưa hài lòng", UNSATISFIED))
SATISFACTION_THANKS = {
    True: "Cảm ơn Anh/Chị đã đánh giá!",
    False: (
        "Cảm ơn Anh/Chị đã cho biết, Tổ sẽ rút kinh nghiệm. Khi cần hỗ trợ thêm, "
        "Anh/Chị gõ “gặp cán bộ”."
    ),
}


def satisfaction_step(ticket: HandoffTicket) -> Step:
    """The one-tap satisfaction question about ``ticket``."""
    return Step(SATISFACTION_QUESTION.format(number=ticket.id), SATISFACTION_BUTTONS)
