"""The weekly samples of answered turns and the staff's verdicts on them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow, value_enum


class Verdict(str, enum.Enum):
    """Does the answer given answer what the citizen asked (from their side)?"""

    RIGHT = "right"
    PARTLY = "partly"
    WRONG = "wrong"


class AccuracyReview(Base):
    """One sampled answered turn and, once a staff member read it, their verdict.

    The question and the answer id are copied from the turn (both masked) so the
    monthly figures outlive the turn when the retention purge removes it."""

    __tablename__ = "accuracy_review"
    __table_args__ = (Index("ix_accuracy_review_week", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The Monday (Vietnam time) of the week the sample was drawn from.
    week: Mapped[date] = mapped_column(Date)
    turn_id: Mapped[int | None] = mapped_column(
        ForeignKey("querylog_turn.id", ondelete="SET NULL"), unique=True
    )
    answered_on: Mapped[date] = mapped_column(Date)
    question_masked: Mapped[str] = mapped_column(Text)
    reply_masked: Mapped[str] = mapped_column(Text)
    answer_id: Mapped[str] = mapped_column(String(32))
    verdict: Mapped[Verdict | None] = mapped_column(value_enum(Verdict))
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sampled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
