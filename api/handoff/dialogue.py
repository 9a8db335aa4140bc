"""The citizen's side of the hand-off: the offer of a person, the questions that open
a ticket, the satisfaction tap, and what a web chat citizen picks up later.

The assistant offers a person when a citizen asks for one, is not understood twice in
a row, or rates two answers unhelpful. If the citizen accepts, the gateway asks for
their commune (unless known) and a short description, opens a ticket for the team of
that commune and tells the citizen when to expect contact. Every step is a row in the
database, so any gateway worker can take the next message.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from api.citizen.profile import remembered, take_place_answer
from api.core.step import Step
from api.handoff.models import (
    HandoffMessage,
    HandoffReason,
    HandoffTicket,
    TicketStatus,
)
from api.handoff.wording import (
    ACCEPT,
    ALREADY_OPEN,
    ASK_COMMUNE,
    ASK_COMMUNE_AGAIN,
    ASK_DESCRIPTION,
    DECLINE,
    DECLINED,
    DEFAULT_TEAM,
    DESCRIPTION_TOO_SHORT,
    OFFER_BUTTONS,
    OFFER_TEXT,
    OPENED,
    STAFF_REPLY,
    satisfaction_step,
)
from api.places.service import fold
from api.querylog.models import Outcome, Turn
from api.teams import (
    EscalationContact,
    contact_message,
    is_open,
    next_opening,
    team_for_commune,
)
from api.teams.models import CommunityTeam

# Statuses in which the citizen's next message belongs to the hand-off dialogue.
ASKING = (
    TicketStatus.OFFERED,
    TicketStatus.AWAITING_PLACE,
    TicketStatus.AWAITING_DESCRIPTION,
)
ACTIVE = (TicketStatus.OPEN, TicketStatus.CLAIMED)
# Not understood this many times in a row (within NOT_UNDERSTOOD_WINDOW): offer.
NOT_UNDERSTOOD_TURNS = 2
NOT_UNDERSTOOD_WINDOW = timedelta(hours=1)
UNHELPFUL_RATINGS = 2
UNHELPFUL_WINDOW = timedelta(days=1)
# An offer not answered within this time is forgotten.
OFFER_TTL = timedelta(hours=1)
MIN_DESCRIPTION_CHARS = 5

_YES = {
    "co",
    "vang",
    "da",
    "dong y",
    "ok",
    "oke",
    "uh",
    "u",
    "1",
    "co a",
    "vang a",
    "da co",
}
_NO = {"khong", "ko", "k", "thoi", "khong can", "2", "khong a", "huy", "bo qua"}


# Satisfaction states (HandoffTicket.satisfaction) in which the question reached, or
# will reach, the citizen, so that their tap is recorded.
SATISFACTION_OPEN = ("sending", "waiting", "asked", "satisfied", "unsatisfied")


def _words(text: str) -> str:
    return fold(unicodedata.normalize("NFC", text)).strip()


# Read at every turn: built once, the citizen bound at each execution.
_ASKING = (
    select(HandoffTicket)
    .where(
        HandoffTicket.user_pseudonym == bindparam("user"),
        HandoffTicket.status.in_(ASKING),
    )
    .order_by(HandoffTicket.id.desc())
    .limit(1)
)


def _asking(session: Session, user: str) -> HandoffTicket | None:
    return session.scalars(_ASKING, {"user": user}).first()


def _active(session: Session, user: str) -> HandoffTicket | None:
    return session.scalars(
        select(HandoffTicket)
        .where(HandoffTicket.user_pseudonym == user, HandoffTicket.status.in_(ACTIVE))
        .order_by(HandoffTicket.id.desc())
        .limit(1)
    ).first()


def offer(
    session: Session, channel: str, user: str, reason: HandoffReason
) -> Step | None:
    """Offers a person, unless the citizen already has a ticket or an offer under
    way (then says so, or nothing)."""
    active = _active(session, user)
    if active is not None:
        return Step(ALREADY_OPEN.format(number=active.id))
    if _asking(session, user) is not None:
        return None
    session.add(
        HandoffTicket(
            channel=channel,
            user_pseudonym=user,
            status=TicketStatus.OFFERED,
            reason=reason,
        )
    )
    session.commit()
    return Step(OFFER_TEXT[reason], OFFER_BUTTONS)


def not_understood_again(session: Session, user: str, now: datetime) -> bool:
    """Whether the citizen's last turns (this one not logged yet) were not
    understood either: NOT_UNDERSTOOD_TURNS - 1 of them, all recent."""
    outcomes = session.scalars(
        select(Turn.outcome)
        .where(
            Turn.user_pseudonym == user,
            Turn.created_at >= now - NOT_UNDERSTOOD_WINDOW,
            Turn.outcome != Outcome.REJECTED,
        )
        .order_by(Turn.created_at.desc(), Turn.id.desc())
        .limit(NOT_UNDERSTOOD_TURNS - 1)
    ).all()
    return len(outcomes) == NOT_UNDERSTOOD_TURNS - 1 and all(
        o in (Outcome.UNSURE, Outcome.OUT_OF_SCOPE) for o in outcomes
    )


def unhelpful_enough(session: Session, user: str, now: datetime) -> bool:
    """Whether the citizen rated UNHELPFUL_RATINGS answers unhelpful recently."""
    rated = session.scalars(
        select(Turn.id).where(
            Turn.user_pseudonym == user,
            Turn.feedback == "not_helpful",
            Turn.created_at >= now - UNHELPFUL_WINDOW,
        )
    ).all()
    return len(rated) >= UNHELPFUL_RATINGS


def continue_dialogue(
    session: Session,
    user: str,
    text: str,
    now: datetime,
    escalations: Mapping[str, EscalationContact],
    claim_hours: float,
) -> Step | None:
    """Reads the citizen's message as their answer in the hand-off dialogue; None
    when there is no dialogue or the citizen moved on (the message then goes to the
    assistant as usual)."""
    ticket = _asking(session, user)
    if ticket is None:
        return None
    words = _words(text)
    if text == DECLINE or words in _NO:
        ticket.status = TicketStatus.DECLINED
        session.commit()
        return Step(DECLINED)
    if ticket.status is TicketStatus.OFFERED:
        if now - ticket.offered_at > OFFER_TTL or not (text == ACCEPT or words in _YES):
            ticket.status = TicketStatus.DECLINED
            session.commit()
            return None
        place = remembered(session, user).place
        if place.commune_code is None:
            ticket.status = TicketStatus.AWAITING_PLACE
            session.commit()
            return Step(ASK_COMMUNE)
        ticket.province_code, ticket.commune_code = (
            place.province_code,
            place.commune_code,
        )
        ticket.status = TicketStatus.AWAITING_DESCRIPTION
        session.commit()
        return Step(ASK_DESCRIPTION)
    if ticket.status is TicketStatus.AWAITING_PLACE:
        answer = take_place_answer(session, user, text)
        if answer is None or (answer.understood and answer.place.commune_code is None):
            return Step(ASK_COMMUNE_AGAIN)
        if not answer.understood:  # several communes of that name: the list
            return Step(answer.text)
        ticket = _asking(session, user) or ticket
        ticket.province_code = answer.place.province_code
        ticket.commune_code = answer.place.commune_code
        ticket.status = TicketStatus.AWAITING_DESCRIPTION
        session.commit()
        return Step(f"{answer.text}\n\n{ASK_DESCRIPTION}")
    if len(words) < MIN_DESCRIPTION_CHARS:
        return Step(DESCRIPTION_TOO_SHORT)
    return Step(_open(session, ticket, text, now, escalations, claim_hours))


def _open(
    session: Session,
    ticket: HandoffTicket,
    description: str,
    now: datetime,
    escalations: Mapping[str, EscalationContact],
    claim_hours: float,
) -> str:
    """Opens the ticket for the team of its commune; returns what to tell the
    citizen: its number, when the team gets in touch and where to find it."""
    assert ticket.commune_code is not None
    team = team_for_commune(session, ticket.commune_code)
    ticket.team_id = team.id if team is not None else None
    ticket.description = description
    ticket.status = TicketStatus.OPEN
    ticket.opened_at = now
    if team is None:
        # No team to claim it: the province sees it at once.
        ticket.claim_due_at = now
    else:
        start = now if is_open(team, now) else next_opening(team, now)
        ticket.claim_due_at = start + timedelta(hours=claim_hours)
    session.flush()
    number = ticket.id
    session.add(
        HandoffMessage(
            ticket_id=number, author="citizen", text_masked=description, delivery="sent"
        )
    )
    contact = contact_message(session, ticket.commune_code, now, escalations)
    session.commit()
    return OPENED.format(number=number, contact=contact)


def record_satisfaction(session: Session, user: str, satisfied: bool) -> bool:
    """Records the citizen's tap on their latest closed ticket that asked the
    question (a second tap corrects the first); False if there is none."""
    ticket = session.scalar(
        select(HandoffTicket)
        .where(
            HandoffTicket.user_pseudonym == user,
            HandoffTicket.status == TicketStatus.CLOSED,
            HandoffTicket.satisfaction.in_(SATISFACTION_OPEN),
        )
        .order_by(HandoffTicket.closed_at.desc(), HandoffTicket.id.desc())
        .limit(1)
    )
    if ticket is None:
        return False
    ticket.satisfaction = "satisfied" if satisfied else "unsatisfied"
    session.commit()
    return True


def satisfaction_for_web(session: Session, user: str) -> list[Step]:
    """Satisfaction questions waiting for a web chat citizen; marks them asked."""
    tickets = session.scalars(
        select(HandoffTicket)
        .where(
            HandoffTicket.user_pseudonym == user,
            HandoffTicket.channel == "web",
            HandoffTicket.status == TicketStatus.CLOSED,
            HandoffTicket.satisfaction == "waiting",
        )
        .order_by(HandoffTicket.id)
    ).all()
    steps = [satisfaction_step(t) for t in tickets]
    for ticket in tickets:
        ticket.satisfaction = "asked"
    session.commit()
    return steps


def under_way(session: Session, user: str) -> bool:
    """Whether the citizen has a hand-off being asked for, waiting or being handled."""
    return (
        session.scalar(
            select(HandoffTicket.id)
            .where(
                HandoffTicket.user_pseudonym == user,
                HandoffTicket.status.in_(ASKING + ACTIVE),
            )
            .limit(1)
        )
        is not None
    )


def waiting_for_web(session: Session, user: str) -> list[str]:
    """Team replies waiting for a web chat citizen, as sent; marks them sent."""
    rows = session.execute(
        select(HandoffMessage, HandoffTicket.id, CommunityTeam.name)
        .join(HandoffTicket, HandoffTicket.id == HandoffMessage.ticket_id)
        .outerjoin(CommunityTeam, CommunityTeam.id == HandoffTicket.team_id)
        .where(
            HandoffTicket.user_pseudonym == user,
            HandoffTicket.channel == "web",
            HandoffMessage.delivery == "waiting",
        )
        .order_by(HandoffMessage.id)
    ).all()
    texts = []
    for message, number, team in rows:
        texts.append(
            STAFF_REPLY.format(
                team=team or DEFAULT_TEAM,
                number=number,
                text=message.text_masked,
            )
        )
        message.delivery = "sent"
    session.commit()
    return texts
