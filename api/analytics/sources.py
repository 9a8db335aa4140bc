"""Where the dashboard's counts come from: the daily tables for the days already
built, the query log for the rest.

Counts of turns come from :func:`daily_rows`, counts of citizens from
:func:`citizen_counts`; both read the daily tables (the smallest aggregate that keeps
the dimensions asked for) for the days already built and the query log for the
turns after them, so the same numbers come out before and after a purge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Select,
    Subquery,
    cast,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from api.analytics.filters import Filters
from api.core.clock import day_start
from api.querylog.models import (
    AREA_COLUMNS,
    CitizenDay,
    CitizenGap,
    DailyStat,
    Rollup,
    Turn,
)
from api.querylog.rollup import (
    AGGREGATES,
    DAILY_DIMENSIONS,
    DROPPED,
    GAP_LEVELS,
    Aggregate,
    first_since,
    live_citizen_days,
    live_daily,
    visit_gap,
)
from api.querylog.rollup_refresh import built_state

DAILY_COLUMNS = (*DAILY_DIMENSIONS, "turns", "helpful", "not_helpful")
COUNT_COLUMNS = (*AREA_COLUMNS, "day", "gap", "citizens")
ONE_DAY = timedelta(days=1)


def daily_rows(
    session: Session, f: Filters, needs: Iterable[str] = (), by_day: bool = False
) -> Subquery:
    """Turns per day and dimension for ``f`` (columns of ``querylog_daily``).

    ``needs`` names the dimensions the caller groups by (the area of ``f`` is added).
    Whole calendar months are read from the smallest monthly aggregate keeping them,
    unless the caller needs days (``by_day``: then ``day`` is a month's first day for
    those rows); the other built days from the smallest daily one (``querylog_daily``
    itself when none keeps them, or while the aggregates are being rebuilt); the
    turns not built yet from the query log.
    """
    needed = {*needs, *f.area()}

    def built(first: date, last: date, aggregates: bool) -> list[Select[Any]]:
        parts = []
        spans = [(first, last)]
        months = None if by_day else _whole_months(first, last)
        monthly = _smallest("month", needed) if aggregates else None
        if months is not None and monthly is not None:
            since, until = months
            parts.append(_rollup_rows(monthly, since, until))
            spans = [(first, since - ONE_DAY), (until, last)]
        daily = _smallest("day", needed) if aggregates else None
        for start, end in spans:
            if start > end:
                continue
            if daily is None:
                parts.append(
                    select(*(getattr(DailyStat, c) for c in DAILY_COLUMNS)).where(
                        DailyStat.day >= start, DailyStat.day <= end
                    )
                )
            else:
                parts.append(_rollup_rows(daily, start, end + ONE_DAY))
        return parts

    def live(start: datetime, end: datetime, _: date | None) -> Select[Any]:
        return live_daily(start, end)

    return _built_and_live(session, f, built, live, DAILY_COLUMNS)


def citizen_counts(session: Session, f: Filters, keys: Iterable[str] = ()) -> Subquery:
    """Citizen-days for ``f`` counted per day, place and gap to the citizen's
    previous day at the place level of ``f`` and ``keys`` (columns
    :data:`COUNT_COLUMNS`; the place columns finer than the level may hold "*"):
    from ``querylog_citizen_gap`` for the country and province levels, else from the
    citizen-days themselves."""
    level = _previous_day_level(f, keys)

    def counted(rows: Subquery) -> Select[Any]:
        return select(
            *(rows.c[c] for c in AREA_COLUMNS),
            rows.c.day,
            visit_gap(rows, level).label("gap"),
            literal(1).label("citizens"),
        )

    def built(first: date, last: date, aggregates: bool) -> list[Select[Any]]:
        if aggregates and level in GAP_LEVELS:
            return [
                select(
                    CitizenGap.channel,
                    CitizenGap.province_code,
                    literal_column(f"'{DROPPED}'").label("commune_code"),
                    CitizenGap.day,
                    CitizenGap.gap,
                    CitizenGap.citizens,
                ).where(
                    CitizenGap.level == level,
                    CitizenGap.day >= first,
                    CitizenGap.day <= last,
                )
            ]
        rows = select(CitizenDay).where(CitizenDay.day >= first, CitizenDay.day <= last)
        return [counted(rows.subquery())]

    def live(start: datetime, end: datetime, built_before: date | None) -> Select[Any]:
        return counted(live_citizen_days(start, end, built_before).subquery())

    return _built_and_live(session, f, built, live, COUNT_COLUMNS)


def _smallest(grain: str, needed: set[str]) -> Aggregate | None:
    return next((a for a in AGGREGATES if a.grain == grain and a.covers(needed)), None)


def _rollup_rows(aggregate: Aggregate, since: date, until: date) -> Select[Any]:
    """Rows of ``aggregate`` for the periods starting in [since, until)."""
    return select(
        Rollup.period_start.label("day"),
        *(getattr(Rollup, c) for c in DAILY_COLUMNS[1:]),
    ).where(
        Rollup.aggregate == aggregate.name,
        Rollup.period_start >= since,
        Rollup.period_start < until,
    )


def _whole_months(first: date, last: date) -> tuple[date, date] | None:
    """[since, until): the calendar months wholly inside [first, last], if any."""
    since = first if first.day == 1 else next_month(first)
    after = last + ONE_DAY
    until = after.replace(day=1)
    return (since, until) if since < until else None


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _built_and_live(
    session: Session,
    f: Filters,
    built: Callable[[date, date, bool], list[Select[Any]]],
    live: Callable[[datetime, datetime, date | None], Select[Any]],
    columns: tuple[str, ...],
) -> Subquery:
    """``columns`` from ``built`` (first day, last day, whether the aggregates are
    current) for the turns already in the daily tables and from ``live`` (the same
    grouping computed from the query log, given the first day not in the daily
    tables) for the others, in the area of ``f``."""
    state = built_state(session)
    start, end = day_start(f.start), day_start(f.end + ONE_DAY)
    parts: list[Select[Any]] = []
    if state is not None and f.start <= state.last_day:
        last = min(f.end, state.last_day)
        parts.extend(built(f.start, last, state.aggregates))
        start = max(start, state.before)
    if start < end:
        after = state.last_day + ONE_DAY if state is not None else None
        rows = live(start, end, after).subquery()
        parts.append(select(*(rows.c[c] for c in columns)))
    source = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    area = [source.c[column] == value for column, value in f.area().items()]
    return select(source).where(*area).subquery()


def turn_conditions(f: Filters) -> list[ColumnElement[bool]]:
    """Conditions on the query log for the period and area of ``f``."""
    return [
        *f.during(Turn.created_at),
        *(getattr(Turn, column) == value for column, value in f.area().items()),
    ]


def int_sum(column: Any) -> ColumnElement[int]:
    # PostgreSQL sums bigints as numeric (Decimal); counts stay integers.
    return cast(func.coalesce(func.sum(column), 0), BigInteger)


def citizens_by(session: Session, f: Filters, *keys: str) -> dict[tuple[Any, ...], int]:
    """Distinct citizens of ``f`` per value of the columns ``keys``: the citizen-days
    that are their citizen's first in the period (at the place level of ``keys``)."""
    counts = citizen_counts(session, f, keys)
    columns = [counts.c[k] for k in keys]
    return {
        tuple(row[:-1]): row[-1]
        for row in session.execute(
            select(*columns, int_sum(counts.c.citizens))
            .where(first_since(counts, literal(f.start, Date)))
            .group_by(*columns)
        ).tuples()
    }


def _previous_day_level(f: Filters, keys: Iterable[str]) -> str:
    place = {*keys, *f.area()}
    if "commune_code" in place:
        return "previous_day_commune"
    if "province_code" in place:
        return "previous_day_province"
    return "previous_day"
