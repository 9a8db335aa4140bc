"""The team's side of the hand-off: the queue of the member's communes, a ticket with
its thread and the citizen's masked conversation, claiming, replying and closing.

Team members claim a ticket, read the masked conversation, reply (the caller sends
the reply on the citizen's channel) and close it with a resolution. A ticket nobody
claims before ``claim_due_at`` is escalated: the province's staff see it too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true, update
from sqlalchemy.orm import Session

from api.core.db import utcnow
from api.core.step import Step
from api.handoff.models import HandoffMessage, HandoffTicket, Resolution, TicketStatus
from api.handoff.wording import DEFAULT_TEAM, STAFF_REPLY, satisfaction_step
from api.places.service import place_names
from api.privacy.masking import mask
from api.querylog.models import Turn
from api.teams.models import CommunityTeam

# What the outbox records the outcome of, when the platform refuses a message for a
# while (api.relay registers where): a team's reply (ref: its hand-off message,
# whose delivery stays "sending" meanwhile) and the satisfaction question (ref: the
# ticket, whose question stays "sending" meanwhile).
HANDOFF_REPLY = "handoff_reply"
HANDOFF_SURVEY = "handoff_survey"

QUEUE_STATUSES = (TicketStatus.OPEN, TicketStatus.CLAIMED, TicketStatus.CLOSED)
# Turns before the offer shown to the team with the ticket (the conversation).
CONVERSATION_BEFORE = timedelta(days=2)
CONVERSATION_TURNS = 40


def escalate_overdue(session: Session, now: datetime | None = None) -> int:
    """Marks the open tickets nobody claimed in time as escalated; returns how many.
    Idempotent, so every listing may run it (any worker)."""
    now = now or utcnow()
    result = session.execute(
        update(HandoffTicket)
        .where(
            HandoffTicket.status == TicketStatus.OPEN,
            HandoffTicket.escalated_at.is_(None),
            HandoffTicket.claim_due_at < now,
        )
        .values(escalated_at=now)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


class TicketNotFound(LookupError):
    """No such ticket in the staff member's communes."""


class TicketConflict(ValueError):
    """The ticket is claimed by someone else, or closed."""


@dataclass(frozen=True)
class Viewer:
    """Who looks at the queue: admins see every ticket; team members the tickets of
    their communes, and the escalated ones of their provinces."""

    username: str
    admin: bool
    communes: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()

    def condition(self) -> ColumnElement[bool]:
        """SQL: the tickets this viewer may see."""
        if self.admin:
            return true()
        return or_(
            HandoffTicket.commune_code.in_(self.communes),
            and_(
                HandoffTicket.escalated_at.is_not(None),
                HandoffTicket.province_code.in_(self.provinces),
            ),
        )


def _item(ticket: HandoffTicket, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "status": ticket.status.value,
        "reason": ticket.reason.value,
        "channel": ticket.channel,
        "province_code": ticket.province_code,
        "province_name": names.get(ticket.province_code or ""),
        "commune_code": ticket.commune_code,
        "commune_name": names.get(ticket.commune_code or ""),
        "team_id": ticket.team_id,
        "description": ticket.description,
        "opened_at": _iso(ticket.opened_at),
        "claim_due_at": _iso(ticket.claim_due_at),
        "escalated": ticket.escalated_at is not None,
        "claimed_by": ticket.claimed_by,
        "claimed_at": _iso(ticket.claimed_at),
        "first_reply_at": _iso(ticket.first_reply_at),
        "closed_at": _iso(ticket.closed_at),
        "resolution": ticket.resolution.value if ticket.resolution else None,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def list_tickets(
    session: Session, viewer: Viewer, statuses: Sequence[TicketStatus], limit: int
) -> list[dict[str, Any]]:
    """The viewer's tickets in ``statuses``: escalated then oldest first (closed
    ones: most recently closed first)."""
    escalate_overdue(session)
    order = (
        # Closed ones: the most recently closed first.
        (HandoffTicket.closed_at.desc(), HandoffTicket.id.desc())
        if set(statuses) == {TicketStatus.CLOSED}
        else (
            HandoffTicket.escalated_at.is_(None),
            HandoffTicket.opened_at,
            HandoffTicket.id,
        )
    )
    tickets = session.scalars(
        select(HandoffTicket)
        .where(HandoffTicket.status.in_(statuses), viewer.condition())
        .order_by(*order)
        .limit(limit)
    ).all()
    names = place_names(
        session,
        {c for t in tickets for c in (t.province_code, t.commune_code) if c},
    )
    return [_item(t, names) for t in tickets]


def _visible(session: Session, viewer: Viewer, ticket_id: int) -> HandoffTicket:
    ticket = session.scalars(
        select(HandoffTicket).where(
            HandoffTicket.id == ticket_id,
            HandoffTicket.status.in_(QUEUE_STATUSES),
            viewer.condition(),
        )
    ).first()
    if ticket is None:
        raise TicketNotFound(ticket_id)
    return ticket


def ticket_detail(session: Session, viewer: Viewer, ticket_id: int) -> dict[str, Any]:
    """A ticket with its thread and the citizen's masked conversation around it."""
    escalate_overdue(session)
    ticket = _visible(session, viewer, ticket_id)
    names = place_names(
        session, {c for c in (ticket.province_code, ticket.commune_code) if c}
    )
    thread = session.scalars(
        select(HandoffMessage)
        .where(HandoffMessage.ticket_id == ticket.id)
        .order_by(HandoffMessage.id)
    ).all()
    turns = session.scalars(
        select(Turn)
        .where(
            Turn.user_pseudonym == ticket.user_pseudonym,
            Turn.created_at >= ticket.offered_at - CONVERSATION_BEFORE,
        )
        .order_by(Turn.created_at.desc(), Turn.id.desc())
        .limit(CONVERSATION_TURNS)
    ).all()
    return {
        **_item(ticket, names),
        "thread": [
            {
                "at": m.created_at.isoformat(),
                "author": m.author,
                "text": m.text_masked,
                "delivery": m.delivery,
            }
            for m in thread
        ],
        "conversation": [
            {
                "at": t.created_at.isoformat(),
                "text": t.text_masked,
                "reply": t.reply_masked,
                "outcome": t.outcome.value,
            }
            for t in reversed(turns)
        ],
    }


def claim(session: Session, viewer: Viewer, ticket_id: int, now: datetime) -> None:
    """Takes an open ticket (again: a no-op); someone else's or a closed one is a
    conflict. The row is locked, so two members cannot both claim it."""
    _visible(session, viewer, ticket_id)
    ticket = session.get(
        HandoffTicket, ticket_id, with_for_update=True, populate_existing=True
    )
    assert ticket is not None
    if ticket.status is TicketStatus.CLAIMED and ticket.claimed_by == viewer.username:
        session.rollback()
        return
    if ticket.status is not TicketStatus.OPEN:
        session.rollback()
        raise TicketConflict(ticket.claimed_by or ticket.status.value)
    ticket.status = TicketStatus.CLAIMED
    ticket.claimed_by = viewer.username
    ticket.claimed_at = now
    session.commit()


@dataclass(frozen=True)
class Outgoing:
    """A team reply to send: to whom, on which channel, and the text as sent."""

    ticket_id: int
    message_id: int
    channel: str
    user_pseudonym: str
    text: str


@dataclass(frozen=True)
class Survey:
    """The satisfaction question to send after closing a ticket."""

    ticket_id: int
    channel: str
    user_pseudonym: str
    step: Step


def add_reply(
    session: Session, viewer: Viewer, ticket_id: int, text: str, now: datetime
) -> Outgoing:
    """Records a reply of the member who claimed the ticket (an admin may answer any
    claimed ticket); the caller sends it and then calls :func:`set_delivery`."""
    ticket = _visible(session, viewer, ticket_id)
    if ticket.status is not TicketStatus.CLAIMED or (
        ticket.claimed_by != viewer.username and not viewer.admin
    ):
        raise TicketConflict(ticket.claimed_by or ticket.status.value)
    team = session.get(CommunityTeam, ticket.team_id) if ticket.team_id else None
    sent = STAFF_REPLY.format(
        team=team.name if team else DEFAULT_TEAM,
        number=ticket.id,
        text=text,
    )
    message = HandoffMessage(
        ticket_id=ticket.id,
        author=viewer.username,
        text_masked=mask(text),
        delivery="sending",
    )
    session.add(message)
    if ticket.first_reply_at is None:
        ticket.first_reply_at = now
    session.commit()
    return Outgoing(ticket.id, message.id, ticket.channel, ticket.user_pseudonym, sent)


def set_delivery(session: Session, message_id: int, delivery: str) -> None:
    """Records how a team reply went out ("sent", "waiting", "failed:...")."""
    message = session.get(HandoffMessage, message_id)
    if message is not None:
        message.delivery = delivery[:60]
        session.commit()


def close(
    session: Session,
    viewer: Viewer,
    ticket_id: int,
    resolution: Resolution,
    now: datetime,
) -> Survey:
    """Closes a claimed ticket with its resolution (the claimer or an admin);
    returns the satisfaction question for the caller to send (then
    :func:`set_satisfaction_delivery`)."""
    ticket = _visible(session, viewer, ticket_id)
    if ticket.status is TicketStatus.CLOSED:
        raise TicketConflict("closed")
    if not viewer.admin and (
        ticket.status is not TicketStatus.CLAIMED
        or ticket.claimed_by != viewer.username
    ):
        raise TicketConflict(ticket.claimed_by or ticket.status.value)
    ticket.status = TicketStatus.CLOSED
    ticket.resolution = resolution
    ticket.closed_at = now
    ticket.closed_by = viewer.username
    # Set with the closing, so the web chat's next look finds the question waiting.
    ticket.satisfaction = "waiting" if ticket.channel == "web" else "sending"
    session.commit()
    return Survey(
        ticket.id, ticket.channel, ticket.user_pseudonym, satisfaction_step(ticket)
    )


def set_satisfaction_delivery(session: Session, ticket_id: int, delivery: str) -> None:
    """Records how the satisfaction question went out: "asked" when sent, "failed"
    when it could not be (e.g. outside Zalo's window); the web chat's stays
    "waiting" until the page picks it up."""
    ticket = session.get(HandoffTicket, ticket_id)
    if ticket is None or ticket.satisfaction != "sending":
        return
    ticket.satisfaction = (
        "asked"
        if delivery == "sent"
        else "waiting"
        if delivery == "waiting"
        else "failed"
    )
    session.commit()
