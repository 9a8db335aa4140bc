"""The drafted paragraph for the "Về xã hội số" / "Phong trào Bình dân học vụ số"
section, in Vietnamese, from the report's figures only."""

from __future__ import annotations

from typing import Any

from api.analytics.service import UNKNOWN
from api.core.labels import (
    CHANNELS,
    OUTCOME_COLUMNS,
    PERCENT_SUFFIX,
    format_date,
    format_number,
    format_percent,
)
from api.report.figures import (
    BreakdownRow,
    Report,
    format_period,
    previous_period_name,
    ratio,
)

ASSISTANT = "Trợ lý Bình dân học vụ số"
# Topics that say nothing about what citizens asked, left out of "hỏi nhiều nhất về".
SMALL_TALK_TOPICS = frozenset({UNKNOWN, "out_of_scope", "smalltalk", "citizen_place"})
TOP_TOPICS = 3
TOP_THEMES = 3
THEME_SAMPLE_CHARS = 80


def _trend(current: int, base: int, against: str) -> str | None:
    """The change as words, e.g. "tăng 12,5 % so với cùng kỳ năm trước" (None when the
    base is 0)."""
    if not base:
        return None
    if current == base:
        return f"bằng {against}"
    change = (current - base) / base
    word = "tăng" if change > 0 else "giảm"
    return f"{word} {format_percent(abs(change))} so với {against}"


def _answered_phrase(part: int, whole: int) -> str:
    """Answered turns as reports write them: 1.050/1.234 lượt (đạt 85,1 %)."""
    rate = ratio(part, whole) or 0.0
    return f"{format_number(part)}/{format_number(whole)} lượt (đạt {format_percent(rate)})"


def _enumerate(items: list[str]) -> str:
    """A Vietnamese list: a; a và b; a, b và c."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " và " + items[-1]


def _shorten(text: str, limit: int = THEME_SAMPLE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def draft_paragraph(report: Report) -> str:
    """A Vietnamese paragraph for the "Về xã hội số" / "Phong trào Bình dân học vụ số"
    section, drafted from the report's figures only."""
    f = report.filters
    now, previous, last_year, ytd = report.counts
    period = format_period(f.start, f.end)
    channel = f" qua kênh {CHANNELS.get(f.channel, f.channel)}" if f.channel else ""
    where = report.area.in_sentence
    sentences: list[str] = []
    if not now.turns:
        opening = (
            f"Trong kỳ ({period}), {ASSISTANT} chưa tiếp nhận lượt câu hỏi nào"
            f" của người dân{where}{channel}"
        )
        if last_year.turns:
            opening += (
                f" (cùng kỳ năm trước: {format_number(last_year.turns)} lượt câu hỏi)"
            )
        sentences.append(opening + ".")
    else:
        trends = [_trend(now.turns, last_year.turns, "cùng kỳ năm trước")]
        if (report.previous.start, report.previous.end) != (
            report.last_year.start,
            report.last_year.end,
        ):
            trends.append(
                _trend(now.turns, previous.turns, previous_period_name(report.filters))
            )
        trend = ", ".join(t for t in trends if t)
        sentences.append(
            f"Trong kỳ ({period}), {ASSISTANT} đã tiếp nhận"
            f" {format_number(now.turns)} lượt câu hỏi"
            + (f" ({trend})" if trend else "")
            + f" của {format_number(now.citizens)} người dân{where}{channel};"
            f" trả lời được {_answered_phrase(now.answered, now.turns)}."
        )
        asked = [
            f"{t.label} ({format_number(t.turns)} lượt)"
            for t in report.topics
            if t.turns and not _is_small_talk(t)
        ][:TOP_TOPICS]
        if asked:
            sentences.append(f"Người dân hỏi nhiều nhất về {_enumerate(asked)}.")
        if now.unanswered:
            detail = ", ".join(
                part
                for part in (
                    f"{format_number(now.unsure)} lượt {OUTCOME_COLUMNS['unsure'].lower()}"
                    if now.unsure
                    else "",
                    f"{format_number(now.out_of_scope)} lượt"
                    f" {OUTCOME_COLUMNS['out_of_scope'].lower()}"
                    if now.out_of_scope
                    else "",
                )
                if part
            )
            sentence = (
                f"Còn {format_number(now.unanswered)} lượt câu hỏi chưa được giải đáp"
                f" ({detail})"
            )
            themes = [
                f"“{_shorten(t.sample)}” ({format_number(t.count)} lượt)"
                for t in report.themes[:TOP_THEMES]
                if t.sample
            ]
            unanswered_topics = sorted(
                (
                    t
                    for t in report.topics
                    if t.unsure + t.out_of_scope and not _is_small_talk(t)
                ),
                key=lambda t: -(t.unsure + t.out_of_scope),
            )[:TOP_TOPICS]
            if themes:
                sentence += f", chủ yếu về các nội dung như {_enumerate(themes)}"
            elif unanswered_topics:
                sentence += ", chủ yếu về " + _enumerate(
                    [
                        f"{t.label} ({format_number(t.unsure + t.out_of_scope)} lượt)"
                        for t in unanswered_topics
                    ]
                )
            sentences.append(sentence + ".")
        if now.rated:
            sentences.append(
                f"Trong {format_number(now.rated)} lượt người dân đánh giá câu trả lời,"
                f" có {format_number(now.helpful)} lượt đánh giá hữu ích"
                f" (đạt {format_percent(now.helpful / now.rated)})."
            )
    sentences.extend(_community_sentences(report.community))
    sentences.extend(_safety_sentences(report.safety, report.content))
    sentences.extend(_accuracy_sentences(report.accuracy))
    if ytd.turns and (report.year_to_date.start, report.year_to_date.end) != (
        f.start,
        f.end,
    ):
        sentences.append(
            f"Lũy kế từ đầu năm đến ngày {format_date(f.end)}, {ASSISTANT} đã tiếp"
            f" nhận {format_number(ytd.turns)} lượt câu hỏi của"
            f" {format_number(ytd.citizens)} người dân, trả lời được"
            f" {_answered_phrase(ytd.answered, ytd.turns)}."
        )
    return " ".join(sentences)


def _accuracy_sentences(accuracy: dict[str, Any]) -> list[str]:
    """The checked accuracy in words (nothing when no answer was checked)."""
    if not accuracy.get("reviewed"):
        return []
    return [
        f"Cán bộ đã kiểm tra ngẫu nhiên {format_number(accuracy['reviewed'])} câu trả"
        f" lời của trợ lý trong kỳ: {format_percent(accuracy['accuracy'])} trả lời đúng"
        f" điều người dân hỏi (khoảng tin cậy 95{PERCENT_SUFFIX}:"
        f" {format_percent(accuracy['ci_low'])} – {format_percent(accuracy['ci_high'])}),"
        f" {format_number(accuracy['partly'])} câu đúng một phần."
    ]


def _safety_sentences(safety: dict[str, Any], content: dict[str, Any]) -> list[str]:
    """Scam warnings and unverified answers in words (nothing when there were none)."""
    sentences = []
    if safety.get("alerts"):
        sentences.append(
            f"Trợ lý đã cảnh báo {format_number(safety['alerts'])} lượt người dân hỏi về"
            " tình huống nghi lừa đảo đang xảy ra hoặc vừa xảy ra."
        )
    served = content.get("answers_served") or 0
    drafts = content.get("answers_served_from_drafts") or 0
    if served and drafts:
        sentences.append(
            f"Trong {format_number(served)} lượt trả lời, có {format_number(drafts)} lượt"
            " dùng nội dung chưa được kiểm tra lại với trang nguồn."
        )
    return sentences


def _community_sentences(community: dict[str, Any]) -> list[str]:
    """The community teams' work in words (nothing when there was none)."""
    sentences = []
    tickets = community.get("tickets") or {}
    if tickets.get("opened"):
        sentence = (
            f"Tổ công nghệ số cộng đồng đã tiếp nhận"
            f" {format_number(tickets['opened'])} yêu cầu hỗ trợ trực tiếp do trợ lý"
            f" chuyển đến, đã giải quyết {format_number(tickets['resolved'])} yêu cầu"
            f" (đạt {format_percent(tickets['resolved'] / tickets['opened'])})"
        )
        if tickets.get("median_minutes_to_claim") is not None:
            sentence += (
                "; thời gian chờ Tổ nhận yêu cầu (trung vị) khoảng"
                f" {_duration(tickets['median_minutes_to_claim'])}"
            )
        if tickets.get("median_minutes_to_first_reply") is not None:
            sentence += (
                "; thời gian phản hồi lần đầu trung bình (trung vị) khoảng"
                f" {_duration(tickets['median_minutes_to_first_reply'])}"
            )
        sentences.append(sentence + ".")
    rated = (tickets.get("satisfied") or 0) + (tickets.get("unsatisfied") or 0)
    if rated:
        sentences.append(
            f"Trong {format_number(rated)} người dân đã đánh giá sau khi được hỗ trợ,"
            f" {format_number(tickets['satisfied'])} người hài lòng"
            f" (đạt {format_percent(tickets['satisfied'] / rated)})."
        )
    after_hours = community.get("after_hours") or {}
    if after_hours.get("outside_office_hours"):
        sentences.append(
            f"Có {format_number(after_hours['outside_office_hours'])}"
            f"/{format_number(after_hours['messages'])} lượt tin nhắn của người dân"
            f" (chiếm {format_percent(after_hours['outside_rate'])}) được gửi ngoài"
            " giờ làm việc của Tổ công nghệ số cộng đồng và được trợ lý tiếp nhận ngay."
        )
    trips = community.get("trips") or {}
    answered = (trips.get("saved") or 0) + (trips.get("visited") or 0)
    if answered:
        sentences.append(
            f"Sau khi được trợ lý hướng dẫn thủ tục, {format_number(trips['saved'])}"
            f"/{format_number(answered)} lượt người dân trả lời cho biết đã tự làm"
            " được trên điện thoại, không phải đến trụ sở"
            f" (đạt {format_percent(trips['saved'] / answered)})."
        )
    assisted = community.get("assisted") or {}
    if assisted.get("residents"):
        groups = sorted(
            (g for g in assisted["by_group"] if g["residents"]),
            key=lambda g: -g["residents"],
        )[:TOP_TOPICS]
        tasks = [t for t in assisted["by_task"] if t["task"] != "other"][:TOP_TOPICS]
        sentence = (
            "Các thành viên Tổ đã hỗ trợ trực tiếp (“cầm tay chỉ việc”)"
            f" {format_number(assisted['residents'])} lượt người dân, nhiều nhất là "
            + _enumerate(
                [
                    f"{g['label'].lower()} ({format_number(g['residents'])} lượt)"
                    for g in groups
                ]
            )
        )
        if tasks:
            sentence += "; chủ yếu về " + _enumerate(
                [f"{_lower_first(t['label']).rstrip('?')}" for t in tasks]
            )
        sentences.append(sentence + ".")
    return sentences


def _duration(minutes: float) -> str:
    """ "45 phút", "2 giờ 10 phút", "3 ngày"."""
    whole = round(minutes)
    if whole < 60:
        return f"{whole} phút"
    if whole < 24 * 60:
        hours, rest = divmod(whole, 60)
        return f"{hours} giờ {rest} phút" if rest else f"{hours} giờ"
    return f"{round(whole / (24 * 60))} ngày"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _is_small_talk(row: BreakdownRow) -> bool:
    """Greetings, place answers, out-of-scope and unknown topics."""
    return row.code in SMALL_TALK_TOPICS
