"""Claiming one row of a work table among several gateway workers.

The durable inbox (webhook events in) and the outbox (replies out) are tables that
every worker polls. A row is claimed by moving its lease forward in one UPDATE whose
candidate is chosen ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never
take the same row and neither waits for the other; SQLite has no row locks (and
ignores the clause), but it serialises writers, and the UPDATE re-checks that the
row is still free, so the loser updates nothing.

:class:`ClaimedTable` is what the two tables share: their sealing key, the lease, and
the mark of the process holding a row (api.core.liveness), so that a dead process's
rows are given back at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from typing import Any, ClassVar

from cryptography.fernet import Fernet
from sqlalchemy import ColumnElement, Engine, Row, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from api.core.liveness import Liveness, release_orphans


def sealing_key(secret: str, purpose: bytes) -> Fernet:
    """A key of its own for ``purpose``, derived from the token key: rotating the
    token key makes what is still waiting unreadable (seconds or minutes old),
    nothing else."""
    digest = hmac.new(secret.encode(), purpose, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class ClaimedTable:
    """A table of sealed work that workers claim for a lease: the inbox, the outbox.

    Synchronous; called through ``asyncio.to_thread``. A subclass names its
    ``TABLE``, the name of the column that holds a claim until a time (``UNTIL``)
    and the ``PURPOSE`` its sealing key is derived for."""

    TABLE: ClassVar[Any]
    UNTIL: ClassVar[str]
    PURPOSE: ClassVar[bytes]

    def __init__(
        self,
        engine: Engine,
        secret: str,
        lease_seconds: float,
        liveness: Liveness | None = None,
    ) -> None:
        """Rows in ``engine``'s database, sealed with a key derived from
        ``secret``; a claim lasts ``lease_seconds``, or until this process is
        gone when ``liveness`` marks it (PostgreSQL)."""
        self._engine = engine
        # For writes of one statement: sent alone, with no BEGIN and COMMIT
        # around it (a round trip each on PostgreSQL).
        self._direct = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._liveness = liveness
        self._fernet = sealing_key(secret, self.PURPOSE)
        self._lease = timedelta(seconds=lease_seconds)

    def _holder(self) -> int | None:
        """This process's key, written on what it claims (None: the lease alone)."""
        return self._liveness.holder if self._liveness else None

    def release_orphans(self) -> int:
        """Gives back at once what a dead process held (PostgreSQL), and keeps this
        process's own mark alive; how many rows were given back."""
        if self._liveness is not None:
            self._liveness.check()
        return release_orphans(
            self._direct, self.TABLE, getattr(self.TABLE, self.UNTIL)
        )


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
