"""Knowledge tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow


class KnowledgeEntry(Base):
    """One FAQ answer; ``id`` is the ResponseSelector's answer id."""

    __tablename__ = "knowledge_entry"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_url: Mapped[str] = mapped_column(String(300))
    source_ref: Mapped[str | None] = mapped_column(String(200))
    last_verified: Mapped[date] = mapped_column(Date)
    related: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "seed" when loaded from seeds/, else the staff user who edited it.
    updated_by: Mapped[str] = mapped_column(String(80), default="seed")
