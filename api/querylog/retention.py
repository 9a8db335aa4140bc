"""Retention: turns (masked texts) are deleted after a period; daily figures stay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import MetaData, Table, create_engine, delete, inspect
from sqlalchemy.orm import Session

from api.core.clock import day_start, local_date
from api.querylog.models import CitizenDay, CitizenGap, Turn
from api.querylog.rollup_refresh import refresh


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed."""

    turns_before: date
    turns_deleted: int
    activity_before: date
    citizen_days_deleted: int


def purge(
    session: Session,
    retention_days: int,
    activity_retention_days: int,
    now: datetime | None = None,
) -> PurgeReport:
    """Builds the daily figures, then deletes turns older than ``retention_days`` and
    pseudonymous citizen-days older than ``activity_retention_days``."""
    now = now or datetime.now(timezone.utc)
    refresh(session, now)
    today = local_date(now)
    turns_before = today - timedelta(days=retention_days)
    activity_before = today - timedelta(days=activity_retention_days)
    turns = session.execute(
        delete(Turn).where(Turn.created_at < day_start(turns_before))
    )
    days = session.execute(delete(CitizenDay).where(CitizenDay.day < activity_before))
    session.execute(delete(CitizenGap).where(CitizenGap.day < activity_before))
    session.commit()
    return PurgeReport(
        turns_before,
        turns.rowcount,  # type: ignore[attr-defined]
        activity_before,
        days.rowcount,  # type: ignore[attr-defined]
    )


def purge_tracker_events(url: str, before: date) -> int:
    """Deletes the events Rasa's SQL tracker store (table ``events``, one row per
    event with a Unix ``timestamp``) holds from before the Vietnam-local day
    ``before``: the conversations Rasa keeps follow the query log's retention."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if not inspect(connection).has_table("events"):
                return 0
            events = Table("events", MetaData(), autoload_with=connection)
            result = connection.execute(
                delete(events).where(events.c.timestamp < day_start(before).timestamp())
            )
            return int(result.rowcount)
    finally:
        engine.dispose()
