"""The report's tables as both writers lay them out: sheet and section titles,
column headers, the header block, the community teams' tables and the safety rows.
The XLSX and the CSV show the same tables, so they are defined once, here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.core.clock import VIETNAM_TZ
from api.core.labels import (
    CHANNELS,
    OUTCOME_COLUMNS,
    SCAM_KINDS,
    TICKET_STATUS_ROWS,
)
from api.report.figures import (
    SOURCE,
    Report,
    format_period,
)

SHEET_SUMMARY = "Tổng hợp"
# The place breakdowns' unit by level, as in "Theo xã, phường".
PLACE_KINDS = {"commune": "xã, phường", "province": "tỉnh, thành phố"}
SHEET_COMMUNES = f"Theo {PLACE_KINDS['commune']}"
SHEET_PROVINCES = f"Theo {PLACE_KINDS['province']}"
SHEET_TOPICS = "Theo trụ cột, chủ đề"
SHEET_UNANSWERED = "Chưa giải đáp"
SHEET_COMMUNITY = "Hỗ trợ trực tiếp"
FIGURE_COLUMNS = (
    "Chỉ tiêu",
    "Kỳ này",
    "Kỳ trước",
    "So với kỳ trước",
    "Cùng kỳ năm trước",
    "So với cùng kỳ",
    "Lũy kế từ đầu năm",
)
PLACE_COLUMNS = (
    "Mã",
    "Địa bàn",
    "Số lượt câu hỏi",
    "Số người dân",
    "Số lượt được trả lời",
    "Tỷ lệ trả lời được",
    "Tỷ trọng",
)
PILLAR_COLUMNS = (
    "Trụ cột",
    "Số lượt câu hỏi",
    "Số lượt được trả lời",
    "Tỷ lệ trả lời được",
    "Tỷ trọng",
)
TOPIC_COLUMNS = (
    "Chủ đề",
    "Trụ cột",
    "Số lượt câu hỏi",
    "Số lượt được trả lời",
    OUTCOME_COLUMNS["unsure"],
    OUTCOME_COLUMNS["out_of_scope"],
    "Tỷ lệ trả lời được",
    "Tỷ trọng",
)
THEME_COLUMNS = (
    "STT",
    "Câu hỏi tiêu biểu",
    "Số lượt",
    OUTCOME_COLUMNS["unsure"],
    OUTCOME_COLUMNS["out_of_scope"],
    "Câu hỏi tương tự",
    "Lần đầu",
    "Lần cuối",
)
TOTAL_LABEL = "Tổng cộng"
# In a cell without a figure, or with nothing to compare with.
NO_BASE = "—"
SAFETY_SECTION = "An toàn và nội dung"
SAFETY_COLUMNS = ("Nội dung", "Số lượng")


def community_tables(
    community: dict[str, Any],
) -> list[tuple[str, tuple[str, ...], list[list[Any]]]]:
    """The community teams' figures as titled tables (the XLSX sheet and the CSV
    show the same ones)."""
    tickets, assisted = community["tickets"], community["assisted"]
    trips, after_hours = community["trips"], community["after_hours"]
    by_place = f"by_{community['place_level']}"
    place = PLACE_KINDS[community["place_level"]]
    place_column = place[0].upper() + place[1:]

    def minutes(value: float | None) -> float | str:
        return NO_BASE if value is None else value

    return [
        (
            "Yêu cầu hỗ trợ trợ lý chuyển tới Tổ công nghệ số cộng đồng",
            ("Chỉ tiêu", "Số liệu"),
            [
                ["Yêu cầu đã mở trong kỳ", tickets["opened"]],
                [TICKET_STATUS_ROWS["open"], tickets["waiting"]],
                [TICKET_STATUS_ROWS["claimed"], tickets["claimed"]],
                [TICKET_STATUS_ROWS["closed"], tickets["closed"]],
                [
                    "Đã giải quyết (hướng dẫn, hỗ trợ trực tiếp, chuyển cơ quan khác)",
                    tickets["resolved"],
                ],
                ["Tỷ lệ giải quyết (%)", percent(tickets["resolved_rate"])],
                ["Quá hạn chưa nhận, đã báo lên tỉnh", tickets["escalated"]],
                [
                    "Thời gian đến khi Tổ nhận yêu cầu (phút, trung vị)",
                    minutes(tickets["median_minutes_to_claim"]),
                ],
                [
                    "Thời gian đến lần phản hồi đầu (phút, trung vị)",
                    minutes(tickets["median_minutes_to_first_reply"]),
                ],
                [
                    "Thời gian đến khi đóng (phút, trung vị)",
                    minutes(tickets["median_minutes_to_close"]),
                ],
                *(
                    [f"Kết quả: {r['label']}", r["tickets"]]
                    for r in tickets["by_resolution"]
                ),
                ["Người dân hài lòng với hỗ trợ của Tổ", tickets["satisfied"]],
                ["Người dân chưa hài lòng", tickets["unsatisfied"]],
                [
                    "Tỷ lệ hài lòng (% số người trả lời)",
                    percent(tickets["satisfied_rate"]),
                ],
            ],
        ),
        (
            "Người dân không phải đến trụ sở (sau câu trả lời về thủ tục)",
            ("Chỉ tiêu", "Số liệu"),
            [
                ["Lượt được hỏi", trips["asked"]],
                ["Tự làm được trên điện thoại, không phải đến", trips["saved"]],
                ["Vẫn phải đến trụ sở", trips["visited"]],
                [
                    "Tỷ lệ không phải đến (% số người trả lời)",
                    percent(trips["saved_rate"]),
                ],
            ],
        ),
        (
            "Tin nhắn người dân gửi ngoài giờ làm việc của Tổ",
            ("Chỉ tiêu", "Số liệu"),
            [
                [
                    "Tin nhắn từ xã/phường có Tổ (đã biết địa bàn)",
                    after_hours["messages"],
                ],
                ["Gửi ngoài giờ làm việc của Tổ", after_hours["outside_office_hours"]],
                [
                    "Tỷ lệ ngoài giờ làm việc (%)",
                    percent(after_hours["outside_rate"]),
                ],
            ],
        ),
        (
            f"Yêu cầu hỗ trợ theo {place}",
            (place_column, "Yêu cầu", TICKET_STATUS_ROWS["closed"]),
            [[c["name"], c["tickets"], c["closed"]] for c in tickets[by_place]],
        ),
        (
            "Lượt người dân được Tổ hỗ trợ trực tiếp, theo nhóm",
            ("Nhóm người dân", "Lượt"),
            [
                *([g["label"], g["residents"]] for g in assisted["by_group"]),
                ["Tổng cộng", assisted["residents"]],
            ],
        ),
        (
            "Theo việc đã hỗ trợ",
            ("Việc", "Lượt"),
            [[t["label"], t["residents"]] for t in assisted["by_task"]],
        ),
        (
            f"Theo {place}",
            (place_column, "Lượt"),
            [[c["name"], c["residents"]] for c in assisted[by_place]],
        ),
    ]


def naive_local(moment: datetime) -> datetime:
    """Vietnam local time without a zone (Excel has no time zones)."""
    return moment.astimezone(VIETNAM_TZ).replace(tzinfo=None)


def header_block(report: Report) -> list[tuple[str, str]]:
    """The (label, value) lines above the figures: area, periods, channel, source."""
    f = report.filters
    lines = [
        ("Địa bàn", report.area.label),
        ("Kỳ báo cáo", format_period(f.start, f.end)),
        ("Kỳ trước", format_period(report.previous.start, report.previous.end)),
        (
            "Cùng kỳ năm trước",
            format_period(report.last_year.start, report.last_year.end),
        ),
        (
            "Lũy kế từ đầu năm",
            format_period(report.year_to_date.start, report.year_to_date.end),
        ),
    ]
    if f.channel:
        lines.append(("Kênh", CHANNELS.get(f.channel, f.channel)))
    lines.append(("Nguồn số liệu", SOURCE))
    return lines


def safety_rows(report: Report) -> list[tuple[str, int]]:
    """Scam warnings by kind and the state of the answers, as (label, count)."""
    safety, content = report.safety, report.content
    if not (safety or content):
        return []
    rows = [("Lượt cảnh báo lừa đảo", int(safety.get("alerts", 0)))]
    rows += [
        (f"Cảnh báo: {SCAM_KINDS.get(kind, kind)}", int(count))
        for kind, count in (safety.get("by_kind") or {}).items()
    ]
    return [
        *rows,
        ("Câu trả lời đã kiểm tra", int(content.get("verified", 0))),
        ("Câu trả lời bản nháp", int(content.get("draft", 0))),
        ("Câu trả lời kiểm tra quá 180 ngày", int(content.get("stale", 0))),
        (
            "Lượt trả lời dùng bản nháp",
            int(content.get("answers_served_from_drafts", 0)),
        ),
        *_accuracy_rows(report.accuracy),
    ]


def _accuracy_rows(accuracy: dict[str, Any]) -> list[tuple[str, int]]:
    if not accuracy.get("reviewed"):
        return []
    return [
        ("Câu trả lời được cán bộ kiểm tra ngẫu nhiên", int(accuracy["reviewed"])),
        ("Kiểm tra: trả lời đúng", int(accuracy["right"])),
        ("Kiểm tra: đúng một phần", int(accuracy["partly"])),
        ("Kiểm tra: sai", int(accuracy["wrong"])),
    ]


def percent(value: float | None) -> float | str:
    """A fraction as a per-cent number with one decimal (85.2), or "—"."""
    return NO_BASE if value is None else round(value * 100, 1)
