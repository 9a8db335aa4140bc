"""The directory of community tech teams (/api/staff/teams)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.routes.schemas.common import Schema


class Team(Schema):
    """A community tech team as the staff see it."""

    id: str
    name: str
    province_code: str
    communes: list[str]
    office_hours: dict[str, list[str]] = Field(
        description='weekday ("mon" … "sun") -> opening ranges ("07:30-11:30")'
    )
    meeting_point: str
    contact: str
    phone: str | None
    sample: bool = Field(description="sample data, not a real team")
    updated_at: datetime
    updated_by: str


class Teams(Schema):
    """The team directory, by province and id."""

    items: list[Team]
