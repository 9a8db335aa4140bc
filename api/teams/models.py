"""The directory table of community tech teams (Tổ công nghệ số cộng đồng)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow


class CommunityTeam(Base):
    """One community tech team, the communes it serves and when it can be reached."""

    __tablename__ = "community_team"

    # Slug, e.g. "ha-tinh-thanh-sen".
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # e.g. "Tổ công nghệ số cộng đồng phường Thành Sen".
    name: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str] = mapped_column(
        String(8), ForeignKey("place_province.code"), index=True
    )
    # Commune codes it serves, e.g. ["18073"]; a commune has at most one team.
    communes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Weekday ("mon" … "sun") -> ["07:30-11:30", "13:30-17:00"], Vietnam local time.
    office_hours: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    # Where citizens meet the team, e.g. "Trung tâm Phục vụ hành chính công phường …".
    meeting_point: Mapped[str] = mapped_column(String(300))
    # Where to find the team, e.g. "Bộ phận một cửa, UBND phường Thành Sen".
    contact: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    # True for the sample data of seeds/teams (to be replaced by the real list).
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "seed" when loaded from seeds/teams, else the staff user who edited it.
    updated_by: Mapped[str] = mapped_column(String(80), default="seed")
