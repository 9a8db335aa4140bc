"""The report's figures: the model a report is made of (the area, the counts of
each period, the figures table, the breakdown rows, the unanswered themes), the
period format (numbers and dates: api.core.labels), and the names of the comparison
periods.

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

from api.analytics.filters import Filters
from api.analytics.inbox import SCAN_LIMIT
from api.analytics.service import Analytics
from api.core.labels import OUTCOME_COLUMNS, format_date, format_number
from api.places.models import Commune, Province

SOURCE = "Nhật ký hỏi đáp của Trợ lý Bình dân học vụ số"
TITLE = "BÁO CÁO KẾT QUẢ HOẠT ĐỘNG CỦA TRỢ LÝ BÌNH DÂN HỌC VỤ SỐ"
COUNTRY = "Toàn quốc"
THEMES_NOTE = (
    "Các câu hỏi có nội dung tương tự được gộp thành một nhóm; chỉ gồm các lượt"
    " còn lưu trong nhật ký (nội dung đã được che thông tin cá nhân)."
)


class ReportRequestError(ValueError):
    """A report asked for an unknown place, invalid dates or an unknown file type
    (the message is Vietnamese, for the person who asked)."""


# --- formatting ------------------------------------------------------------------


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
    "unsure": "- Trong đó: " + OUTCOME_COLUMNS["unsure"].lower(),
    "out_of_scope": "- Trong đó: " + OUTCOME_COLUMNS["out_of_scope"].lower(),
    "other": "Số lượt lỗi hoặc tin nhắn không được xử lý",
    "rated": "Số lượt người dân đánh giá câu trả lời",
    "helpful_rate": "Tỷ lệ đánh giá hữu ích",
}


def figure_table(periods: list[Counts]) -> list[Figure]:
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
