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

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import xlsxwriter  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from api.accuracy.service import monthly
from api.analytics.community import community_figures
from api.analytics.filters import Filters
from api.analytics.inbox import SCAN_LIMIT, inbox, is_payload
from api.analytics.safety import KIND_LABELS, content_figures, scam_figures
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
    "Trợ lý chưa đủ chắc chắn",
    "Ngoài phạm vi hỗ trợ",
    "Tỷ lệ trả lời được",
    "Tỷ trọng",
)
THEME_COLUMNS = (
    "STT",
    "Câu hỏi tiêu biểu",
    "Số lượt",
    "Trợ lý chưa đủ chắc chắn",
    "Ngoài phạm vi hỗ trợ",
    "Câu hỏi tương tự",
    "Lần đầu",
    "Lần cuối",
)
TOTAL_LABEL = "Tổng cộng"
THEMES_NOTE = (
    "Các câu hỏi có nội dung tương tự được gộp thành một nhóm; chỉ gồm các lượt"
    " còn lưu trong nhật ký (nội dung đã được che thông tin cá nhân)."
)
NO_BASE = "—"

# Excel number formats (Excel shows them with the reader's separators: 1.234; 85,2%).
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.0%"
CHANGE_FORMAT = "+0.0%;-0.0%;0.0%"
POINTS_FORMAT = '+0.0" điểm %";-0.0" điểm %";0.0" điểm %"'
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


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


def _ratio(part: int, whole: int) -> float | None:
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
        now, previous, last_year, ytd = (_ratio(p, w) for p, w in pairs)
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
        return _ratio(self.answered, self.turns)

    def share(self, total: int) -> float | None:
        """This row's turns / all turns."""
        return _ratio(self.turns, total)

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
    rate = _ratio(part, whole) or 0.0
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


def community_tables(
    community: dict[str, Any],
) -> list[tuple[str, tuple[str, ...], list[list[Any]]]]:
    """The community teams' figures as titled tables (the XLSX sheet and the CSV
    show the same ones)."""
    tickets, assisted = community["tickets"], community["assisted"]
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
                ["Đang chờ Tổ nhận", tickets["waiting"]],
                ["Đang xử lý", tickets["claimed"]],
                ["Đã đóng", tickets["closed"]],
                [
                    "Đã giải quyết (hướng dẫn, hỗ trợ trực tiếp, chuyển cơ quan khác)",
                    tickets["resolved"],
                ],
                ["Tỷ lệ giải quyết (%)", _percent(tickets["resolved_rate"])],
                ["Quá hạn chưa nhận, đã báo lên tỉnh", tickets["escalated"]],
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
            ],
        ),
        (
            f"Yêu cầu hỗ trợ theo {place}",
            (place_column, "Yêu cầu", "Đã đóng"),
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


def _is_small_talk(row: BreakdownRow) -> bool:
    """Greetings, place answers, out-of-scope and unknown topics."""
    return row.code in SMALL_TALK_TOPICS


# --- writers ---------------------------------------------------------------------

_HEADER_FILL = "#DDEBF7"


class _Sheet:
    """One worksheet, addressed from row 1 / column 1 as the report reads, with the
    workbook's formats made once per combination. Text is always written as text:
    a citizen's message starting with "=" or holding a URL stays as typed."""

    def __init__(self, workbook: Any, title: str, formats: dict[Any, Any]) -> None:
        self._workbook = workbook
        self._sheet = workbook.add_worksheet(title)
        self._formats = formats

    def style(self, **properties: Any) -> Any:
        """The workbook's format with these XlsxWriter properties (None: none)."""
        if not properties:
            return None
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self._workbook.add_format(properties)
        return self._formats[key]

    def text(self, row: int, column: int, value: str | None, **style: Any) -> None:
        """A string (None: the cell stays empty)."""
        if value is not None:
            self._sheet.write_string(row - 1, column - 1, value, self.style(**style))

    def put(
        self, row: int, column: int, value: Any, number_format: str, **style: Any
    ) -> None:
        """A number (or a date) with its format, or "—" when there is none."""
        if value is None:
            self.text(row, column, NO_BASE, align="right", **style)
        elif isinstance(value, datetime):
            format_ = self.style(num_format=number_format, **style)
            self._sheet.write_datetime(row - 1, column - 1, value, format_)
        else:
            format_ = self.style(num_format=number_format, **style)
            self._sheet.write_number(row - 1, column - 1, value, format_)

    def header(self, row: int, titles: Iterable[str]) -> None:
        for column, title in enumerate(titles, 1):
            self.text(
                row,
                column,
                title,
                bold=True,
                bg_color=_HEADER_FILL,
                pattern=1,
                text_wrap=True,
                valign="vcenter",
            )

    def paragraph(self, row: int, columns: int, value: str) -> None:
        """Text across ``columns`` merged cells, tall enough to read."""
        format_ = self.style(text_wrap=True, valign="top")
        self._sheet.merge_range(row - 1, 0, row - 1, columns - 1, "", format_)
        self._sheet.write_string(row - 1, 0, value, format_)
        self._sheet.set_row(row - 1, 15 * (len(value) // 110 + 2))

    def widths(self, widths: Iterable[float]) -> None:
        for column, width in enumerate(widths):
            self._sheet.set_column(column, column, width)

    def freeze_header(self) -> None:
        self._sheet.freeze_panes(1, 0)


def _naive(moment: datetime) -> datetime:
    """Vietnam local time without a zone (Excel has no time zones)."""
    return moment.astimezone(VIETNAM_TZ).replace(tzinfo=None)


def _header_block(report: Report) -> list[tuple[str, str]]:
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
        lines.append(("Kênh", CHANNEL_LABELS.get(f.channel, f.channel)))
    lines.append(("Nguồn số liệu", SOURCE))
    return lines


def _summary_sheet(sheet: _Sheet, report: Report) -> None:
    sheet.text(1, 1, TITLE, bold=True, font_size=14)
    row = 3
    for label, value in _header_block(report):
        sheet.text(row, 1, label, bold=True)
        sheet.text(row, 2, value)
        row += 1
    sheet.text(row, 1, "Ngày lập", bold=True)
    sheet.put(row, 2, _naive(report.generated_at), DATETIME_FORMAT, align="left")
    row += 2
    sheet.header(row, FIGURE_COLUMNS)
    for figure in report.figures:
        row += 1
        sheet.text(row, 1, figure.label)
        value_format = RATE_FORMAT if figure.kind == "rate" else COUNT_FORMAT
        change_format = POINTS_FORMAT if figure.kind == "rate" else CHANGE_FORMAT
        sheet.put(row, 2, figure.current, value_format)
        sheet.put(row, 3, figure.previous, value_format)
        sheet.put(row, 4, figure.change_previous, change_format)
        sheet.put(row, 5, figure.last_year, value_format)
        sheet.put(row, 6, figure.change_last_year, change_format)
        sheet.put(row, 7, figure.year_to_date, value_format)
    row += 2
    sheet.text(row, 1, "Về xã hội số - Phong trào Bình dân học vụ số", bold=True)
    sheet.paragraph(row + 1, len(FIGURE_COLUMNS), report.paragraph)
    rows = safety_rows(report)
    if rows:
        row += 3
        sheet.text(row, 1, SAFETY_SECTION, bold=True)
        sheet.header(row + 1, SAFETY_COLUMNS)
        row += 1
        for name, count in rows:
            row += 1
            sheet.text(row, 1, name)
            sheet.put(row, 2, count, COUNT_FORMAT)
    sheet.widths((46, 16, 16, 18, 18, 18, 18))


SAFETY_SECTION = "An toàn và nội dung"
SAFETY_COLUMNS = ("Nội dung", "Số lượng")


def safety_rows(report: Report) -> list[tuple[str, int]]:
    """Scam warnings by kind and the state of the answers, as (label, count)."""
    safety, content = report.safety, report.content
    if not (safety or content):
        return []
    rows = [("Lượt cảnh báo lừa đảo", int(safety.get("alerts", 0)))]
    rows += [
        (f"Cảnh báo: {KIND_LABELS.get(kind, kind)}", int(count))
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


def _breakdown_sheet(sheet: _Sheet, report: Report) -> None:
    total = report.current.turns
    sheet.header(1, PLACE_COLUMNS)
    row = 1
    for place in report.places:
        row += 1
        sheet.text(row, 1, place.code)
        sheet.text(row, 2, place.label)
        sheet.put(row, 3, place.turns, COUNT_FORMAT)
        sheet.put(row, 4, place.citizens, COUNT_FORMAT)
        sheet.put(row, 5, place.answered, COUNT_FORMAT)
        sheet.put(row, 6, place.answered_rate, RATE_FORMAT)
        sheet.put(row, 7, place.share(total), RATE_FORMAT)
    row += 1
    now = report.current
    sheet.text(row, 2, TOTAL_LABEL, bold=True)
    sheet.put(row, 3, now.turns, COUNT_FORMAT, bold=True)
    sheet.put(row, 4, now.citizens, COUNT_FORMAT, bold=True)
    sheet.put(row, 5, now.answered, COUNT_FORMAT, bold=True)
    sheet.put(row, 6, _ratio(now.answered, now.turns), RATE_FORMAT, bold=True)
    sheet.put(row, 7, 1.0 if now.turns else None, RATE_FORMAT, bold=True)
    sheet.freeze_header()
    sheet.widths((10, 36, 16, 14, 18, 16, 12))


def _topics_sheet(sheet: _Sheet, report: Report) -> None:
    total = report.current.turns
    sheet.header(1, PILLAR_COLUMNS)
    row = 1
    for pillar in report.pillars:
        row += 1
        sheet.text(row, 1, pillar.label)
        sheet.put(row, 2, pillar.turns, COUNT_FORMAT)
        sheet.put(row, 3, pillar.answered, COUNT_FORMAT)
        sheet.put(row, 4, pillar.answered_rate, RATE_FORMAT)
        sheet.put(row, 5, pillar.share(total), RATE_FORMAT)
    row += 2
    sheet.header(row, TOPIC_COLUMNS)
    for topic in report.topics:
        row += 1
        sheet.text(row, 1, topic.label)
        sheet.text(row, 2, topic.group)
        sheet.put(row, 3, topic.turns, COUNT_FORMAT)
        sheet.put(row, 4, topic.answered, COUNT_FORMAT)
        sheet.put(row, 5, topic.unsure, COUNT_FORMAT)
        sheet.put(row, 6, topic.out_of_scope, COUNT_FORMAT)
        sheet.put(row, 7, topic.answered_rate, RATE_FORMAT)
        sheet.put(row, 8, topic.share(total), RATE_FORMAT)
    sheet.widths((44, 30, 16, 18, 18, 16, 16, 12))


def _themes_sheet(sheet: _Sheet, report: Report) -> None:
    sheet.header(1, THEME_COLUMNS)
    row = 1
    for number, theme in enumerate(report.themes, 1):
        row += 1
        sheet.put(row, 1, number, "0")
        sheet.text(row, 2, theme.sample, text_wrap=True, valign="top")
        sheet.put(row, 3, theme.count, COUNT_FORMAT)
        sheet.put(row, 4, theme.unsure, COUNT_FORMAT)
        sheet.put(row, 5, theme.out_of_scope, COUNT_FORMAT)
        sheet.text(row, 6, "\n".join(theme.others), text_wrap=True, valign="top")
        sheet.put(row, 7, _naive(theme.first_at), DATE_FORMAT)
        sheet.put(row, 8, _naive(theme.last_at), DATE_FORMAT)
    if not report.themes:
        row += 1
        sheet.text(row, 2, "Không có câu hỏi chưa được giải đáp trong kỳ.")
    sheet.text(row + 2, 2, report.themes_note, italic=True)
    sheet.freeze_header()
    sheet.widths((6, 60, 10, 16, 16, 60, 12, 12))


def _community_sheet(sheet: _Sheet, report: Report) -> None:
    row = 0
    for title, columns, rows in community_tables(report.community):
        row += 1
        sheet.text(row, 1, title, bold=True)
        row += 1
        sheet.header(row, columns)
        for values in rows:
            row += 1
            for column, value in enumerate(values, 1):
                if isinstance(value, str):
                    sheet.text(row, column, value, text_wrap=True, valign="top")
                else:
                    sheet.put(row, column, value, COUNT_FORMAT)
        if not rows:
            row += 1
            sheet.text(row, 1, "Không có số liệu trong kỳ.")
        row += 1
    sheet.widths((60, 14, 14))


def write_xlsx(report: Report, target: str | Path | IO[bytes]) -> None:
    """Writes the report as an Excel workbook (a path or a binary stream)."""
    places = SHEET_COMMUNES if report.place_level == "commune" else SHEET_PROVINCES
    workbook = xlsxwriter.Workbook(
        str(target) if isinstance(target, (str, Path)) else target,
        {"in_memory": True},
    )
    formats: dict[Any, Any] = {}
    for title, fill in (
        (SHEET_SUMMARY, _summary_sheet),
        (places, _breakdown_sheet),
        (SHEET_TOPICS, _topics_sheet),
        (SHEET_UNANSWERED, _themes_sheet),
        (SHEET_COMMUNITY, _community_sheet),
    ):
        fill(_Sheet(workbook, title, formats), report)
    workbook.close()


def _percent(value: float | None) -> float | str:
    """A fraction as a per-cent number with one decimal (85.2), or "—"."""
    return NO_BASE if value is None else round(value * 100, 1)


def _csv_value(value: float | None, rate: bool) -> float | int | str:
    """A figure for the CSV: a count, or a rate in per cent (85.2)."""
    if rate:
        return _percent(value)
    return NO_BASE if value is None else int(value)


def _csv_change(value: float | None, rate: bool) -> float | str:
    """A change for the CSV: per cent for counts, percentage points for rates."""
    if value is None:
        return NO_BASE
    return round(value, 1) if rate else round(value * 100, 1)


def _csv_rows(report: Report) -> list[list[Any]]:
    total = report.current.turns
    rows: list[list[Any]] = [[TITLE]]
    rows += [[label, value] for label, value in _header_block(report)]
    rows.append(["Ngày lập", report.generated_at.strftime("%d/%m/%Y %H:%M")])
    rows += [[], [SHEET_SUMMARY]]
    rows.append([FIGURE_COLUMNS[0], "Đơn vị", *FIGURE_COLUMNS[1:], "Đơn vị so sánh"])
    for figure in report.figures:
        rate = figure.kind == "rate"
        unit = "%" if rate else "người" if figure.key == "citizens" else "lượt"
        values = [
            _csv_value(figure.current, rate),
            _csv_value(figure.previous, rate),
            _csv_change(figure.change_previous, rate),
            _csv_value(figure.last_year, rate),
            _csv_change(figure.change_last_year, rate),
            _csv_value(figure.year_to_date, rate),
        ]
        change_unit = "điểm %" if rate else "%"
        rows.append([figure.label, unit, *values, change_unit])
    place_title = SHEET_COMMUNES if report.place_level == "commune" else SHEET_PROVINCES
    rows += [
        [],
        [place_title],
        [*PLACE_COLUMNS[:5], "Tỷ lệ trả lời được (%)", "Tỷ trọng (%)"],
    ]
    for place in report.places:
        rows.append(
            [
                place.code or "",
                place.label,
                place.turns,
                place.citizens,
                place.answered,
                _percent(place.answered_rate),
                _percent(place.share(total)),
            ]
        )
    now = report.current
    rows.append(
        [
            "",
            TOTAL_LABEL,
            now.turns,
            now.citizens,
            now.answered,
            _percent(_ratio(now.answered, now.turns)),
            _percent(1.0 if now.turns else None),
        ]
    )
    rows += [
        [],
        ["Theo trụ cột"],
        [*PILLAR_COLUMNS[:3], "Tỷ lệ trả lời được (%)", "Tỷ trọng (%)"],
    ]
    for pillar in report.pillars:
        rows.append(
            [
                pillar.label,
                pillar.turns,
                pillar.answered,
                _percent(pillar.answered_rate),
                _percent(pillar.share(total)),
            ]
        )
    rows += [
        [],
        ["Theo chủ đề"],
        [*TOPIC_COLUMNS[:6], "Tỷ lệ trả lời được (%)", "Tỷ trọng (%)"],
    ]
    for topic in report.topics:
        rows.append(
            [
                topic.label,
                topic.group,
                topic.turns,
                topic.answered,
                topic.unsure,
                topic.out_of_scope,
                _percent(topic.answered_rate),
                _percent(topic.share(total)),
            ]
        )
    rows += [[], [SHEET_UNANSWERED], list(THEME_COLUMNS)]
    for number, theme in enumerate(report.themes, 1):
        rows.append(
            [
                number,
                theme.sample,
                theme.count,
                theme.unsure,
                theme.out_of_scope,
                " | ".join(theme.others),
                format_date(_naive(theme.first_at)),
                format_date(_naive(theme.last_at)),
            ]
        )
    rows.append([report.themes_note])
    rows += [[], [SHEET_COMMUNITY]]
    for title, columns, table in community_tables(report.community):
        rows += [[title], list(columns), *table, []]
    extra = safety_rows(report)
    if extra:
        rows += [[], [SAFETY_SECTION], list(SAFETY_COLUMNS)]
        rows += [[label, value] for label, value in extra]
    rows += [[], ["Về xã hội số - Phong trào Bình dân học vụ số"], [report.paragraph]]
    return rows


# A cell a spreadsheet would read as a formula (OWASP "CSV injection"): also after
# leading spaces, which strip() removes on the way in.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_OWN_LABELS = frozenset(FIGURE_LABELS.values())


def csv_safe(value: Any) -> Any:
    """A text cell that starts like a formula, prefixed with a quote so that it
    stays text; numbers are kept as numbers. The report's own "- Trong đó" labels
    get an en dash instead, which no spreadsheet reads as a formula."""
    if not isinstance(value, str) or not value.lstrip(" ").startswith(_FORMULA_START):
        return value
    if value.startswith("- ") and value in _OWN_LABELS:
        return "–" + value[1:]
    return "'" + value


def write_csv(report: Report, target: str | Path | IO[bytes] | IO[str]) -> None:
    """Writes the report as CSV, one section after another, each with its header row.
    UTF-8 with a byte-order mark, so that Excel reads the Vietnamese text. Per-cent
    columns hold numbers such as 85.2 (their header or unit says "%")."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [csv_safe(cell) for cell in row] for row in _csv_rows(report)
    )
    text = "\ufeff" + buffer.getvalue()
    if isinstance(target, (str, Path)):
        Path(target).write_bytes(text.encode("utf-8"))
    elif isinstance(target, io.TextIOBase):
        target.write(text)
    else:
        target.write(text.encode("utf-8"))  # type: ignore[arg-type]
