"""Query-log tables."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow, value_enum


class Outcome(str, enum.Enum):
    """How a turn ended, from the citizen's point of view."""

    ANSWERED = "answered"
    UNSURE = "unsure"
    OUT_OF_SCOPE = "out_of_scope"
    ERROR = "error"
    UNDELIVERED = "undelivered"
    # Not passed to the assistant: rate limit, too long, a photo or sticker, ...
    REJECTED = "rejected"


class Turn(Base):
    """One citizen message and the assistant's reply. Texts are masked."""

    __tablename__ = "querylog_turn"
    __table_args__ = (
        Index("ix_querylog_turn_created_at_topic", "created_at", "topic"),
        Index("ix_querylog_turn_user_created_at", "user_pseudonym", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    user_pseudonym: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str] = mapped_column(String(64))
    text_masked: Mapped[str] = mapped_column(Text)
    reply_masked: Mapped[str | None] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    topic: Mapped[str | None] = mapped_column(String(40))
    answer_id: Mapped[str | None] = mapped_column(String(32))
    answer_confidence: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[Outcome] = mapped_column(value_enum(Outcome))
    latency_ms: Mapped[int] = mapped_column(Integer)
    # Why a turn was rejected, failed or not delivered (e.g. "rate_limited").
    detail: Mapped[str | None] = mapped_column(String(40))
    feedback: Mapped[str | None] = mapped_column(String(16))
    province_code: Mapped[str | None] = mapped_column(String(8))
    commune_code: Mapped[str | None] = mapped_column(String(8))
