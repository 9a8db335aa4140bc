"""Knowledge tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow


class KnowledgeEntry(Base):
    """One FAQ answer; ``id`` is the answer classifier's answer id (faq/<id>)."""

    __tablename__ = "knowledge_entry"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_url: Mapped[str] = mapped_column(String(300))
    # Further pages supporting some of the facts.
    sources: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    source_ref: Mapped[str | None] = mapped_column(String(200))
    # "verified" only when someone checked the entry against source_url on
    # verified_on; every edit makes it a draft again until it is checked.
    status: Mapped[str] = mapped_column(
        String(12), default="draft", server_default="draft"
    )
    verified_on: Mapped[date | None] = mapped_column(Date)
    verified_by: Mapped[str | None] = mapped_column(String(80))
    related: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "seed" when loaded from seeds/, else the staff user who edited it.
    updated_by: Mapped[str] = mapped_column(String(80), default="seed")


class KnowledgeRevision(Base):
    """One change of an answer: who, when, what (the fields before and after), so
    that staff see the history and can go back to an earlier version."""

    __tablename__ = "knowledge_revision"
    __table_args__ = (Index("ix_knowledge_revision_entry", "entry_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(80))
    # "edit", "verify" or "revert"
    action: Mapped[str] = mapped_column(String(12))
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
