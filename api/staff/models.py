"""Staff accounts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow, value_enum


class Role(str, enum.Enum):
    """Staff roles: admin (everything), analyst (analytics), community team member."""

    ADMIN = "admin"
    ANALYST = "analyst"
    COMMUNITY = "community"


class StaffUser(Base):
    """A staff member; the password is stored as a scrypt hash."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(value_enum(Role))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Commune codes a community team member works for (empty for other roles).
    communes: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # Province codes whose escalated hand-off tickets the member also sees (the
    # province's own support staff).
    provinces: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    # Part of every token; bumped when the account is deactivated, re-roled,
    # re-scoped or given a new password, which ends every token issued before.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
