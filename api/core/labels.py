"""The one place where the API's codes get their Vietnamese names, and the number,
per-cent and date conventions every reader of the figures sees.

The staff dashboard reads these through ``GET /api/labels`` and the report writers
import them, so a code has one name wherever staff meet it. Plain string codes
only: this module sits at the ground floor and must not import the features whose
enums the codes belong to (tests check that every enum member has a name here).
"""

from __future__ import annotations

from datetime import date, timedelta

from api.core.clock import VIETNAM_TZ

# --- names of codes -------------------------------------------------------------

ROLES = {
    "admin": "Quản trị",
    "analyst": "Phân tích",
    "community": "Tổ công nghệ số cộng đồng",
}
# A turn, a topic or a pillar the assistant could not place.
UNKNOWN_TOPIC = "Chưa xác định"
# "Trang web" rather than the bare "Web" or "Trò chuyện trên web": a Vietnamese word
# staff and report readers both use, short enough for a chart legend.
CHANNELS = {"web": "Trang web", "telegram": "Telegram", "zalo": "Zalo"}
OUTCOMES = {
    "answered": "Trả lời được",
    "unsure": "Chưa chắc",
    "out_of_scope": "Ngoài phạm vi",
    "error": "Lỗi hệ thống",
    "undelivered": "Chưa gửi được",
    "rejected": "Bị từ chối",
}
# The report's column titles for two outcomes. A printed report is read away from
# the dashboard, by people who never saw the assistant's outcome codes, so its
# columns say who was unsure and of what scope; the dashboard keeps the short names.
OUTCOME_COLUMNS = {
    "unsure": "Trợ lý chưa đủ chắc chắn",
    "out_of_scope": "Ngoài phạm vi hỗ trợ",
}
TICKET_STATUSES = {
    "offered": "Trợ lý đã đề nghị",
    "asking_place": "Đang hỏi xã, phường",
    "asking_details": "Đang hỏi nội dung",
    "open": "Đang chờ",
    "claimed": "Đã nhận",
    "closed": "Đã đóng",
    "declined": "Người dân không cần",
}
# The report's row titles for the queue's counts: a sentence says who waits for what.
TICKET_STATUS_ROWS = {
    "open": "Đang chờ Tổ nhận",
    "claimed": "Tổ đã nhận, đang xử lý",
    "closed": "Đã đóng",
}
HANDOFF_REASONS = {
    "requested": "Người dân yêu cầu",
    "not_understood": "Trợ lý chưa hiểu 2 lần",
    "unhelpful": "Người dân đánh giá chưa hữu ích 2 lần",
}
RESOLUTIONS = {
    "guided_remotely": "Đã hướng dẫn qua tin nhắn",
    "met_in_person": "Đã hỗ trợ trực tiếp tại điểm hỗ trợ",
    "referred": "Đã chuyển cơ quan khác",
    "no_response": "Không liên lạc được",
    "not_needed": "Không cần hỗ trợ nữa",
}
RESIDENT_GROUPS = {
    "elderly": "Người cao tuổi",
    "farmer": "Nông dân",
    "student": "Học sinh, sinh viên",
    "worker": "Người lao động",
    "household_biz": "Hộ kinh doanh",
    "ethnic_minority": "Đồng bào dân tộc thiểu số",
    "other": "Khác",
}
# How staff read each kind of scam (api.safety.detector.KINDS).
SCAM_KINDS = {
    "already_lost": "Đã lỡ mất tiền, mã hoặc mật khẩu",
    "identity_update": "Giả mạo cập nhật định danh, VNeID",
    "safe_account": "“Tài khoản an toàn”, phong tỏa, điều tra",
    "code_request": "Xin mã OTP, mật khẩu, ảnh căn cước",
    "fake_bank": "Giả danh ngân hàng",
    "prize_fee": "Trúng thưởng phải nộp phí",
    "job_deposit": "Việc nhẹ lương cao, làm nhiệm vụ",
    "loan_refund": "Vay tiền, chuyển nhầm, “lấy lại tiền”",
    "fake_link_app": "Đường link, ứng dụng, mã QR giả",
    "fake_authority": "Giả danh công an, cơ quan nhà nước",
}

# --- number, per-cent and date conventions ---------------------------------------

THOUSANDS_SEPARATOR = "."
DECIMAL_SEPARATOR = ","
# A no-break space keeps "85,2 %" on one line.
PERCENT_SUFFIX = "\u00a0%"
# The dashboard's sign for a negative count and for a figure it does not have.
MINUS_SIGN = "−"
MISSING = "–"
# "dd", "mm" and "yyyy" are replaced by the day, month and year.
DATE_PATTERN = "dd/mm/yyyy"
TIME_ZONE = "Asia/Ho_Chi_Minh"
UTC_OFFSET_MINUTES = int(
    (VIETNAM_TZ.utcoffset(None) or timedelta()) / timedelta(minutes=1)
)
# The words of durations and chart periods ("2 giờ 15 phút", "Tuần từ 03/03/2025").
DURATION_WORDS = {
    "day": "ngày",
    "hour": "giờ",
    "minute": "phút",
    "under_a_minute": "dưới 1 phút",
}
PERIOD_WORDS = {"week_from": "Tuần từ", "month": "Tháng"}


def format_number(value: int) -> str:
    """Vietnamese grouping: 1234567 -> "1.234.567"."""
    return f"{value:,}".replace(",", THOUSANDS_SEPARATOR)


def format_percent(fraction: float, digits: int = 1) -> str:
    """Vietnamese per cent: 0.8521 -> "85,2 %" (no-break space)."""
    number = f"{fraction * 100:.{digits}f}".replace(".", DECIMAL_SEPARATOR)
    return number + PERCENT_SUFFIX


def format_date(day: date) -> str:
    """The date as DATE_PATTERN writes it: 04/03/2025."""
    return (
        DATE_PATTERN.replace("dd", f"{day.day:02d}")
        .replace("mm", f"{day.month:02d}")
        .replace("yyyy", f"{day.year:04d}")
    )
