"""Web chat messages sent again get the reply they already got.

The web chat keeps a message it could not send and sends it again (api/web/static/
chat.js): on a phone whose connection drops while the answer is on its way, the
gateway has already handled the turn, and a second send would make Rasa read the
message twice (a typed "1" answering a guided procedure's next question too) and log
the turn twice. So the page gives each message an id, kept across its sends, and the
gateway records (pseudonym, id) in the database before handling it and the reply after:
a send that finds the reply gets it; one that finds the message still being handled
waits for it; one taken longer than ``TAKEN_FOR`` ago with no reply (its worker died)
is handled again. The rows are kept for a day (``python -m api purge``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.channels.models import WebChatReply
from api.core.db import utcnow

# A message taken this long ago with no reply was dropped by a worker that died: a
# turn takes well under the gateway's Rasa timeout.
TAKEN_FOR = timedelta(seconds=60)
# How long a reply is kept for a page that sends its message again.
KEPT_FOR = timedelta(days=1)

State = Literal["new", "done", "busy"]


@dataclass(frozen=True)
class Taken:
    """``new``: this send handles the message; ``done``: it was answered (``response``);
    ``busy``: another send is handling it."""

    state: State
    response: dict[str, Any] | None = None
    # ``new``, taken over from a send whose worker died (it may have reached Rasa).
    again: bool = False


class WebReplies:
    """The web chat's (pseudonym, message id) -> reply records."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def take(self, user: str, message_id: str, now: datetime | None = None) -> Taken:
        """Takes ``message_id`` for handling, or says why not (blocking: call it in a
        worker thread)."""
        now = now or utcnow()
        with Session(self._engine) as session:
            try:
                session.add(
                    WebChatReply(
                        user_pseudonym=user, message_id=message_id, taken_at=now
                    )
                )
                session.commit()
                return Taken("new")
            except IntegrityError:
                session.rollback()
            row = session.get(WebChatReply, (user, message_id))
            if row is None:  # purged between the two statements: handled afresh
                return Taken("new")
            if row.response is not None:
                return Taken("done", row.response)
            if row.taken_at > now - TAKEN_FOR:
                return Taken("busy")
            # Its worker died: taken again, by one send only.
            moved = session.execute(
                update(WebChatReply)
                .where(
                    *_message(user, message_id),
                    WebChatReply.taken_at == row.taken_at,
                    WebChatReply.response.is_(None),
                )
                .values(taken_at=now)
            )
            session.commit()
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                return Taken("busy")
            return Taken("new", again=True)

    def answer(self, user: str, message_id: str, response: dict[str, Any]) -> None:
        """Records the reply the message got."""
        with Session(self._engine) as session:
            session.execute(
                update(WebChatReply)
                .where(*_message(user, message_id))
                .values(response=response)
            )
            session.commit()

    def release(self, user: str, message_id: str) -> None:
        """Forgets a message whose handling failed, so that a new send handles it."""
        with Session(self._engine) as session:
            session.execute(
                delete(WebChatReply).where(
                    *_message(user, message_id), WebChatReply.response.is_(None)
                )
            )
            session.commit()

    def purge(self, now: datetime | None = None) -> int:
        """Deletes the records older than ``KEPT_FOR``; returns how many."""
        before = (now or utcnow()) - KEPT_FOR
        with Session(self._engine) as session:
            deleted = session.execute(
                delete(WebChatReply).where(WebChatReply.taken_at < before)
            )
            session.commit()
        return int(deleted.rowcount)  # type: ignore[attr-defined]


def _message(user: str, message_id: str) -> tuple[ColumnElement[bool], ...]:
    """The conditions that pick one message's record."""
    return (
        WebChatReply.user_pseudonym == user,
        WebChatReply.message_id == message_id,
    )
