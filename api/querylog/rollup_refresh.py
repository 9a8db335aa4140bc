"""Keeping the daily tables current: how far they go (:func:`built_state`), the
refresh every gateway worker runs in the background and ``python -m api rollup``
runs from a timer (:func:`refresh`), the full rebuild after a bulk import with its
progress for the command line (:func:`rebuild_all`), and the VACUUM after each.

A refresh moves ``querylog_rollup_state.built_before`` forward: every gateway worker
calls it every ``BDHVS_ROLLUP_REFRESH_SECONDS`` (one of them builds, the others find
it fresh); no dashboard request ever builds. It re-builds the day of the last
refresh and the :data:`REBUILD_DAYS` before it, so late feedback and places written
on the day's earlier turns are counted at the next refresh. What is built, and how,
is :mod:`api.querylog.rollup`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.core.clock import local_date
from api.querylog.models import (
    CitizenDay,
    CitizenGap,
    DailyStat,
    Rollup,
    RollupState,
    Turn,
)
from api.querylog.rollup import (
    LAYOUT,
    ONE_DAY,
    as_date,
    build_aggregates,
    build_daily_tables,
    build_days,
    build_gaps,
)

REBUILD_DAYS = 2
# A refresh builds the turns logged until this long before it: a turn is committed
# within moments of the time it is stamped with, so none can appear behind it.
SETTLE = timedelta(minutes=2)


def _oldest_day(session: Session) -> date | None:
    """The local day of the oldest turn still logged."""
    oldest = session.scalar(select(func.min(Turn.created_at)))
    return local_date(oldest) if oldest is not None else None


def _rebuild_aggregates(session: Session, until: date) -> None:
    """Every aggregate and gap count from every built day (after :data:`LAYOUT`
    changed)."""
    oldest = session.scalar(select(func.min(DailyStat.day)))
    if oldest is not None:
        build_aggregates(session, as_date(oldest), until)
    oldest = session.scalar(select(func.min(CitizenDay.day)))
    if oldest is not None:
        build_gaps(session, as_date(oldest), until)


@dataclass(frozen=True)
class Built:
    """How far the daily tables go: every turn logged before ``before``."""

    before: datetime
    # querylog_rollup holds the current AGGREGATES (else read querylog_daily).
    aggregates: bool

    @property
    def last_day(self) -> date:
        """The last day with built rows (those of its turns logged before
        ``before``); every earlier day is complete."""
        return local_date(self.before)


def built_state(session: Session) -> Built | None:
    """How far the daily tables go (None: never built); one indexed read per
    transaction, no writes."""
    state = session.get(RollupState, 1)
    if state is None:
        return None
    # Held by the session so that the next calls find it in its identity map (weak
    # references only) instead of reading it again; expired on commit as usual.
    session.info["rollup_state"] = state
    return Built(state.built_before, state.layout == LAYOUT)


def refresh(
    session: Session,
    now: datetime | None = None,
    unless_newer_than: timedelta = timedelta(0),
) -> datetime:
    """Builds the daily tables up to :data:`SETTLE` before ``now``, re-building the
    days since :data:`REBUILD_DAYS` before the last refresh; returns how far they go.

    Nothing is done when the last refresh built up to less than
    ``unless_newer_than`` ago, or while another worker is refreshing (a row lock on
    PostgreSQL, skipped rather than waited for; SQLite has one writer anyway).
    """
    before = (now or datetime.now(timezone.utc)) - SETTLE
    state = session.get(RollupState, 1)
    if _is_fresh(state, before, unless_newer_than):
        assert state is not None
        session.rollback()
        return state.built_before
    try:
        if state is not None:
            seen = state.built_before
            state = session.scalars(
                select(RollupState)
                .where(RollupState.id == 1)
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            ).first()
            if state is None or _is_fresh(state, before, unless_newer_than):
                # Another worker is at it, or has just finished.
                session.rollback()
                return seen if state is None else state.built_before
        last = local_date(before)
        first_build = state is None
        if state is None:
            first = min(_oldest_day(session) or last, last)
            state = RollupState(id=1, built_before=before, layout=LAYOUT)
            session.add(state)
            build_days(session, first, last + ONE_DAY, before)
        else:
            if state.layout != LAYOUT:
                _rebuild_aggregates(session, local_date(state.built_before))
                state.layout = LAYOUT
            first = local_date(state.built_before) - timedelta(days=REBUILD_DAYS)
            build_days(session, first, last + ONE_DAY, before)
            state.built_before = before
        session.commit()
    except IntegrityError:
        # Another worker built the first days at the same moment.
        session.rollback()
        return before
    _vacuum(session, analyze=first_build)
    return before


def _vacuum(session: Session, analyze: bool) -> None:
    """VACUUM of the daily tables after a refresh has committed (PostgreSQL).

    It marks the pages the refresh rewrote all-visible again, so the dashboard's
    index-only scans stay index-only. Autovacuum would wait for a fifth of each table
    to change, and a plain VACUUM leaves the pages of the few deleted rows as they
    are (it skips index cleanup below 2% of the pages): a year of one province then
    made ~50 000 heap fetches, 20-60 ms more per figure. A fraction of a second for
    a refresh of a few days.

    ``analyze`` after building many days at once (a first build, a full rebuild):
    fresh planner statistics ahead of autovacuum; with those of empty tables, the
    next refresh looked each citizen's previous day up by scanning the primary key
    (205 s instead of ~1 s for 1M turns).
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    tables = (DailyStat, CitizenDay, Rollup, CitizenGap)
    options = "ANALYZE, INDEX_CLEANUP ON" if analyze else "INDEX_CLEANUP ON"
    statement = f"VACUUM ({options}) {', '.join(t.__tablename__ for t in tables)}"
    with bind.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text(statement))


def _is_fresh(
    state: RollupState | None, before: datetime, unless_newer_than: timedelta
) -> bool:
    return (
        state is not None
        and state.layout == LAYOUT
        and state.built_before > before - unless_newer_than
    )


def rebuild_all(
    session: Session,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    chunk_days: int = 31,
) -> datetime:
    """Rebuilds every day that still has turns (after a bulk import, say); returns
    how far the tables go.

    The days are built ``chunk_days`` at a time, oldest first (a citizen's earlier
    days are then already in the table), and ``progress`` hears of each chunk: a year
    of turns takes tens of seconds, which looks like a hang when nothing is said."""
    before = (now or datetime.now(timezone.utc)) - SETTLE
    last = local_date(before)
    oldest = _oldest_day(session)
    if oldest is not None:
        first = min(oldest, last)
        days = (last - first).days + 1
        chunks = -(-days // chunk_days)
        for number in range(chunks):
            start = first + timedelta(days=number * chunk_days)
            until = min(start + timedelta(days=chunk_days), last + ONE_DAY)
            build_daily_tables(session, start, until, before)
            if progress is not None:
                progress(
                    f"daily tables: {start:%d/%m/%Y}–{until - ONE_DAY:%d/%m/%Y} "
                    f"({number + 1}/{chunks})"
                )
    if progress is not None:
        progress("totals by period …")
    _rebuild_aggregates(session, last + ONE_DAY)
    state = session.get(RollupState, 1)
    if state is None:
        session.add(RollupState(id=1, built_before=before, layout=LAYOUT))
    else:
        state.built_before = before
        state.layout = LAYOUT
    session.commit()
    _vacuum(session, analyze=True)
    return before
