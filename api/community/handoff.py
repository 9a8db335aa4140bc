"""Hand-off to a community tech team (Tổ công nghệ số cộng đồng).

The assistant offers a person when a citizen asks for one, is not understood twice in
a row, or rates two answers unhelpful. If the citizen accepts, the gateway asks for
their commune (unless known) and a short description, opens a ticket for the team of
that commune and tells the citizen when to expect contact. Team members claim the
ticket, read the masked conversation, reply (the reply goes out on the citizen's
channel) and close it with a resolution. A ticket nobody claims before
``claim_due_at`` is escalated: the province's staff see it too.

Every step is a row in the database, so any gateway worker can take the next message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true, update
from sqlalchemy.orm import Session

from api.citizen.profile import remembered, take_place_answer
from api.community.models import (
    HandoffMessage,
    HandoffReason,
    HandoffTicket,
    Resolution,
    TicketStatus,
)
from api.core.db import utcnow
from api.places.service import fold, place_names
from api.privacy.masking import mask
from api.querylog.models import Outcome, Turn
from api.teams import (
    EscalationContact,
    contact_message,
    is_open,
    next_opening,
    team_for_commune,
)
from api.teams.models import CommunityTeam

ACCEPT = "/handoff_accept"
DECLINE = "/handoff_decline"
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

OFFER_TEXT = {
    HandoffReason.REQUESTED: (
        "Anh/Chị có muốn trợ lý chuyển yêu cầu tới Tổ công nghệ số cộng đồng nơi "
        "Anh/Chị ở để một thành viên của Tổ liên hệ hỗ trợ không?"
    ),
    HandoffReason.NOT_UNDERSTOOD: (
        "Xin lỗi Anh/Chị, trợ lý chưa hiểu được câu hỏi. Anh/Chị có muốn nhờ Tổ công "
        "nghệ số cộng đồng nơi Anh/Chị ở hỗ trợ trực tiếp không?"
    ),
    HandoffReason.UNHELPFUL: (
        "Rất tiếc câu trả lời chưa giúp được Anh/Chị. Anh/Chị có muốn nhờ Tổ công nghệ "
        "số cộng đồng nơi Anh/Chị ở hỗ trợ trực tiếp không?"
    ),
}
OFFER_BUTTONS = (("Có, nhờ Tổ hỗ trợ", ACCEPT), ("Không cần", DECLINE))
ASK_COMMUNE = (
    "Anh/Chị đang ở xã/phường nào? (Ví dụ: “phường Thành Sen, Hà Tĩnh”. Gõ “thôi” nếu "
    "Anh/Chị không muốn chuyển yêu cầu nữa.)"
)
ASK_COMMUNE_AGAIN = (
    "Trợ lý chưa nhận ra tên xã/phường. Anh/Chị vui lòng gõ tên xã/phường kèm tên "
    "tỉnh/thành phố, ví dụ: “xã Cẩm Xuyên, Hà Tĩnh”, hoặc gõ “thôi” để dừng."
)
ASK_DESCRIPTION = (
    "Anh/Chị mô tả ngắn gọn việc cần hỗ trợ (ví dụ: “chưa kích hoạt được VNeID mức 2, "
    "không nhận được mã”). Không gửi số CCCD, mật khẩu hay mã OTP."
)
DESCRIPTION_TOO_SHORT = (
    "Anh/Chị vui lòng mô tả rõ hơn một chút việc cần hỗ trợ để Tổ chuẩn bị trước."
)
DECLINED = (
    "Dạ vâng. Anh/Chị cứ tiếp tục đặt câu hỏi; khi cần người hỗ trợ, Anh/Chị gõ "
    "“gặp cán bộ”."
)
OPENED = "Trợ lý đã chuyển yêu cầu số {number} của Anh/Chị tới Tổ. {contact}"
ALREADY_OPEN = (
    "Yêu cầu số {number} của Anh/Chị đã được chuyển tới Tổ công nghệ số cộng đồng và "
    "đang chờ xử lý. Anh/Chị có thể tiếp tục hỏi trợ lý trong lúc chờ."
)
STAFF_REPLY = "{team} trả lời yêu cầu số {number}:\n{text}"
DEFAULT_TEAM = "Tổ công nghệ số cộng đồng"
# After the team closes a ticket: one tap, on the citizen's channel.
SATISFACTION_QUESTION = (
    "Yêu cầu số {number} đã được Tổ xử lý xong. Anh/Chị có hài lòng với hỗ trợ của "
    "Tổ công nghệ số không?"
)
SATISFIED = "/handoff_satisfied"
UNSATISFIED = "/handoff_unsatisfied"
SATISFACTION_BUTTONS = (("Hài lòng", SATISFIED), ("Chưa hài lòng", UNSATISFIED))
SATISFACTION_THANKS = {
    True: "Cảm ơn Anh/Chị đã đánh giá!",
    False: (
        "Cảm ơn Anh/Chị đã cho biết, Tổ sẽ rút kinh nghiệm. Khi cần hỗ trợ thêm, "
        "Anh/Chị gõ “gặp cán bộ”."
    ),
}
# Satisfaction states (HandoffTicket.satisfaction) in which the question reached, or
# will reach, the citizen, so that their tap is recorded.
SATISFACTION_OPEN = ("sending", "waiting", "asked", "satisfied", "unsatisfied")


@dataclass(frozen=True)
class Step:
    """What the gateway says in the hand-off dialogue (buttons as (title, payload))."""

    text: str
    buttons: tuple[tuple[str, str], ...] = field(default=())


def _words(text: str) -> str:
    return fold(unicodedata.normalize("NFC", text)).strip()


def _asking(session: Session, user: str) -> HandoffTicket | None:
    return session.scalars(
        select(HandoffTicket)
        .where(HandoffTicket.user_pseudonym == user, HandoffTicket.status.in_(ASKING))
        .order_by(HandoffTicket.id.desc())
        .limit(1)
    ).first()


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


_SPACES = re.compile(r"\s+")


def short(text: str | None, limit: int = 140) -> str:
    """One line of at most ``limit`` characters."""
    line = _SPACES.sub(" ", text or "").strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


# --- the team's side ---------------------------------------------------------------

QUEUE_STATUSES = (TicketStatus.OPEN, TicketStatus.CLAIMED, TicketStatus.CLOSED)
# Turns before the offer shown to the team with the ticket (the conversation).
CONVERSATION_BEFORE = timedelta(days=2)
CONVERSATION_TURNS = 40


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


def satisfaction_step(ticket: HandoffTicket) -> Step:
    """The one-tap satisfaction question about ``ticket``."""
    return Step(SATISFACTION_QUESTION.format(number=ticket.id), SATISFACTION_BUTTONS)


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
