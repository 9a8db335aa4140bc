"""The notice tables: subscriptions, the notices sent and each recipient's outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow


class NoticeSubscription(Base):
    """A citizen who asked for notices ("Nhận thông báo") on a messaging channel.
    Deleted at once on opt-out. Their province is read from what the assistant
    remembers of them when a notice is sent."""

    __tablename__ = "notice_subscription"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_pseudonym: Mapped[str] = mapped_column(String(32), primary_key=True)
    subscribed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notice(Base):
    """A notice an admin sent (every one is logged, with what happened to it)."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    # None: every subscriber; else the subscribers of that province.
    province_code: Mapped[str | None] = mapped_column(String(8))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    # Zalo followers outside the 48-hour consultation window (not sent, by Zalo's
    # rules) and citizens who opted out while it was being sent.
    skipped: Mapped[int] = mapped_column(Integer, default=0)


class NoticeDelivery(Base):
    """One recipient of a notice and how it went."""

    __tablename__ = "notice_delivery"

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notice.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_pseudonym: Mapped[str] = mapped_column(String(32), primary_key=True)
    # "queued", "sent", "skipped:<why>" or "failed:<reason>"; "sending:<UTC time>"
    # while one is being sent, "outbox" while the durable outbox retries it.
    status: Mapped[str] = mapped_column(String(60))
