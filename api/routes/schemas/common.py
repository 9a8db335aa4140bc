"""What the response schemas share: their base, time stamps, the period and filters
every analytics answer echoes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema


class Schema(BaseModel):
    """A response body. A key the route's dict holds but the schema does not is an
    error (a 500 in the tests), not a key silently left out of the answer."""

    model_config = ConfigDict(extra="forbid")


# A moment as the services write it, ``datetime.isoformat()`` of a UTC time
# ("2025-07-01T02:30:00.123456+00:00"): kept as that string, so the answer is the
# same as before the schemas (pydantic would write "Z" for "+00:00").
Timestamp = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601, UTC, with its offset (+00:00)",
        }
    ),
]

Channel = Literal["web", "telegram", "zalo"]


class Period(Schema):
    """Vietnam-local days, both included."""

    from_: date = Field(alias="from")
    to: date


class Filters(Schema):
    """The area the figures are for (null: not filtered)."""

    province: str | None = Field(description="province code")
    commune: str | None = Field(description="commune code")
    channel: Channel | None
