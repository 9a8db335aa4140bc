"""GET /api/labels."""

from __future__ import annotations

from pydantic import Field

from api.routes.schemas.common import Schema


class Formats(Schema):
    """How numbers, per cents, dates and durations are written."""

    thousands_separator: str = Field(description='1234567 -> "1.234.567"')
    decimal_separator: str = Field(description='85.2 -> "85,2"')
    percent_suffix: str = Field(description="after the number, with a no-break space")
    minus_sign: str
    missing: str = Field(description="in place of a figure there is none of")
    date_pattern: str = Field(description='"dd", "mm", "yyyy" replaced by the date')
    time_zone: str = Field(description="IANA name of the time figures are shown in")
    utc_offset_minutes: int = Field(description="of that time zone (no summer time)")
    duration_words: dict[str, str] = Field(
        description="day, hour, minute, under_a_minute"
    )
    period_words: dict[str, str] = Field(description="week_from, month")


class Labels(Schema):
    """The Vietnamese name of every code the API answers with (code -> name), and
    the number and date formats: the same ones the report uses."""

    roles: dict[str, str]
    unknown_topic: str = Field(description='the topic "unknown" and no topic')
    channels: dict[str, str]
    outcomes: dict[str, str]
    ticket_statuses: dict[str, str]
    handoff_reasons: dict[str, str]
    resolutions: dict[str, str] = Field(description="in the closing form's order")
    resident_groups: dict[str, str]
    scam_kinds: dict[str, str]
    formats: Formats
