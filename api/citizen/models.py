"""The citizen_profile table: what the assistant remembers of a citizen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow


class CitizenProfile(Base):
    """What the assistant remembers about a pseudonymous citizen: their place."""

    __tablename__ = "citizen_profile"

    user_pseudonym: Mapped[str] = mapped_column(String(32), primary_key=True)
    province_code: Mapped[str | None] = mapped_column(String(8))
    commune_code: Mapped[str | None] = mapped_column(String(8))
    answered_turns: Mapped[int] = mapped_column(Integer, default=0)
    # Set while the assistant waits for the answer to "xã/phường nào?".
    awaiting_place: Mapped[bool] = mapped_column(Boolean, default=False)
    place_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
