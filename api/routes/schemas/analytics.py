"""The dashboard's figures (/api/staff/analytics/*), each for a period and area."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from api.handoff.models import Resolution
from api.helper_mode.models import ResidentGroup
from api.routes.schemas.common import Filters, Period, Schema

# A fraction 0..1 rounded to 4 places; null when there is nothing to divide by.
Rate = float | None


class Envelope(Schema):
    """The envelope of most figures: the period and the area asked for."""

    period: Period
    filters: Filters


# --- overview ------------------------------------------------------------------------


class OutcomeCounts(Schema):
    """Turns by how they ended for the citizen."""

    answered: int
    unsure: int = Field(description="an answer was offered, not sure enough")
    out_of_scope: int
    error: int = Field(description="Rasa did not answer in time")
    undelivered: int = Field(description="the channel did not take the reply")
    rejected: int = Field(
        description="not passed to the assistant: rate limit, too long, a sticker…"
    )


class OutcomeRates(Schema):
    """Shares of all turns."""

    answered: Rate
    unsure: Rate
    out_of_scope: Rate


class FeedbackTotals(Schema):
    """The citizens' "Hữu ích / Chưa hữu ích" taps."""

    helpful: int
    not_helpful: int
    helpful_rate: Rate = Field(description="helpful / (helpful + not_helpful)")


class Overview(Envelope):
    """The dashboard's cards."""

    turns: int
    citizens: int = Field(description="distinct citizens who wrote in the period")
    returning_citizens: int = Field(
        description="of them, those who wrote in the same area before the period"
    )
    new_citizens: int
    outcomes: OutcomeCounts
    rates: OutcomeRates
    feedback: FeedbackTotals


# --- volume, topics, pillars, channels, places ----------------------------------------


class VolumeBucket(Schema):
    """One day, week or month (the first and last cut to the period)."""

    start: date = Field(description="its first day (a Monday for weeks)")
    turns: int
    answered: int
    unsure: int
    out_of_scope: int
    citizens: int = Field(description="distinct citizens who wrote in it")


class Volume(Envelope):
    """Turns and citizens over time, every bucket of the period (zeros included)."""

    interval: Literal["day", "week", "month"]
    series: list[VolumeBucket]


class TopicCount(Schema):
    """Turns of one topic."""

    topic: str = Field(description='topic code, "unknown" when none')
    label: str
    pillar: str = Field(description="the công dân số pillar the topic belongs to")
    pillar_label: str
    turns: int
    answered: int
    unsure: int
    out_of_scope: int


class Topics(Envelope):
    """Turns per topic, most asked first."""

    items: list[TopicCount]


class PillarCount(Schema):
    """Turns of one công dân số pillar (or public services, safety, conversation)."""

    pillar: str
    label: str
    turns: int


class Pillars(Envelope):
    """Turns per pillar, every pillar listed."""

    items: list[PillarCount]


class ChannelCount(Schema):
    """Turns and distinct citizens of one channel."""

    channel: str = Field(description='"web", "telegram", "zalo" or "api"')
    turns: int
    citizens: int


class Channels(Envelope):
    """Turns per channel, the busiest first."""

    items: list[ChannelCount]


class PlaceCount(Schema):
    """Turns of one province or commune."""

    code: str | None = Field(description="null: turns whose place is not known")
    name: str
    province_code: str | None
    province_name: str | None
    turns: int
    answered: int
    citizens: int


class Places(Envelope):
    """The most active provinces or communes."""

    level: Literal["province", "commune"]
    items: list[PlaceCount]


# --- answers ------------------------------------------------------------------------


class TopQuestion(Schema):
    """An answer given often, with the ratings it got."""

    answer_id: str
    question: str | None = Field(description="null once the answer was removed")
    topic: str | None
    turns: int
    helpful: int
    not_helpful: int


class TopQuestions(Envelope):
    """The answers given most often."""

    topic: str | None = Field(description="the topic asked for, if any")
    items: list[TopQuestion]


class RatedAnswer(Schema):
    """An answer citizens rated."""

    answer_id: str
    question: str | None = Field(description="null once the answer was removed")
    topic: str | None
    helpful: int
    not_helpful: int
    helpful_rate: float


class Feedback(Envelope):
    """Rated answers, the least helpful first."""

    items: list[RatedAnswer]


# --- safety and content --------------------------------------------------------------


class RisingPlace(Schema):
    """A place whose scam warnings rose: at least 3 in the period's last 7 days, and
    at least twice those of the 7 days before."""

    province_code: str
    commune_code: str | None = Field(description="null: the commune is not known")
    this_week: int
    week_before: int
    kind: str = Field(description="the kind of scam most described this week")
    name: str = Field(description='"<commune>, <province>" or the province')


class RisingPlaceWithDraft(RisingPlace):
    """A rising place with the notice its residents could be sent."""

    notice_draft: str = Field(description="empty when seeds have no notice template")


class ScamFigures(Schema):
    """Scam warnings given (the report's part: no filters, no notice drafts)."""

    alerts: int
    kind_labels: dict[str, str] = Field(description="kind -> how staff read it")
    by_kind: dict[str, int] = Field(description="warnings per kind, most first")
    by_channel: dict[str, int] = Field(description="warnings per channel, most first")
    rising: list[RisingPlace]


class Safety(Schema):
    """Scam warnings given in the period and area, and the places where they rise."""

    filters: Filters
    alerts: int
    kind_labels: dict[str, str] = Field(description="kind -> how staff read it")
    by_kind: dict[str, int] = Field(description="warnings per kind, most first")
    by_channel: dict[str, int] = Field(description="warnings per channel, most first")
    rising: list[RisingPlaceWithDraft]


STALE = "verified more than 180 days ago: due for a check"
VERIFIED = "verified within the last 180 days"


class ContentState(Schema):
    """The answers' state at the period's end, and how often drafts were served in
    the period (the report's part)."""

    verified: int = Field(description=VERIFIED)
    draft: int
    stale: int = Field(description=STALE)
    answers_served: int
    answers_served_from_drafts: int


class Content(Schema):
    """The answers' state today, and how often drafts were served in the period."""

    filters: Filters
    verified: int = Field(description=VERIFIED)
    draft: int
    stale: int = Field(description=STALE)
    answers_served: int
    answers_served_from_drafts: int


# --- community teams ------------------------------------------------------------------


class ResolutionCount(Schema):
    """Closed tickets of one resolution."""

    resolution: Resolution
    label: str
    tickets: int


class PlaceTickets(Schema):
    """Tickets of one commune or province."""

    code: str
    name: str
    tickets: int
    closed: int


class TicketFigures(Schema):
    """Hand-off tickets opened in the period."""

    opened: int
    waiting: int = Field(description="open, nobody took it yet")
    claimed: int
    closed: int
    resolved: int = Field(description="closed as guided, met in person or referred")
    resolved_rate: Rate
    escalated: int = Field(
        description="not claimed in time: shown to the province's staff too"
    )
    by_reason: dict[str, int] = Field(
        description='"requested", "not_understood", "unhelpful" -> tickets'
    )
    by_resolution: list[ResolutionCount]
    satisfied: int = Field(description="citizens who tapped 'Hài lòng' after closing")
    unsatisfied: int
    satisfied_rate: Rate = Field(description="of those who answered")
    median_minutes_to_claim: float | None
    median_minutes_to_first_reply: float | None
    median_minutes_to_close: float | None


class TicketsByCommune(TicketFigures):
    """Tickets, with the communes that had any."""

    by_commune: list[PlaceTickets]


class TicketsByProvince(TicketFigures):
    """Tickets, with the provinces that had any."""

    by_province: list[PlaceTickets]


class GroupCount(Schema):
    """Residents assisted of one group."""

    group: ResidentGroup
    label: str
    residents: int


class TaskCount(Schema):
    """Residents assisted with one task."""

    task: str | None = Field(description='an answer id, "other", or null')
    label: str | None
    residents: int


class PlaceResidents(Schema):
    """Residents assisted in one commune or province."""

    code: str | None
    name: str | None
    residents: int


class AssistedFigures(Schema):
    """Residents a team member assisted in helper mode."""

    residents: int
    by_group: list[GroupCount]
    by_task: list[TaskCount]


class AssistedByCommune(AssistedFigures):
    """Assisted residents, by commune."""

    by_commune: list[PlaceResidents]


class AssistedByProvince(AssistedFigures):
    """Assisted residents, by province."""

    by_province: list[PlaceResidents]


class TripFigures(Schema):
    """Answers to "do you still have to go to the office?" after a procedure."""

    asked: int
    saved: int = Field(description="could do it online")
    visited: int = Field(description="still had to go")
    saved_rate: Rate = Field(description="saved / (saved + visited)")


class AfterHoursFigures(Schema):
    """Messages from communes a team serves, and those outside its office hours."""

    messages: int
    outside_office_hours: int
    outside_rate: Rate


class CommunityFigures(Envelope):
    """The community teams' work by commune."""

    place_level: Literal["commune"]
    tickets: TicketsByCommune
    assisted: AssistedByCommune
    trips: TripFigures
    after_hours: AfterHoursFigures


class ProvinceCommunityFigures(Envelope):
    """The community teams' work by province (a report of the whole country)."""

    place_level: Literal["province"]
    tickets: TicketsByProvince
    assisted: AssistedByProvince
    trips: TripFigures
    after_hours: AfterHoursFigures
