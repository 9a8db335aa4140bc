"""Answer accuracy (/api/staff/accuracy): the weekly sample and the monthly figures."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from api.accuracy.models import Verdict
from api.routes.schemas.common import Schema


class SampledTurn(Schema):
    """An answered turn of the weekly sample, and the staff verdict on it."""

    id: int
    answered_on: date
    question: str = Field(description="the citizen's message, masked")
    reply: str = Field(description="the assistant's reply, masked")
    answer_id: str
    answer_question: str | None = Field(
        description="the question of the answer given; null once it was removed"
    )
    verdict: Verdict | None = Field(description="null until judged")
    reviewed_by: str | None


class WeeklySample(Schema):
    """The week's random sample of answered turns."""

    week: date = Field(description="its Monday")
    week_end: date
    size: int
    reviewed: int = Field(description="turns of the sample judged so far")
    turns: list[SampledTurn]


class Figures(Schema):
    """Verdicts of a month or of the whole period."""

    reviewed: int
    right: int
    partly: int
    wrong: int
    accuracy: float | None = Field(description="right / reviewed; null without any")
    ci_low: float | None = Field(description="95 % Wilson interval, lower bound")
    ci_high: float | None = Field(description="95 % Wilson interval, upper bound")


class MonthFigures(Figures):
    """The verdicts on the turns answered in one month."""

    month: str = Field(description="YYYY-MM")


class AccuracyFigures(Schema):
    """Accuracy per month of the period, and over all of it."""

    months: list[MonthFigures]
    overall: Figures
