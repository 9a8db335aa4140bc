"""The report as JSON (/api/staff/reports/summary): the figures, breakdowns and
drafted paragraph of the XLSX/CSV report. The route writes the report's own
``to_dict()`` as it is (it is large); this schema documents it, and
tests/api/test_report.py checks the two agree."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.routes.schemas.accuracy import Figures as AccuracyTotals
from api.routes.schemas.analytics import (
    CommunityFigures,
    ContentState,
    ProvinceCommunityFigures,
    ScamFigures,
)
from api.routes.schemas.common import Filters, Period, Schema, Timestamp


class ReportArea(Schema):
    """The place the report covers."""

    label: str = Field(description='as in its header: "Phường …, Tỉnh …", "Toàn quốc"')
    province_code: str | None
    province_name: str | None
    commune_code: str | None
    commune_name: str | None


class Comparison(Schema):
    """The periods the figures are compared with."""

    previous: Period = Field(
        description="the months (or as many days) just before the period"
    )
    last_year: Period = Field(description="the same period one year earlier")
    year_to_date: Period = Field(description="1 January to the period's end")


class RateParts(Schema):
    """A rate's (part, whole) for the period and each comparison."""

    current: tuple[int, int]
    previous: tuple[int, int]
    last_year: tuple[int, int]
    year_to_date: tuple[int, int]


class ReportFigure(Schema):
    """One line of the figures table."""

    label: str
    kind: Literal["count", "rate"]
    current: float | None = Field(description="a count, or a rate 0..1 (4 places)")
    previous: float | None
    change_previous: float | None = Field(
        description="counts: a fraction (0.125 = +12.5 %); rates: percentage points;"
        " null when there is nothing to compare with"
    )
    last_year: float | None
    change_last_year: float | None
    year_to_date: float | None
    parts: RateParts | None = Field(default=None, description="rates only")


class BreakdownRow(Schema):
    """Turns of a pillar (the base of the place and topic rows)."""

    code: str | None
    label: str
    turns: int
    answered: int
    answered_rate: float | None
    share: float | None = Field(description="this row's turns / all turns")


class PlaceRow(BreakdownRow):
    """Turns of a commune or province."""

    citizens: int


class TopicRow(BreakdownRow):
    """Turns of a topic."""

    pillar: str = Field(description="its pillar's label")
    unsure: int
    out_of_scope: int


class Theme(Schema):
    """A group of similar unanswered messages."""

    count: int
    sample: str
    others: list[str]
    unsure: int
    out_of_scope: int
    first_at: Timestamp
    last_at: Timestamp


class ReportSummary(Schema):
    """Everything the report shows, for the period and area."""

    period: Period
    filters: Filters
    area: ReportArea
    comparison: Comparison
    generated_at: Timestamp
    source: str
    paragraph: str = Field(description="the drafted paragraph (Vietnamese)")
    figures: dict[str, ReportFigure] = Field(
        description="turns, citizens, answered, answered_rate, unanswered, unsure,"
        " out_of_scope, other, rated, helpful_rate -> the line"
    )
    place_level: Literal["commune", "province"]
    places: list[PlaceRow]
    pillars: list[BreakdownRow]
    topics: list[TopicRow]
    unanswered: list[Theme]
    unanswered_note: str
    community: CommunityFigures | ProvinceCommunityFigures
    safety: ScamFigures
    content: ContentState
    accuracy: AccuracyTotals = Field(
        description="staff verdicts on the turns answered in the period"
    )
