"""Query-log tables."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow, value_enum
from api.querylog.wording import message_words


class Outcome(str, enum.Enum):
    """How a turn ended, from the citizen's point of view."""

    ANSWERED = "answered"
    UNSURE = "unsure"
    OUT_OF_SCOPE = "out_of_scope"
    ERROR = "error"
    UNDELIVERED = "undelivered"
    # Not passed to the assistant: rate limit, too long, a photo or sticker, ...
    REJECTED = "rejected"


AREA_COLUMNS = ("channel", "province_code", "commune_code")


def _words_of_text(context: Any) -> str:
    """Column default: the words of the row's masked text."""
    return message_words(context.get_current_parameters()["text_masked"])


def _partial_index(name: str, key: str, where: str, *include: str) -> Index:
    """An index of the rows matching ``where`` (SQL), covering ``include`` on
    PostgreSQL."""
    return Index(
        name,
        key,
        postgresql_where=text(where),
        postgresql_include=list(include),
        sqlite_where=text(where),
    )


class Turn(Base):
    """One citizen message and the assistant's reply. Texts are masked."""

    __tablename__ = "querylog_turn"
    __table_args__ = (
        Index("ix_querylog_turn_created_at_topic", "created_at", "topic"),
        Index("ix_querylog_turn_user_created_at", "user_pseudonym", "created_at"),
        Index("ix_querylog_turn_answer_id_created_at", "answer_id", "created_at"),
        Index("ix_querylog_turn_outcome_created_at", "outcome", "created_at"),
        Index("ix_querylog_turn_commune_code_created_at", "commune_code", "created_at"),
        # Partial indexes holding what the per-answer figures and the unanswered
        # inbox read, so that a year of them does not scan the whole log.
        _partial_index(
            "ix_querylog_turn_answered",
            "created_at",
            "outcome = 'answered' AND answer_id IS NOT NULL",
            "answer_id",
            "topic",
            "feedback",
            *AREA_COLUMNS,
        ),
        _partial_index(
            "ix_querylog_turn_rated",
            "created_at",
            "feedback IS NOT NULL",
            "answer_id",
            "feedback",
            *AREA_COLUMNS,
        ),
        _partial_index(
            "ix_querylog_turn_unanswered",
            "id",
            "outcome IN ('unsure', 'out_of_scope')",
            "created_at",
            *AREA_COLUMNS,
            "outcome",
            "answer_id",
            "text_words",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    user_pseudonym: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str] = mapped_column(String(64))
    text_masked: Mapped[str] = mapped_column(Text)
    # api.querylog.wording.message_words(text_masked), for grouping similar messages:
    # set for every turn when it is logged (migration 0008 filled it for the unanswered
    # turns logged before, the only ones grouped).
    text_words: Mapped[str | None] = mapped_column(Text, default=_words_of_text)
    reply_masked: Mapped[str | None] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    topic: Mapped[str | None] = mapped_column(String(40))
    answer_id: Mapped[str | None] = mapped_column(String(32))
    answer_confidence: Mapped[float | None] = mapped_column(Float)
    # The answer given was a draft, not yet checked against its source page.
    answer_draft: Mapped[bool | None] = mapped_column(Boolean)
    outcome: Mapped[Outcome] = mapped_column(value_enum(Outcome))
    latency_ms: Mapped[int] = mapped_column(Integer)
    # Why a turn was rejected, failed or not delivered (e.g. "rate_limited").
    detail: Mapped[str | None] = mapped_column(String(40))
    feedback: Mapped[str | None] = mapped_column(String(16))
    # After a procedure answer: "pending" (web: asked once the answer is rated),
    # "asked", then the citizen's tap "online" (done without going to the office) or
    # "visit" (still had to go). None: not a procedure answer.
    trip: Mapped[str | None] = mapped_column(String(8))
    province_code: Mapped[str | None] = mapped_column(String(8))
    commune_code: Mapped[str | None] = mapped_column(String(8))
    # A random key given to the turn when it is handled: a turn queued while the
    # database was unreachable (api.querylog.pending) is written once, even if its
    # first write did reach the database. NULL for turns logged before it existed.
    turn_key: Mapped[str | None] = mapped_column(
        String(16), nullable=True, unique=True, index=True
    )


class DailyStat(Base):
    """Turns per Vietnam-local day and dimension (kept after turns are purged).

    Unknown dimensions are stored as "" so that they can be part of the key.
    """

    __tablename__ = "querylog_daily"
    __table_args__ = (
        Index("ix_querylog_daily_province_code_day", "province_code", "day"),
        Index("ix_querylog_daily_commune_code_day", "commune_code", "day"),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    turns: Mapped[int] = mapped_column(Integer)
    helpful: Mapped[int] = mapped_column(Integer)
    not_helpful: Mapped[int] = mapped_column(Integer)
    latency_ms_sum: Mapped[int] = mapped_column(Integer)


# What counting a place's citizens reads of a citizen-day besides its place and day.
COMMUNE_VISIT_COLUMNS = ("channel", "province_code", "previous_day_commune")
PROVINCE_VISIT_COLUMNS = (
    "channel",
    "commune_code",
    "previous_day_province",
    "previous_day_commune",
)

# What counting a province's citizens reads of querylog_citizen_gap besides its keys.
PROVINCE_GAP_COLUMNS = ("channel", "gap", "citizens")


class CitizenDay(Base):
    """One row per pseudonymous citizen and day they wrote (unique/returning counts)."""

    __tablename__ = "querylog_citizen_day"
    __table_args__ = (
        Index("ix_querylog_citizen_day_user_pseudonym_day", "user_pseudonym", "day"),
        # Counting the citizens of a province or a commune reads only these indexes
        # on PostgreSQL (index-only scans; SQLite has no INCLUDE); the country's, and
        # a province's when not per commune, are read from querylog_citizen_gap.
        Index(
            "ix_querylog_citizen_day_province_code_day",
            "province_code",
            "day",
            postgresql_include=list(PROVINCE_VISIT_COLUMNS),
        ),
        Index(
            "ix_querylog_citizen_day_commune_code_day",
            "commune_code",
            "day",
            postgresql_include=list(COMMUNE_VISIT_COLUMNS),
        ),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_pseudonym: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    turns: Mapped[int] = mapped_column(Integer)
    # The day of the citizen's previous row, in the order (day, province_code,
    # commune_code): any row, a row of the same province, of the same commune (NULL:
    # none). A citizen wrote in [start, end] iff exactly one of their rows there has a
    # previous day before start, so distinct citizens are counted without DISTINCT.
    previous_day: Mapped[date | None] = mapped_column(Date)
    previous_day_province: Mapped[date | None] = mapped_column(Date)
    previous_day_commune: Mapped[date | None] = mapped_column(Date)


class CitizenGap(Base):
    """Citizen-days counted per day and gap to the citizen's previous day (in days;
    :data:`api.querylog.rollup.FIRST_VISIT` when none), for the levels of the whole
    country and of a province: the distinct citizens of a period, or of each day,
    week or month of it, without reading each citizen-day (a row is the citizen's
    first since a date when its gap goes back before it). Built from
    ``querylog_citizen_day``; a year of it is an eighth as long at the country level.
    """

    __tablename__ = "querylog_citizen_gap"
    __table_args__ = (
        # A province's citizens over a period, read from the index alone (the
        # primary key leads with the day: it served the country level only).
        Index(
            "ix_querylog_citizen_gap_province",
            "level",
            "province_code",
            "day",
            postgresql_include=list(PROVINCE_GAP_COLUMNS),
        ),
    )

    # The previous-day column of querylog_citizen_day it counts: "previous_day"
    # (province_code "*") or "previous_day_province".
    level: Mapped[str] = mapped_column(String(24), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    gap: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizens: Mapped[int] = mapped_column(Integer)


class Rollup(Base):
    """Coarser copies of ``querylog_daily`` that long periods are read from.

    Each row belongs to one aggregate of :data:`api.querylog.rollup.AGGREGATES`: a
    grain (a day or a calendar month, ``period_start`` being its first day) and the
    dimensions it keeps; the dimensions it drops hold "*". Built from
    ``querylog_daily``, so they survive the purge of the turns like it.
    """

    __tablename__ = "querylog_rollup"

    aggregate: Mapped[str] = mapped_column(String(16), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    turns: Mapped[int] = mapped_column(Integer)
    helpful: Mapped[int] = mapped_column(Integer)
    not_helpful: Mapped[int] = mapped_column(Integer)
    latency_ms_sum: Mapped[int] = mapped_column(Integer)


class RollupState(Base):
    """How far the daily tables are built: every turn logged before
    ``built_before`` (api.querylog.rollup_refresh.refresh)."""

    __tablename__ = "querylog_rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    built_before: Mapped[datetime] = mapped_column(UTCDateTime)
    # The aggregates layout ``querylog_rollup`` was built for (0: not built).
    layout: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ReviewStatus(str, enum.Enum):
    """What staff decided about an unanswered message."""

    REVIEWED = "reviewed"
    ADD_EXAMPLE = "add_example"
    NEEDS_ANSWER = "needs_answer"


class InboxReview(Base):
    """Staff decision on an unsure or out-of-scope turn (absent = still open)."""

    __tablename__ = "querylog_inbox_review"

    turn_id: Mapped[int] = mapped_column(
        ForeignKey("querylog_turn.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[ReviewStatus] = mapped_column(value_enum(ReviewStatus))
    answer_id: Mapped[str | None] = mapped_column(String(32))
    reviewed_by: Mapped[str] = mapped_column(String(80))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExampleDecision(str, enum.Enum):
    """An admin's decision on a queued training example (absent = not decided yet)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"


class TrainingExample(Base):
    """A masked citizen message queued as an example for an FAQ answer."""

    __tablename__ = "training_example"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    answer_id: Mapped[str] = mapped_column(String(32), index=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the example was written to nlu_data/ by `python -m api export-examples`.
    exported: Mapped[bool] = mapped_column(Boolean, default=False)
    # Only accepted examples are exported: a message staff picked in a hurry from the
    # inbox is read once more by an admin before it can teach the model.
    decision: Mapped[ExampleDecision | None] = mapped_column(
        value_enum(ExampleDecision)
    )
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RejectedCount(Base):
    """Messages refused without a turn of their own (a sender or an address over
    its rate limit), counted per day, channel and reason: a flood is a number,
    not thousands of rows."""

    __tablename__ = "querylog_rejected_count"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(24), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
