"""Daily tables built from the query log.

The dashboard and reports read ``querylog_daily`` (turns per day and dimension) and
``querylog_citizen_day`` (who wrote on which day) for every turn logged before
``querylog_rollup_state.built_before``, and the query log itself for the turns after
it (a few minutes of them). This module builds the tables for a range of days;
:mod:`api.querylog.rollup_refresh` decides when and how far (the background
refresh, the full rebuild). Turns are purged after the retention period; the daily
tables stay.

``querylog_daily`` keeps every dimension, so it is large (a year of a busy province:
hundreds of thousands of rows). Coarser copies of it, the :data:`AGGREGATES` in
``querylog_rollup``, are built with it; a question reads the smallest one that keeps
the dimensions it needs (see :func:`api.analytics.sources.daily_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    MetaData,
    Select,
    Table,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from api.core.clock import day_start
from api.querylog.models import (
    CitizenDay,
    CitizenGap,
    DailyStat,
    Rollup,
    Turn,
)
from api.querylog.sqlfuncs import (
    count_if,
    day_gap,
    known,
    local_day,
    period_start,
)

ONE_DAY = timedelta(days=1)
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
    Aggregate(
        "day_topic", "day", frozenset({*AREA_DIMENSIONS[:2], "topic", "outcome"})
    ),
    Aggregate("day_place", "day", frozenset({*AREA_DIMENSIONS, "outcome"})),
)
# The gap of a citizen-day without a previous day (the citizen's first at its level;
# 0 is a second row of the same day, in another channel or place).
FIRST_VISIT = -1
# The previous-day levels counted in ``querylog_citizen_gap`` (the commune level is
# read from the citizen-days themselves: one commune has few).
GAP_LEVELS = {"previous_day": (), "previous_day_province": ("province_code",)}
# Changing AGGREGATES or GAP_LEVELS: bump this, and the next refresh rebuilds
# ``querylog_rollup`` and ``querylog_citizen_gap`` (until then, questions read
# ``querylog_daily`` and ``querylog_citizen_day`` themselves).
LAYOUT = 5


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


def live_citizen_days(
    start: datetime, end: datetime | None, built_before: date | None
) -> Select[Any]:
    """Turns since ``start`` (until ``end``) grouped like ``querylog_citizen_day``,
    with each row's previous days: from the rows of the same span, else the last day
    before it, read from ``querylog_citizen_day`` for the days before
    ``built_before`` (the rows built for the span's first day, if any, come before
    its own), or from the turns logged before ``start`` when nothing is built (None).
    One index lookup per row and level (on ``(user_pseudonym, day)`` or
    ``(user_pseudonym, created_at)``): the span's citizens are few, their history is
    not."""
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
    previous = []
    for name, kept in PREVIOUS_DAY_LEVELS.items():
        keys = ["user_pseudonym", *kept]
        order = [days.c[k] for k in ("province_code", "commune_code") if k not in kept]
        in_span = func.lag(days.c.day).over(
            partition_by=[days.c[k] for k in keys], order_by=[days.c.day, *order]
        )
        previous.append(
            func.coalesce(in_span, _day_before(days, keys, start, built_before)).label(
                name
            )
        )
    return select(days, *previous)


def _day_before(
    days: Any, keys: list[str], start: datetime, built_before: date | None
) -> Any:
    """SQL: the last day before the span of the citizen (in the same place, for the
    place columns among ``keys``) of a row of ``days``."""
    if built_before is None:
        same = [
            Turn.user_pseudonym == days.c.user_pseudonym,
            *(known(getattr(Turn, k)) == days.c[k] for k in keys[1:]),
        ]
        last = select(func.max(Turn.created_at)).where(*same, Turn.created_at < start)
        return local_day(last.scalar_subquery())
    same = [getattr(CitizenDay, k) == days.c[k] for k in keys]
    return (
        select(func.max(CitizenDay.day))
        .where(*same, CitizenDay.day < built_before)
        .scalar_subquery()
    )


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


def visit_gap(rows: Any, level: str) -> ColumnElement[int]:
    """SQL: the days from a citizen-day row of ``rows`` to the citizen's previous day
    at ``level`` (a previous-day column); :data:`FIRST_VISIT` when none."""
    return func.coalesce(day_gap(rows.c.day, rows.c[level]), FIRST_VISIT)


def first_since(rows: Any, since: Any) -> ColumnElement[bool]:
    """SQL: whether the counted citizen-days of ``rows`` (a ``gap`` column) are
    their citizen's first since the date ``since`` (no previous day after it)."""
    return or_(rows.c.gap == FIRST_VISIT, rows.c.gap > day_gap(rows.c.day, since))


def build_gaps(session: Session, first: date, until: date) -> None:
    """(Re)builds ``querylog_citizen_gap`` from ``querylog_citizen_day`` for the days
    in [first, until); no commit."""
    session.execute(
        delete(CitizenGap).where(CitizenGap.day >= first, CitizenGap.day < until)
    )
    rows = (
        select(CitizenDay)
        .where(CitizenDay.day >= first, CitizenDay.day < until)
        .subquery()
    )
    for level, kept in GAP_LEVELS.items():
        gap = visit_gap(rows, level)
        province = rows.c.province_code if kept else literal_column(f"'{DROPPED}'")
        session.execute(
            insert(CitizenGap).from_select(
                ["level", "day", "channel", "province_code", "gap", "citizens"],
                select(
                    literal_column(f"'{level}'"),
                    rows.c.day,
                    rows.c.channel,
                    province.label("province_code"),
                    gap.label("gap"),
                    func.count(),
                ).group_by(
                    rows.c.day,
                    rows.c.channel,
                    *([rows.c.province_code] if kept else []),
                    gap,
                ),
            )
        )


def build_days(session: Session, first: date, until: date, before: datetime) -> None:
    """(Re)builds the daily tables and their aggregates for the days in
    [first, until) from the turns logged before ``before``; no commit."""
    build_daily_tables(session, first, until, before)
    build_aggregates(session, first, until)
    build_gaps(session, first, until)


def build_daily_tables(
    session: Session, first: date, until: date, before: datetime
) -> None:
    """(Re)builds ``querylog_daily`` and ``querylog_citizen_day`` (not their
    aggregates) for the days in [first, until) from the turns logged before
    ``before``; no commit."""
    start, end = day_start(first), min(day_start(until), before)
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
    # Staged in a temporary table: the rows' previous days are looked up in
    # querylog_citizen_day, which must not grow under those lookups (on a first
    # build the planner, seeing an empty table, scans it for each of them, rows
    # inserted by the same statement included).
    columns = [*CITIZEN_DIMENSIONS, "turns", *PREVIOUS_DAY_LEVELS]
    staged = Table(
        "querylog_citizen_day_staged",
        MetaData(),
        *(Column(c.name, c.type) for c in CitizenDay.__table__.columns),
        prefixes=["TEMPORARY"],
    )
    # (Created in the build's transaction: a failure rolls it back with the rest.)
    staged.create(session.connection())
    session.execute(
        insert(staged).from_select(columns, live_citizen_days(start, end, first))
    )
    session.execute(
        insert(CitizenDay).from_select(columns, select(*(staged.c[c] for c in columns)))
    )
    staged.drop(session.connection())


def as_date(value: Any) -> date:
    """A date read from SQL (SQLite gives computed dates back as text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
