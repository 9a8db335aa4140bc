"""The tables of helper mode: a team member's chat linked to their account, the
one-time codes that link it, and the sessions of guiding a resident."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow, value_enum


class ResidentGroup(str, enum.Enum):
    """Who a team member helped (no personal data: only the group)."""

    ELDERLY = "elderly"  # người cao tuổi
    FARMER = "farmer"  # nông dân
    STUDENT = "student"  # học sinh, sinh viên
    WORKER = "worker"  # người lao động
    HOUSEHOLD_BUSINESS = "household_biz"  # hộ kinh doanh
    ETHNIC_MINORITY = "ethnic_minority"  # đồng bào dân tộc thiểu số
    OTHER = "other"  # khác


class HelperStatus(str, enum.Enum):
    """Where a helper session stands."""

    CHOOSING_GROUP = "choosing_group"
    CHOOSING_PLACE = "choosing_place"
    ACTIVE = "active"
    CHOOSING_TASK = "choosing_task"
    DONE = "done"
    CANCELLED = "cancelled"


class StaffChatLink(Base):
    """A team member's own chat (pseudonym on a channel) linked to their account, so
    that they can switch it into helper mode."""

    __tablename__ = "staff_chat_link"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_pseudonym: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff_username: Mapped[str] = mapped_column(String(80), index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LinkCode(Base):
    """A one-time code a team member types in the chat to link it (hashed)."""

    __tablename__ = "staff_link_code"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_username: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HelperSession(Base):
    """A team member guiding one resident with the assistant ("đang hỗ trợ người
    dân"): the resident's group, commune and the task done; nothing personal."""

    __tablename__ = "helper_session"
    __table_args__ = (
        Index("ix_helper_session_member", "channel", "user_pseudonym", "status"),
        Index("ix_helper_session_ended_at", "ended_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_username: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(16))
    # The member's own chat (not the resident's).
    user_pseudonym: Mapped[str] = mapped_column(String(32))
    status: Mapped[HelperStatus] = mapped_column(value_enum(HelperStatus))
    group: Mapped[ResidentGroup | None] = mapped_column(value_enum(ResidentGroup))
    province_code: Mapped[str | None] = mapped_column(String(8))
    commune_code: Mapped[str | None] = mapped_column(String(8))
    # An answer id of a guided procedure, or "other".
    task: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
