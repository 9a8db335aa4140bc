"""Vietnam-local time: the time zone and the local day of an instant."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

# Vietnam has kept UTC+7 all year since 1975; reports count days in local time.
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")


def local_date(moment: datetime) -> date:
    """The Vietnam-local date of an instant."""
    return moment.astimezone(VIETNAM_TZ).date()


def today_local(now: datetime | None = None) -> date:
    """Today's date in Vietnam."""
    return local_date(now or datetime.now(timezone.utc))


def day_start(day: date) -> datetime:
    """The UTC instant at which the Vietnam-local ``day`` begins."""
    return datetime.combine(day, time(), VIETNAM_TZ).astimezone(timezone.utc)
