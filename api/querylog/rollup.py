"""Daily tables built from the query log, and the SQL helpers for Vietnam-local days.

The dashboard and reports read ``querylog_daily`` (turns per day and dimension) and
``querylog_citizen_day`` (who wrote on which day) for every day before
``querylog_rollup_state.built_until``, and the query log itself for the days after
(normally only today). The first request of a day builds the days since the last
build, re-building the last :data:`REBUILD_DAYS` days to catch late feedback. Turns
are purged after the retention period; the daily tables stay.

``querylog_daily`` keeps every dimension, so it is large (a year of a busy province:
hundreds of thousands of rows). Coarser copies of it, the :data:`AGGREGATES` in
``querylog_rollup``, are built with it; a question reads the smallest one that keeps
the dimensions it needs (see :func:`api.analytics.service.daily_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
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

from api.querylog.models import (
    CitizenDay,
    CitizenFirst,
    DailyStat,
    Rollup,
    RollupState,
    Turn,
)

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
ROLLUP_COUNTS = ("turns", "helpful", "not_helpful", "latency_ms_sum")
CITIZEN_DIMENSIONS = (
    "day",
    "user_pseudonym",
    "channel",
    "province_code",
    "commune_code",
)


# Dimensions an aggregate may keep (the others hold DROPPED).
AREA_DIMENSIONS = ("channel", "province_code", "commune_code")
DROPPED = "*"


@dataclass(frozen=True)
class Aggregate:
    """A coarser copy of ``querylog_daily``: per day or per calendar month, keeping
    only ``dimensions`` (the other dimensions summed over)."""

    name: str
    grain: str  # "day" or "month"
    dimensions: frozenset[str]

    def covers(self, needed: set[str]) -> bool:
        """Whether a question about ``needed`` dimensions can be answered from it."""
        return needed <= self.dimensions


# Smallest first: a question reads the first one that covers it.
AGGREGATES = (
    Aggregate("month_area", "month", frozenset({*AREA_DIMENSIONS[:2], "outcome"})),
    Aggregate(
        "month_topic", "month", frozenset({*AREA_DIMENSIONS[:2], "topic", "outcome"})
    ),
    Aggregate("month_place", "month", frozenset({*AREA_DIMENSIONS, "outcome"})),
    Aggregate("day_area", "day", frozenset({*AREA_DIMENSIONS[:2], "outcome"})),
)
# Changing AGGREGATES: bump this, and the next request rebuilds ``querylog_rollup``.
LAYOUT = 1


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


class day_gap(FunctionElement[int]):
    """SQL: the days from the second date column to the first (a later - an earlier)."""

    type = Integer()
    inherit_cache = True
    name = "day_gap"


@compiles(day_gap, "postgresql")
def _day_gap_pg(element: day_gap, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"({later} - {earlier})"


@compiles(day_gap, "sqlite")
def _day_gap_sqlite(element: day_gap, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


class latest(FunctionElement[date]):
    """SQL: the later of two dates (GREATEST on PostgreSQL, scalar max on SQLite)."""

    type = Date()
    inherit_cache = True
    name = "latest"


class earliest(FunctionElement[date]):
    """SQL: the earlier of two dates (LEAST on PostgreSQL, scalar min on SQLite)."""

    type = Date()
    inherit_cache = True
    name = "earliest"


@compiles(latest, "postgresql")
@compiles(earliest, "postgresql")
@compiles(latest, "sqlite")
@compiles(earliest, "sqlite")
def _extreme(element: latest | earliest, compiler: SQLCompiler, **kw: Any) -> str:
    later = isinstance(element, latest)
    postgres = compiler.dialect.name == "postgresql"
    name = (
        ("GREATEST" if later else "LEAST") if postgres else ("max" if later else "min")
    )
    return f"{name}({compiler.process(element.clauses, **kw)})"


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


# previous-day column of querylog_citizen_day -> the place columns it is kept within
PREVIOUS_DAY_LEVELS: dict[str, tuple[str, ...]] = {
    "previous_day": (),
    "previous_day_province": ("province_code",),
    "previous_day_commune": ("province_code", "commune_code"),
}


def live_citizen_days(start: datetime, end: datetime | None = None) -> Select[Any]:
    """Turns since ``start`` (until ``end``) grouped like ``querylog_citizen_day``,
    with each row's previous days: from the rows of the same span, else the last day
    already built before it (one index lookup per row and level, on
    ``(user_pseudonym, day)``: the span's citizens are few, their history is not)."""
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
    days = (
        select(
            *(d.label(n) for d, n in zip(dims, CITIZEN_DIMENSIONS, strict=True)),
            func.count().label("turns"),
        )
        .where(*where)
        .group_by(*dims)
        .subquery("days")
    )
    first = start.astimezone(VIETNAM_TZ).date()
    previous = []
    for name, kept in PREVIOUS_DAY_LEVELS.items():
        keys = ["user_pseudonym", *kept]
        built = (
            select(func.max(CitizenDay.day))
            .where(
                CitizenDay.day < first,
                *(getattr(CitizenDay, k) == days.c[k] for k in keys),
            )
            .scalar_subquery()
        )
        order = [days.c[k] for k in ("province_code", "commune_code") if k not in kept]
        in_span = func.lag(days.c.day).over(
            partition_by=[days.c[k] for k in keys], order_by=[days.c.day, *order]
        )
        previous.append(func.coalesce(in_span, built).label(name))
    return select(days, *previous)


def build_aggregates(session: Session, first: date, until: date) -> None:
    """(Re)builds ``querylog_rollup`` from ``querylog_daily`` for the days in
    [first, until), whole months for the monthly aggregates; no commit."""
    month = first.replace(day=1)
    for aggregate in AGGREGATES:
        since = month if aggregate.grain == "month" else first
        session.execute(
            delete(Rollup).where(
                Rollup.aggregate == aggregate.name,
                Rollup.period_start >= since,
                Rollup.period_start < until,
            )
        )
        period = period_start(DailyStat.day, aggregate.grain)
        dims = [
            getattr(DailyStat, d)
            if d in aggregate.dimensions
            else literal_column(f"'{DROPPED}'")
            for d in DAILY_DIMENSIONS[1:]
        ]
        counts = [func.sum(getattr(DailyStat, c)) for c in ROLLUP_COUNTS]
        session.execute(
            insert(Rollup).from_select(
                ["aggregate", "period_start", *DAILY_DIMENSIONS[1:], *ROLLUP_COUNTS],
                select(
                    literal_column(f"'{aggregate.name}'"),
                    period,
                    *(
                        d.label(n)
                        for d, n in zip(dims, DAILY_DIMENSIONS[1:], strict=True)
                    ),
                    *counts,
                )
                .where(DailyStat.day >= since, DailyStat.day < until)
                .group_by(
                    period,
                    *(getattr(DailyStat, d) for d in sorted(aggregate.dimensions)),
                ),
            )
        )


def build_days(session: Session, first: date, until: date) -> None:
    """(Re)builds the daily tables and their aggregates for the days in
    [first, until); no commit."""
    _build_daily_tables(session, first, until)
    build_aggregates(session, first, until)


def _build_daily_tables(session: Session, first: date, until: date) -> None:
    start, end = day_start(first), day_start(until)
    session.execute(
        delete(DailyStat).where(DailyStat.day >= first, DailyStat.day < until)
    )
    session.execute(
        delete(CitizenDay).where(CitizenDay.day >= first, CitizenDay.day < until)
    )
    session.execute(
        insert(DailyStat).from_select(
            [*DAILY_DIMENSIONS, *ROLLUP_COUNTS], live_daily(start, end)
        )
    )
    session.execute(
        insert(CitizenDay).from_select(
            [*CITIZEN_DIMENSIONS, "turns", *PREVIOUS_DAY_LEVELS],
            live_citizen_days(start, end),
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
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_pseudonym"],
            set_={
                "first_day": earliest(
                    CitizenFirst.first_day, statement.excluded.first_day
                )
            },
        )
    )


def _oldest_day(session: Session) -> date | None:
    """The local day of the oldest turn still logged."""
    oldest = session.scalar(select(func.min(Turn.created_at)))
    return oldest.astimezone(VIETNAM_TZ).date() if oldest is not None else None


def _rebuild_aggregates(session: Session, until: date) -> None:
    """Every aggregate from every built day (after :data:`LAYOUT` changed)."""
    oldest = session.scalar(select(func.min(DailyStat.day)))
    if oldest is not None:
        build_aggregates(session, as_date(oldest), until)


def as_date(value: Any) -> date:
    """A date read from SQL (SQLite gives computed dates back as text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _is_current(state: RollupState | None, today: date) -> bool:
    return state is not None and state.built_until >= today and state.layout == LAYOUT


def ensure_built(session: Session, today: date | None = None) -> date:
    """Builds the daily tables up to (not including) today; returns that date.

    Cheap when already done (one indexed read). Concurrent callers on several workers
    are serialised by a row lock on PostgreSQL (SQLite has one writer anyway).
    """
    today = today or today_local()
    state = session.get(RollupState, 1)
    if state is not None and _is_current(state, today):
        return state.built_until
    try:
        state = session.get(
            RollupState, 1, with_for_update=True, populate_existing=True
        )
        if state is not None and _is_current(state, today):
            session.rollback()
            return state.built_until
        if state is None:
            first = _oldest_day(session) or today
            state = RollupState(id=1, built_until=today, layout=LAYOUT)
            session.add(state)
            build_days(session, min(first, today), today)
        else:
            if state.layout != LAYOUT:
                _rebuild_aggregates(session, state.built_until)
                state.layout = LAYOUT
            if state.built_until < today:
                first = state.built_until - timedelta(days=REBUILD_DAYS)
                build_days(session, first, today)
                state.built_until = today
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
        _build_daily_tables(session, oldest, today)
    _rebuild_aggregates(session, today)
    state = session.get(RollupState, 1)
    if state is None:
        session.add(RollupState(id=1, built_until=today, layout=LAYOUT))
    else:
        state.built_until = max(state.built_until, today)
        state.layout = LAYOUT
    session.commit()
    return today
