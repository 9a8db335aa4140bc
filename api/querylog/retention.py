"""Retention: turns (masked texts) are deleted after a period; daily figures stay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.querylog.models import CitizenDay, CitizenFirst, Turn
from api.querylog.rollup import day_start, ensure_built, today_local


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
    today: date | None = None,
) -> PurgeReport:
    """Builds the daily figures, then deletes turns older than ``retention_days`` and
    pseudonymous citizen-days older than ``activity_retention_days`` (and the first
    day of citizens who then have none left)."""
    today = today or today_local()
    ensure_built(session, today)
    turns_before = today - timedelta(days=retention_days)
    activity_before = today - timedelta(days=activity_retention_days)
    turns = session.execute(
        delete(Turn).where(Turn.created_at < day_start(turns_before))
    )
    days = session.execute(delete(CitizenDay).where(CitizenDay.day < activity_before))
    # Citizens with no activity left are forgotten entirely.
    session.execute(
        delete(CitizenFirst).where(
            CitizenFirst.user_pseudonym.not_in(select(CitizenDay.user_pseudonym))
        )
    )
    session.commit()
    return PurgeReport(
        turns_before,
        turns.rowcount,  # type: ignore[attr-defined]
        activity_before,
        days.rowcount,  # type: ignore[attr-defined]
    )
