"""Daily tables built from the query log, and the SQL helpers for Vietnam-local days.

The dashboard and reports read ``querylog_daily`` (turns per day and dimension) and
``querylog_citizen_day`` (who wrote on which day) for every day before
``querylog_rollup_state.built_until``, and the query log itself for the days after
(normally only today). The first request of a day builds the days since the last
build, re-building the last :data:`REBUILD_DAYS` days to catch late feedback. Turns
are purged after the retention period; the daily tables stay.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    case,
    delete,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from api.querylog.models import CitizenDay, CitizenFirst, DailyStat, RollupState, Turn

# Vietnam has kept UTC+7 all year since 1975; reports count days in local time.
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
REBUILD_DAYS = 2
# Columns of the two daily tables besides their counts ("" for unknown).
DAILY_DIMENSIONS = (
    "day",
    "channel",
    "province_code",
    "commune_code",
    "topic",
    "outcome",
)
CITIZEN_DIMENSIONS = (
    "day",
    "user_pseudonym",
    "channel",
    "province_code",
    "commune_code",
)


def today_local(now: datetime | None = None) -> date:
    """Today's date in Vietnam."""
    return (now or datetime.now(timezone.utc)).astimezone(VIETNAM_TZ).date()


def day_start(day: date) -> datetime:
    """The UTC instant at which the Vietnam-local ``day`` begins."""
    return datetime.combine(day, time(), VIETNAM_TZ).astimezone(timezone.utc)


class local_day(FunctionElement[date]):
    """SQL: the Vietnam-local date of a UTC timestamp column."""

    type = Date()
    inherit_cache = True
    name = "local_day"


@compiles(local_day, "postgresql")
def _local_day_pg(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"CAST(({column} AT TIME ZONE 'UTC') + INTERVAL '7 hours' AS DATE)"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+7 hours')"


class week_start(FunctionElement[date]):
    """SQL: the Monday of the week holding a date column."""

    type = Date()
    inherit_cache = True
    name = "week_start"


class month_start(FunctionElement[date]):
    """SQL: the first day of the month holding a date column."""

    type = Date()
    inherit_cache = True
    name = "month_start"


@compiles(week_start, "postgresql")
@compiles(month_start, "postgresql")
def _period_start_pg(
    element: week_start | month_start, compiler: SQLCompiler, **kw: Any
) -> str:
    unit = "week" if isinstance(element, week_start) else "month"
    return (
        f"CAST(date_trunc('{unit}', {compiler.process(element.clauses, **kw)}) AS DATE)"
    )


@compiles(week_start, "sqlite")
def _week_start_sqlite(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    weekday = f"((CAST(strftime('%w', {column}) AS INTEGER) + 6) % 7)"
    return f"date({column}, '-' || {weekday} || ' days')"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


def period_start(column: Any, interval: str) -> Any:
    """SQL: the first day of the day, week (Monday) or month holding ``column``."""
    if interval == "day":
        return column
    if interval == "week":
        return week_start(column)
    if interval == "month":
        return month_start(column)
    raise ValueError(interval)


def known(column: Any) -> ColumnElement[str]:
    """``column`` with NULL as "" (a literal, so GROUP BY matches on PostgreSQL)."""
    return func.coalesce(column, literal_column("''"))


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def live_daily(start: datetime, end: datetime | None = None) -> Select[Any]:
    """Turns since ``start`` (until ``end``) grouped like ``querylog_daily``."""
    dims: tuple[Any, ...] = (
        local_day(Turn.created_at),
        Turn.channel,
        known(Turn.province_code),
        known(Turn.commune_code),
        known(Turn.topic),
        Turn.outcome,
    )
    where = [Turn.created_at >= start]
    if end is not None:
        where.append(Turn.created_at < end)
    return (
        select(
            *(d.label(n) for d, n in zip(dims, DAILY_DIMENSIONS, strict=True)),
            func.count().label("turns"),
            count_if(Turn.feedback == "helpful").label("helpful"),
            count_if(Turn.feedback == "not_helpful").label("not_helpful"),
            func.coalesce(func.sum(Turn.latency_ms), 0).label("latency_ms_sum"),
        )
        .where(*where)
        .group_by(*dims)
    )


def live_citizen_days(start: datetime, end: datetime | None = None) -> Select[Any]:
    """Turns since ``start`` (until ``end``) grouped like ``querylog_citizen_day``."""
    dims: tuple[Any, ...] = (
        local_day(Turn.created_at),
        Turn.user_pseudonym,
        Turn.channel,
        known(Turn.province_code),
        known(Turn.commune_code),
    )
    where = [Turn.created_at >= start]
    if end is not None:
        where.append(Turn.created_at < end)
    return (
        select(
            *(d.label(n) for d, n in zip(dims, CITIZEN_DIMENSIONS, strict=True)),
            func.count().label("turns"),
        )
        .where(*where)
        .group_by(*dims)
    )


def build_days(session: Session, first: date, until: date) -> None:
    """(Re)builds both daily tables for the days in [first, until); no commit."""
    start, end = day_start(first), day_start(until)
    session.execute(
        delete(DailyStat).where(DailyStat.day >= first, DailyStat.day < until)
    )
    session.execute(
        delete(CitizenDay).where(CitizenDay.day >= first, CitizenDay.day < until)
    )
    session.execute(
        insert(DailyStat).from_select(
            [*DAILY_DIMENSIONS, "turns", "helpful", "not_helpful", "latency_ms_sum"],
            live_daily(start, end),
        )
    )
    session.execute(
        insert(CitizenDay).from_select(
            [*CITIZEN_DIMENSIONS, "turns"], live_citizen_days(start, end)
        )
    )
    _record_first_days(session, first, until)


def _record_first_days(session: Session, first: date, until: date) -> None:
    """Adds the citizens of [first, until) to ``querylog_citizen_first`` (keeping an
    earlier first day)."""
    dialect = session.get_bind().dialect.name
    upsert: Any = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect]
    statement = upsert(CitizenFirst).from_select(
        ["user_pseudonym", "first_day"],
        select(CitizenDay.user_pseudonym, func.min(CitizenDay.day))
        .where(CitizenDay.day >= first, CitizenDay.day < until)
        .group_by(CitizenDay.user_pseudonym),
    )
    earlier = func.least if dialect == "postgresql" else func.min
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_pseudonym"],
            set_={
                "first_day": earlier(
                    CitizenFirst.first_day, statement.excluded.first_day
                )
            },
        )
    )


def _oldest_day(session: Session) -> date | None:
    """The local day of the oldest turn still logged."""
    oldest = session.scalar(select(func.min(Turn.created_at)))
    return oldest.astimezone(VIETNAM_TZ).date() if oldest is not None else None


def ensure_built(session: Session, today: date | None = None) -> date:
    """Builds the daily tables up to (not including) today; returns that date.

    Cheap when already done (one indexed read). Concurrent callers on several workers
    are serialised by a row lock on PostgreSQL (SQLite has one writer anyway).
    """
    today = today or today_local()
    state = session.get(RollupState, 1)
    if state is not None and state.built_until >= today:
        return state.built_until
    try:
        state = session.get(
            RollupState, 1, with_for_update=True, populate_existing=True
        )
        if state is not None and state.built_until >= today:
            session.rollback()
            return state.built_until
        if state is None:
            first = _oldest_day(session) or today
            state = RollupState(id=1, built_until=today)
            session.add(state)
        else:
            first = state.built_until - timedelta(days=REBUILD_DAYS)
            state.built_until = today
        build_days(session, min(first, today), today)
        session.commit()
    except IntegrityError:
        # Another worker built the same days at the same moment.
        session.rollback()
    return today


def rebuild_all(session: Session, today: date | None = None) -> date:
    """Rebuilds every day that still has turns (after a bulk import, say)."""
    today = today or today_local()
    oldest = _oldest_day(session)
    if oldest is not None:
        build_days(session, oldest, today)
    state = session.get(RollupState, 1)
    if state is None:
        session.add(RollupState(id=1, built_until=today))
    else:
        state.built_until = max(state.built_until, today)
    session.commit()
    return today
