"""Claiming one row of a work table among several gateway workers.

The durable inbox (webhook events in) and the outbox (replies out) are tables that
every worker polls. A row is claimed by moving its lease forward in one UPDATE whose
candidate is chosen ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never
take the same row and neither waits for the other; SQLite has no row locks (and
ignores the clause), but it serialises writers, and the UPDATE re-checks that the
row is still free, so the loser updates nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Engine, Row, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session


def claim_row(
    engine: Engine,
    table: Any,
    available: ColumnElement[bool],
    values: dict[str, Any],
    returning: tuple[InstrumentedAttribute[Any], ...],
    *where: ColumnElement[bool],
) -> Row[Any] | None:
    """Sets ``values`` on the oldest row (by id) of ``table`` that is ``available``
    and matches ``where``, and returns its ``returning`` columns; None when there
    is none (or another worker took it first)."""
    candidate = (
        select(table.id)
        .where(available, *where)
        .order_by(table.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(table)
        .where(table.id == candidate.scalar_subquery(), available)
        .values(**values)
        .returning(*returning)
    )
    with Session(engine) as session:
        row = session.execute(statement).first()
        session.commit()
    return row
