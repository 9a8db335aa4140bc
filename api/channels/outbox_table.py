"""The outbox's table: replies stored, sealed, until they are delivered or given up.

:class:`Outbox` is the synchronous side of :mod:`api.channels.outbox` (called through
``asyncio.to_thread``): a reply put for a later try, a webhook turn's reply taken over
from its inbox event, a claim of the oldest due row or of one row by id, and the
record of each piece delivered. Why a table, and how the relay is told of a hand-over:
:mod:`api.channels.outbox` and :mod:`api.relay`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from api.channels.claims import ClaimedTable, claim_row
from api.channels.models import InboundEvent, OutboundMessage
from api.core.db import utcnow

logger = logging.getLogger(__name__)

# PostgreSQL's notification channel on which a relay hears of a reply handed over
# (the payload: its id).
RELAY_CHANNEL = "bdhvs_outbox"


@dataclass(frozen=True)
class Parcel:
    """A stored reply a worker now holds."""

    id: int
    channel: str
    kind: str
    ref: int | None
    address: str
    pieces: list[dict[str, Any]]
    sent: int
    attempts: int
    created_at: datetime


# What a claim reads of the row to make its Parcel.
PARCEL_COLUMNS = (
    OutboundMessage.id,
    OutboundMessage.channel,
    OutboundMessage.kind,
    OutboundMessage.ref,
    OutboundMessage.sealed,
    OutboundMessage.sent,
    OutboundMessage.attempts,
    OutboundMessage.created_at,
)


class Outbox(ClaimedTable):
    """The table; synchronous, called through ``asyncio.to_thread``."""

    TABLE = OutboundMessage
    UNTIL = "due_at"
    PURPOSE = b"bdhvs-channel-outbox"

    def put(
        self,
        channel: str,
        kind: str,
        ref: int | None,
        address: str,
        pieces: list[dict[str, Any]],
        due_at: datetime,
        error: str | None,
        relayed: bool = False,
    ) -> int:
        """Stores ``pieces`` for ``address``, to be sent from ``due_at``
        (``relayed``: the relay is told at the commit, as for :meth:`take_over`)."""
        with Session(self._engine) as session:
            row = self._row(channel, kind, ref, address, pieces, due_at, error)
            return self._store(session, row, relayed)

    def take_over(
        self,
        event_id: int,
        claim: int,
        channel: str,
        kind: str,
        ref: int | None,
        address: str,
        pieces: list[dict[str, Any]],
        relayed: bool = False,
    ) -> int | None:
        """In one transaction, deletes the inbox event ``event_id`` (as claimed
        for the ``claim``-th time) and stores its reply, held by this worker for
        the lease (``relayed``: due at once for the relay, woken on PostgreSQL by
        a notification the commit sends); None, and nothing done, when the event
        is no longer under that claim (it lapsed, and another worker handles the
        event)."""
        with Session(self._engine) as session:
            gone = session.execute(
                delete(InboundEvent).where(
                    InboundEvent.id == event_id, InboundEvent.attempts == claim
                )
            )
            if gone.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                return None
            due = utcnow() if relayed else utcnow() + self._lease
            row = self._row(channel, kind, ref, address, pieces, due, None)
            if not relayed:  # held by this worker, which sends it now
                row.holder = self._holder()
            return self._store(session, row, relayed)

    def _store(self, session: Session, row: OutboundMessage, relayed: bool) -> int:
        """Adds ``row`` and commits ``session``; ``relayed``: the relay is told of
        it, by a notification PostgreSQL sends at the commit and only if it commits
        (SQLite: the relay's poll finds it)."""
        session.add(row)
        session.flush()
        message_id = row.id
        if relayed and self._engine.dialect.name == "postgresql":
            session.execute(select(func.pg_notify(RELAY_CHANNEL, str(message_id))))
        session.commit()
        return message_id

    def _row(
        self,
        channel: str,
        kind: str,
        ref: int | None,
        address: str,
        pieces: list[dict[str, Any]],
        due_at: datetime,
        error: str | None,
    ) -> OutboundMessage:
        content = {"address": address, "pieces": pieces}
        sealed = self._fernet.encrypt(json.dumps(content, ensure_ascii=False).encode())
        return OutboundMessage(
            channel=channel,
            kind=kind,
            ref=ref,
            sealed=sealed,
            due_at=due_at,
            attempts=0,
            sent=0,
            last_error=error[:60] if error else None,
        )

    def claim(self, channels: Collection[str]) -> Parcel | None:
        """The oldest due row of one of ``channels`` (those this worker can send
        on), now held by this worker for the lease; None if none is due."""
        now = utcnow()
        row = claim_row(
            self._engine,
            OutboundMessage,
            OutboundMessage.due_at <= now,
            self._claimed(now),
            PARCEL_COLUMNS,
            OutboundMessage.channel.in_(channels),
        )
        return None if row is None else self._parcel(row)

    def claim_id(self, message_id: int, channels: Collection[str]) -> Parcel | None:
        """Message ``message_id``, now held by this worker for the lease, if it is
        due and of one of ``channels``; None if another worker holds it or it is
        gone. One statement: a second claimant's UPDATE waits for the first's and
        then finds the row no longer due."""
        now = utcnow()
        with self._direct.connect() as connection:
            row = connection.execute(
                update(OutboundMessage)
                .where(
                    OutboundMessage.id == message_id,
                    OutboundMessage.due_at <= now,
                    OutboundMessage.channel.in_(channels),
                )
                .values(**self._claimed(now))
                .returning(*PARCEL_COLUMNS)
            ).first()
        return None if row is None else self._parcel(row)

    def _claimed(self, now: datetime) -> dict[str, Any]:
        return {
            "due_at": now + self._lease,
            "attempts": OutboundMessage.attempts + 1,
            "holder": self._holder(),
        }

    def _parcel(self, row: Any) -> Parcel:
        try:
            content = json.loads(self._fernet.decrypt(row.sealed))
        except InvalidToken:  # sealed under a token key since rotated
            logger.warning("outbound message %s unreadable (key rotated)", row.id)
            content = {"address": "", "pieces": []}
        return Parcel(
            id=row.id,
            channel=row.channel,
            kind=row.kind,
            ref=row.ref,
            address=content["address"],
            pieces=content["pieces"],
            sent=row.sent,
            attempts=row.attempts,
            created_at=row.created_at,
        )

    def advance(self, message_id: int) -> None:
        """One more piece of ``message_id`` was delivered."""
        self._update(message_id, sent=OutboundMessage.sent + 1)

    def retry_at(self, message_id: int, due_at: datetime, error: str) -> None:
        """Releases ``message_id`` until ``due_at``."""
        self._update(message_id, due_at=due_at, last_error=error[:60], holder=None)

    def done(self, message_id: int) -> None:
        """Forgets a delivered (or given up) message."""
        with self._direct.connect() as connection:
            connection.execute(
                delete(OutboundMessage).where(OutboundMessage.id == message_id)
            )

    def waiting(self) -> int:
        """Messages not yet delivered nor given up."""
        with Session(self._engine) as session:
            return int(
                session.scalar(select(func.count()).select_from(OutboundMessage)) or 0
            )

    def _update(self, message_id: int, **values: Any) -> None:
        with self._direct.connect() as connection:
            connection.execute(
                update(OutboundMessage)
                .where(OutboundMessage.id == message_id)
                .values(**values)
            )
