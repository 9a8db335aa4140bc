"""The periodic report ("Báo cáo kết quả"), built from the query log and exported as
an Excel workbook, a CSV file or JSON.

The layout follows the provincial reports (CONTENT_NOTES §4.3–4.4): figures for the
period with "so với kỳ trước", "so với cùng kỳ năm trước" and "lũy kế từ đầu năm",
answered turns as "x/y (đạt z%)", a breakdown by commune (or by province for a
country-wide report), by pillar and topic, the unanswered themes, and a drafted
paragraph for the "Về xã hội số" / "Phong trào Bình dân học vụ số" section. Every
number comes from :class:`~api.analytics.service.Analytics`, the daily tables and the
unanswered inbox; nothing is estimated.

Comparison periods are :meth:`Filters.previous_period` and
:meth:`Filters.same_period_last_year`: calendar months for a period of whole months
("quý trước" is 01/04–30/06 for the third quarter), else the same number of days.

Rates ("tỷ lệ") are compared in percentage points ("điểm %"), counts in per cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from api.accuracy.service import monthly
from api.analytics.community import community_figures
from api.analytics.filters import Filters
from api.analytics.inbox import SCAN_LIMIT, inbox, is_payload
from api.analytics.safety import content_figures, scam_figures
from api.analytics.service import (
    UNKNOWN,
    UNKNOWN_TOPIC_LABEL,
    Analytics,
)
from api.core.db import read_together
from api.knowledge.schemas import Taxonomy
from api.places.models import Commune, Province
from api.querylog.rollup import VIETNAM_TZ

ASSISTANT = "Trợ lý Bình dân học vụ số"
SOURCE = "Nhật ký hỏi đáp của Trợ lý Bình dân học vụ số"
TITLE = "BÁO CÁO KẾT QUẢ HOẠT ĐỘNG CỦA TRỢ LÝ BÌNH DÂN HỌC VỤ SỐ"
COUNTRY = "Toàn quốc"
CHANNEL_LABELS = {"web": "Trang web", "telegram": "Telegram", "zalo": "Zalo"}
# Topics that say nothing about what citizens asked, left out of "hỏi nhiều nhất về".
SMALL_TALK_TOPICS = frozenset({UNKNOWN, "out_of_scope", "smalltalk", "citizen_place"})
TOP_TOPICS = 3
TOP_THEMES = 3
MAX_THEMES = 30
THEME_SAMPLE_CHARS = 80

THEMES_NOTE = (
    "Các câu hỏi có nội dung tương tự được gộp thành một nhóm; chỉ gồm các lượt"
    " còn lưu trong nhật ký (nội dung đã được che thông tin cá nhân)."
)


class ReportRequestError(ValueError):
    """A report asked for an unknown place, invalid dates or an unknown file type
    (the message is Vietnamese, for the person who asked)."""


# --- formatting ------------------------------------------------------------------


def format_number(value: int) -> str:
    """Vietnamese grouping: 1234567 -> "1.234.567"."""
    return f"{value:,}".replace(",", ".")


def format_percent(fraction: float, digits: int = 1) -> str:
    """Vietnamese per cent: 0.8521 -> "85,2%"."""
    return f"{fraction * 100:.{digits}f}".replace(".", ",") + "%"


def format_date(day: date) -> str:
    """dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def format_period(start: date, end: date) -> str:
    """The period as reports write it: 01/07/2026–30/09/2026."""
    return f"{format_date(start)}–{format_date(end)}"


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _lower_kind(name: str) -> str:
    """A place's kind in lower case inside a sentence: "Tỉnh Hà Tĩnh" -> "tỉnh Hà Tĩnh"."""
    return name[:1].lower() + name[1:]


# --- comparison periods ----------------------------------------------------------


def previous_period_name(f: Filters) -> str:
    """How a sentence names the previous period: "tháng trước", "quý trước", ...."""
    months = f.whole_months
    if months == 1:
        return "tháng trước"
    if months == 3 and f.start.month in (1, 4, 7, 10):
        return "quý trước"
    if months == 6 and f.start.month in (1, 7):
        return "6 tháng trước"
    return "kỳ trước"


# --- the report ------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """The place a report covers (a commune, a province, or the whole country)."""

    province_code: str | None = None
    province_name: str | None = None  # with its kind: "Tỉnh Hà Tĩnh"
    commune_code: str | None = None
    commune_name: str | None = None  # with its kind: "Phường Thành Sen"

    @property
    def label(self) -> str:
        """The area for a header: "Phường Thành Sen, Tỉnh Hà Tĩnh", "Toàn quốc"."""
        names = [n for n in (self.commune_name, self.province_name) if n]
        return ", ".join(names) or COUNTRY

    @property
    def in_sentence(self) -> str:
        """The area inside a sentence: " trên địa bàn tỉnh Hà Tĩnh" ("" for the country)."""
        names = [_lower_kind(n) for n in (self.commune_name, self.province_name) if n]
        return f" trên địa bàn {', '.join(names)}" if names else ""


def describe_area(session: Session, f: Filters) -> Area:
    """Names of the province and commune of ``f`` (the commune gives its province)."""
    commune = session.get(Commune, f.commune) if f.commune else None
    province_code = f.province or (commune.province_code if commune else None)
    province = session.get(Province, province_code) if province_code else None
    return Area(
        province_code=province_code,
        province_name=province.full_name if province else province_code,
        commune_code=f.commune,
        commune_name=commune.name if commune else f.commune,
    )


@dataclass(frozen=True)
class Counts:
    """Turns by outcome, citizens and feedback for one period."""

    turns: int = 0
    citizens: int = 0
    answered: int = 0
    unsure: int = 0
    out_of_scope: int = 0
    helpful: int = 0
    not_helpful: int = 0

    @property
    def unanswered(self) -> int:
        """Turns the assistant could not answer (unsure or out of scope)."""
        return self.unsure + self.out_of_scope

    @property
    def other(self) -> int:
        """Errors, undelivered replies and rejected messages."""
        return self.turns - self.answered - self.unanswered

    @property
    def rated(self) -> int:
        """Turns a citizen rated."""
        return self.helpful + self.not_helpful

    @classmethod
    def of(cls, analytics: Analytics, periods: list[Filters]) -> list[Counts]:
        """The counts for each of ``periods`` (read together)."""
        return [
            cls(
                turns=int(totals["turns"]),
                citizens=int(totals["citizens"]),
                answered=int(totals["outcomes"]["answered"]),
                unsure=int(totals["outcomes"]["unsure"]),
                out_of_scope=int(totals["outcomes"]["out_of_scope"]),
                helpful=int(totals["feedback"]["helpful"]),
                not_helpful=int(totals["feedback"]["not_helpful"]),
            )
            for totals in analytics.totals_of(periods)
        ]


@dataclass(frozen=True)
class Figure:
    """One line of the figures table, for the period and the three comparisons."""

    key: str
    label: str
    kind: str  # "count" (an int) or "rate" (a fraction 0..1, None without data)
    current: float | None
    previous: float | None
    last_year: float | None
    year_to_date: float | None
    # For rates: (part, whole) for each period, in the order above.
    parts: tuple[tuple[int, int], ...] = ()

    def change(self, base: float | None) -> float | None:
        """Change from ``base``: a fraction for counts (0.125 = +12,5%), percentage
        points for rates (3.2 = +3,2 điểm %); None when there is nothing to compare
        with (a count of 0, or a rate without data)."""
        if self.current is None or base is None:
            return None
        if self.kind == "rate":
            return (self.current - base) * 100
        return (self.current - base) / base if base else None

    @property
    def change_previous(self) -> float | None:
        """Change from the previous period."""
        return self.change(self.previous)

    @property
    def change_last_year(self) -> float | None:
        """Change from the same period last year."""
        return self.change(self.last_year)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (rates rounded to 4 places, changes to 4)."""

        def value(v: float | None) -> float | None:
            return round(v, 4) if v is not None and self.kind == "rate" else v

        def rounded(v: float | None) -> float | None:
            return round(v, 4) if v is not None else None

        out: dict[str, Any] = {
            "label": self.label,
            "kind": self.kind,
            "current": value(self.current),
            "previous": value(self.previous),
            "change_previous": rounded(self.change_previous),
            "last_year": value(self.last_year),
            "change_last_year": rounded(self.change_last_year),
            "year_to_date": value(self.year_to_date),
        }
        if self.parts:
            keys = ("current", "previous", "last_year", "year_to_date")
            out["parts"] = {k: list(p) for k, p in zip(keys, self.parts, strict=True)}
        return out


FIGURE_LABELS = {
    "turns": "Số lượt câu hỏi",
    "citizens": "Số người dân đặt câu hỏi",
    "answered": "Số lượt được trả lời",
    "answered_rate": "Tỷ lệ trả lời được",
    "unanswered": "Số lượt chưa được giải đáp",
    "unsure": "- Trong đó: trợ lý chưa đủ chắc chắn",
    "out_of_scope": "- Trong đó: ngoài phạm vi hỗ trợ",
    "other": "Số lượt lỗi hoặc tin nhắn không được xử lý",
    "rated": "Số lượt người dân đánh giá câu trả lời",
    "helpful_rate": "Tỷ lệ đánh giá hữu ích",
}


def _figures(periods: list[Counts]) -> list[Figure]:
    """The figures table from the counts of (period, previous, last year, YTD)."""

    def count(key: str) -> Figure:
        now, previous, last_year, ytd = (int(getattr(c, key)) for c in periods)
        return Figure(key, FIGURE_LABELS[key], "count", now, previous, last_year, ytd)

    def rate(key: str, part: str, whole: str) -> Figure:
        pairs = tuple((int(getattr(c, part)), int(getattr(c, whole))) for c in periods)
        now, previous, last_year, ytd = (ratio(p, w) for p, w in pairs)
        return Figure(
            key, FIGURE_LABELS[key], "rate", now, previous, last_year, ytd, pairs
        )

    return [
        count("turns"),
        count("citizens"),
        count("answered"),
        rate("answered_rate", "answered", "turns"),
        count("unanswered"),
        count("unsure"),
        count("out_of_scope"),
        count("other"),
        count("rated"),
        rate("helpful_rate", "helpful", "rated"),
    ]


@dataclass(frozen=True)
class BreakdownRow:
    """Turns of one commune, province, pillar or topic."""

    code: str | None
    label: str
    turns: int
    answered: int
    citizens: int | None = None
    unsure: int = 0
    out_of_scope: int = 0
    group: str | None = None  # a topic's pillar label

    @property
    def answered_rate(self) -> float | None:
        """Answered turns / turns."""
        return ratio(self.answered, self.turns)

    def share(self, total: int) -> float | None:
        """This row's turns / all turns."""
        return ratio(self.turns, total)

    def to_dict(self, total: int) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {
            "code": self.code,
            "label": self.label,
            "turns": self.turns,
            "answered": self.answered,
            "answered_rate": _round(self.answered_rate),
            "share": _round(self.share(total)),
        }
        if self.citizens is not None:
            out["citizens"] = self.citizens
        if self.group is not None:
            out.update(
                pillar=self.group, unsure=self.unsure, out_of_scope=self.out_of_scope
            )
        return out


def _round(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


@dataclass(frozen=True)
class Theme:
    """A group of similar unanswered messages (from the unanswered inbox)."""

    count: int
    sample: str
    others: list[str]
    unsure: int
    out_of_scope: int
    first_at: datetime
    last_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "count": self.count,
            "sample": self.sample,
            "others": self.others,
            "unsure": self.unsure,
            "out_of_scope": self.out_of_scope,
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
        }


@dataclass
class Report:
    """Everything one report shows."""

    filters: Filters
    area: Area
    generated_at: datetime
    previous: Filters
    last_year: Filters
    year_to_date: Filters
    counts: list[Counts]  # period, previous, last year, year to date
    figures: list[Figure]
    place_level: str  # "commune" or "province"
    places: list[BreakdownRow]
    pillars: list[BreakdownRow]
    topics: list[BreakdownRow]
    themes: list[Theme]
    # False: more unanswered messages than the inbox groups at a time (SCAN_LIMIT);
    # the themes are those of the newest.
    themes_complete: bool
    # The community teams' work (api.analytics.community.community_figures).
    community: dict[str, Any] = field(default_factory=dict)
    # Scam warnings given (api.analytics.safety.scam_figures) and the state of the
    # answers (content_figures).
    safety: dict[str, Any] = field(default_factory=dict)
    content: dict[str, Any] = field(default_factory=dict)
    # Staff verdicts on the weekly samples of answered turns answered in the period,
    # assistant-wide (api.accuracy.service.monthly "overall").
    accuracy: dict[str, Any] = field(default_factory=dict)
    paragraph: str = field(default="")

    @property
    def themes_note(self) -> str:
        """How the unanswered themes were drawn, for the reader of the report."""
        if self.themes_complete:
            return THEMES_NOTE
        limit = format_number(SCAN_LIMIT)
        return (
            f"{THEMES_NOTE} Kỳ này có hơn {limit} lượt chưa được giải đáp: các nhóm"
            f" được lập từ {limit} lượt gần nhất."
        )

    @property
    def current(self) -> Counts:
        """The counts of the period itself."""
        return self.counts[0]

    @property
    def filename_stem(self) -> str:
        """The download's file name without extension: bao-cao-tro-ly-<from>-<to>."""
        f = self.filters
        return f"bao-cao-tro-ly-{f.start.isoformat()}-{f.end.isoformat()}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the summary route)."""
        total = self.current.turns

        def period(f: Filters) -> dict[str, str]:
            return {"from": f.start.isoformat(), "to": f.end.isoformat()}

        return {
            "period": period(self.filters),
            "filters": self.filters.echo(),
            "area": {
                "label": self.area.label,
                "province_code": self.area.province_code,
                "province_name": self.area.province_name,
                "commune_code": self.area.commune_code,
                "commune_name": self.area.commune_name,
            },
            "comparison": {
                "previous": period(self.previous),
                "last_year": period(self.last_year),
                "year_to_date": period(self.year_to_date),
            },
            "generated_at": self.generated_at.isoformat(),
            "source": SOURCE,
            "paragraph": self.paragraph,
            "figures": {f.key: f.to_dict() for f in self.figures},
            "place_level": self.place_level,
            "places": [r.to_dict(total) for r in self.places],
            "pillars": [r.to_dict(total) for r in self.pillars],
            "topics": [r.to_dict(total) for r in self.topics],
            "unanswered": [t.to_dict() for t in self.themes],
            "unanswered_note": self.themes_note,
            "community": self.community,
            "safety": self.safety,
            "content": self.content,
            "accuracy": self.accuracy,
        }


# --- building --------------------------------------------------------------------


def place_breakdown(analytics: Analytics, f: Filters, level: str) -> list[BreakdownRow]:
    """Turns, answered turns and citizens per commune (or province) with activity in
    ``f``, most active first; turns without a known place last ("Chưa rõ địa bàn")."""
    out = [
        BreakdownRow(
            code=item["code"],
            label=item["name"],
            turns=int(item["turns"]),
            answered=int(item["answered"]),
            citizens=int(item["citizens"]),
        )
        for item in analytics.place_counts(f, level, None)
    ]
    return sorted(out, key=lambda r: (r.code is None, -r.turns, r.label))


def topic_breakdown(
    analytics: Analytics, taxonomy: Taxonomy, f: Filters
) -> tuple[list[BreakdownRow], list[BreakdownRow]]:
    """(pillars in taxonomy order, topics most asked first) with answered turns."""
    labels = {**taxonomy.pillars, UNKNOWN: UNKNOWN_TOPIC_LABEL}
    topics = []
    pillar_turns = dict.fromkeys(labels, 0)
    pillar_answered = dict.fromkeys(labels, 0)
    for item in analytics.topic_counts(f):
        pillar = item["pillar"] if item["pillar"] in labels else UNKNOWN
        turns, answered = int(item["turns"]), int(item["answered"])
        pillar_turns[pillar] += turns
        pillar_answered[pillar] += answered
        topics.append(
            BreakdownRow(
                code=item["topic"],
                label=item["label"],
                turns=turns,
                answered=answered,
                unsure=int(item["unsure"]),
                out_of_scope=int(item["out_of_scope"]),
                group=labels[pillar],
            )
        )
    pillars = [
        BreakdownRow(code, label, pillar_turns[code], pillar_answered[code])
        for code, label in labels.items()
    ]
    return pillars, topics


def unanswered_themes(
    session: Session, f: Filters, limit: int
) -> tuple[list[Theme], bool]:
    """The biggest groups of unsure and out-of-scope messages in ``f`` (reviewed or
    not), from the unanswered inbox (turns still in the log only), and whether they
    were grouped from all of them."""
    found = inbox(session, f, "all", limit)
    themes = []
    for group in found["groups"]:
        texts = list(group["sample_texts"])
        if all(is_payload(t) for t in texts):
            continue  # a stale button tapped, not a question to report
        themes.append(
            Theme(
                count=int(group["count"]),
                sample=texts[0] if texts else "",
                others=texts[1:],
                unsure=int(group["outcomes"].get("unsure", 0)),
                out_of_scope=int(group["outcomes"].get("out_of_scope", 0)),
                first_at=datetime.fromisoformat(group["first_at"]),
                last_at=datetime.fromisoformat(group["last_at"]),
            )
        )
    return themes, bool(found["complete"])


def build_report(
    session: Session,
    taxonomy: Taxonomy,
    f: Filters,
    now: datetime | None = None,
) -> Report:
    """The report for the period and area of ``f``."""
    periods = [f, f.previous_period(), f.same_period_last_year(), f.year_to_date()]
    level = "commune" if f.province or f.commune else "province"

    def figures(s: Session) -> tuple[list[Counts], Any, Area]:
        analytics = Analytics(s, taxonomy)
        return (
            Counts.of(analytics, periods),
            topic_breakdown(analytics, taxonomy, f),
            describe_area(s, f),
        )

    def places(s: Session) -> list[BreakdownRow]:
        return place_breakdown(Analytics(s, taxonomy), f, level)

    def unanswered_and_community(
        s: Session,
    ) -> tuple[
        list[Theme],
        bool,
        dict[str, Any],
        dict[str, Any],
        dict[str, Any],
        dict[str, Any],
    ]:
        themes, complete = unanswered_themes(s, f, MAX_THEMES)
        return (
            themes,
            complete,
            community_figures(s, f, level),
            scam_figures(s, f),
            content_figures(s, f, f.end),
            monthly(s, f.start, f.end)["overall"],
        )

    # Three parts of about the same cost, read at the same time from one snapshot.
    (
        (counts, (pillars, topics), area),
        place_rows,
        (themes, complete, community, safety, content, accuracy),
    ) = read_together(session, [figures, places, unanswered_and_community])
    report = Report(
        filters=f,
        area=area,
        generated_at=(now or datetime.now(VIETNAM_TZ))
        .astimezone(VIETNAM_TZ)
        .replace(microsecond=0),
        previous=periods[1],
        last_year=periods[2],
        year_to_date=periods[3],
        counts=counts,
        figures=_figures(counts),
        place_level=level,
        places=place_rows,
        pillars=pillars,
        topics=topics,
        themes=themes,
        themes_complete=complete,
        community=community,
        safety=safety,
        content=content,
        accuracy=accuracy,
    )
    report.paragraph = draft_paragraph(report)
    return report


# --- the paragraph ---------------------------------------------------------------


def _trend(current: int, base: int, against: str) -> str | None:
    """The change as words, e.g. "tăng 12,5% so với cùng kỳ năm trước" (None when the
    base is 0)."""
    if not base:
        return None
    if current == base:
        return f"bằng {against}"
    change = (current - base) / base
    word = "tăng" if change > 0 else "giảm"
    return f"{word} {format_percent(abs(change))} so với {against}"


def _answered_phrase(part: int, whole: int) -> str:
    """Answered turns as reports write them: 1.050/1.234 lượt (đạt 85,1%)."""
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
    channel = (
        f" qua kênh {CHANNEL_LABELS.get(f.channel, f.channel)}" if f.channel else ""
    )
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
                    f"{format_number(now.unsure)} lượt trợ lý chưa đủ chắc chắn"
                    if now.unsure
                    else "",
                    f"{format_number(now.out_of_scope)} lượt ngoài phạm vi hỗ trợ"
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
        " điều người dân hỏi (khoảng tin cậy 95%:"
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
        if tickets.get("median_minutes_to_first_reply") is not None:
            sentence += (
                "; thời gian phản hồi lần đầu trung bình (trung vị) khoảng"
                f" {_duration(tickets['median_minutes_to_first_reply'])}"
            )
        sentences.append(sentence + ".")
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
