"""SQL functions for Vietnam-local days that compile on PostgreSQL and SQLite.

Each function is a SQLAlchemy ``FunctionElement`` with one ``@compiles`` per dialect;
the plain helpers below them (:func:`period_start`, :func:`known`, :func:`count_if`)
build on them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, Float, Integer, case, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


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


class week_minute(FunctionElement[int]):
    """SQL: the Vietnam-local minute of the week of a UTC timestamp column (0 is
    Monday 00:00, 10079 Sunday 23:59), to compare with office hours."""

    type = Integer()
    inherit_cache = True
    name = "week_minute"


@compiles(week_minute, "postgresql")
def _week_minute_pg(element: week_minute, compiler: SQLCompiler, **kw: Any) -> str:
    local = (
        f"(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC')"
        " + INTERVAL '7 hours'"
    )
    return (
        f"CAST((EXTRACT(ISODOW FROM {local}) - 1) * 1440"
        f" + EXTRACT(HOUR FROM {local}) * 60 + EXTRACT(MINUTE FROM {local}) AS INTEGER)"
    )


@compiles(week_minute, "sqlite")
def _week_minute_sqlite(element: week_minute, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)

    def part(code: str) -> str:
        return f"CAST(strftime('{code}', {column}, '+7 hours') AS INTEGER)"

    return f"(({part('%w')} + 6) % 7) * 1440 + {part('%H')} * 60 + {part('%M')}"


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


class minutes_between(FunctionElement[float]):
    """SQL: the minutes from the second timestamp column to the first (a later - an
    earlier), with their fraction."""

    type = Float()
    inherit_cache = True
    name = "minutes_between"


@compiles(minutes_between, "postgresql")
def _minutes_between_pg(
    element: minutes_between, compiler: SQLCompiler, **kw: Any
) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 60.0)"


@compiles(minutes_between, "sqlite")
def _minutes_between_sqlite(
    element: minutes_between, compiler: SQLCompiler, **kw: Any
) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 1440.0)"


class latest(FunctionElement[date]):
    """SQL: the later of two dates (GREATEST on PostgreSQL, scalar max on SQLite)."""

    type = Date()
    inherit_cache = True
    name = "latest"


@compiles(latest, "postgresql")
def _latest_pg(element: latest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(latest, "sqlite")
def _latest_sqlite(element: latest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


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
