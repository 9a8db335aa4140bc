"""Office hours in Vietnam local time: whether a team is open, and when it opens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Protocol

from api.core.clock import VIETNAM_TZ
from api.teams.schema import WEEKDAYS, parse_range


class HasOfficeHours(Protocol):
    """A team as the hours logic needs it (the table row or a seed)."""

    @property
    def name(self) -> str:
        """The team's name, e.g. "Tổ công nghệ số cộng đồng phường Thành Sen"."""

    @property
    def office_hours(self) -> Mapping[str, Sequence[str]]:
        """Weekday -> "HH:MM-HH:MM" ranges, as stored."""


def local_time(at: datetime) -> datetime:
    """``at`` in Vietnam local time; raises ValueError for a naive datetime."""
    if at.tzinfo is None:
        raise ValueError("naive datetime: give a timezone-aware moment")
    return at.astimezone(VIETNAM_TZ)


def day_ranges(team: HasOfficeHours, weekday: int) -> list[tuple[time, time]]:
    """The opening ranges of a weekday (0 = Monday), sorted."""
    return sorted(
        parse_range(text) for text in team.office_hours.get(WEEKDAYS[weekday], [])
    )


def is_open(team: HasOfficeHours, at: datetime) -> bool:
    """Whether ``at`` (timezone-aware) falls in the team's office hours, Vietnam
    local time; a range includes its start and excludes its end."""
    local = local_time(at)
    now = local.time().replace(tzinfo=None)
    return any(start <= now < end for start, end in day_ranges(team, local.weekday()))


def open_in_minute(team: HasOfficeHours, week_minute: int) -> bool:
    """Whether the team is open in the Vietnam-local minute of the week
    ``week_minute`` (0 is Monday 00:00), as :func:`is_open` decides."""
    day, minute = divmod(week_minute, 24 * 60)
    now = time(minute // 60, minute % 60)
    return any(start <= now < end for start, end in day_ranges(team, day % 7))


def next_opening(team: HasOfficeHours, at: datetime) -> datetime:
    """When the team is next open, in Vietnam local time: ``at`` itself while open,
    else the start of the next range (at most a week ahead). Raises ValueError for a
    team without office hours."""
    local = local_time(at)
    if is_open(team, local):
        return local
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        for start, _ in day_ranges(team, day.weekday()):
            opening = datetime.combine(day, start, VIETNAM_TZ)
            if opening > local:
                return opening
    raise ValueError("the team has no office hours")
