"""Community teams at work: the hand-off queue (staff), team replies waiting for web
chat citizens (public, by the chat's own sender id), and the code that links a
member's chat for helper mode."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.channels.outbound import push
from api.community import handoff, helper
from api.community.models import Resolution, TicketStatus
from api.conversation.replies import Button, OutMessage
from api.core.db import utcnow
from api.routes.deps import ConversationDep, SessionDep, require_roles
from api.routes.schemas.chat import ButtonOut, MessageOut, UpdatesResponse
from api.routes.schemas.handoff import (
    LinkCode,
    ReplySent,
    TicketDetail,
    Tickets,
)
from api.staff.models import Role, StaffUser
from api.staff.security import TokenClaims

# What the outbox records the outcome of, when the platform refuses a message
# for a while (api.main registers where): a team's reply (ref: its hand-off
# message, whose delivery stays "sending" meanwhile) and the satisfaction question
# (ref: the ticket, whose question stays "sending" meanwhile).
HANDOFF_REPLY = "handoff_reply"
HANDOFF_SURVEY = "handoff_survey"

router = APIRouter(tags=["handoff"])

CommunityDep = Annotated[TokenClaims, Depends(require_roles(Role.COMMUNITY))]
STATUS_FILTERS = {
    "active": (TicketStatus.OPEN, TicketStatus.CLAIMED),
    "open": (TicketStatus.OPEN,),
    "claimed": (TicketStatus.CLAIMED,),
    "closed": (TicketStatus.CLOSED,),
}


def _viewer(session: SessionDep, claims: CommunityDep) -> handoff.Viewer:
    user = session.scalar(
        select(StaffUser).where(StaffUser.username == claims.username)
    )
    if user is None or not user.active:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            {"code": "inactive", "message": "Tài khoản không còn hoạt động."},
        )
    return handoff.Viewer(
        username=user.username,
        admin=user.role is Role.ADMIN,
        communes=tuple(user.communes or ()),
        provinces=tuple(user.provinces or ()),
    )


ViewerDep = Annotated[handoff.Viewer, Depends(_viewer)]


def _not_found() -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        {
            "code": "not_found",
            "message": "Không tìm thấy yêu cầu này trong các xã, phường của Anh/Chị.",
        },
    )


def _conflict(exc: handoff.TicketConflict) -> HTTPException:
    return HTTPException(
        status.HTTP_409_CONFLICT,
        {
            "code": "conflict",
            "message": "Yêu cầu này đã được người khác nhận hoặc đã đóng.",
            "holder": str(exc),
        },
    )


@router.get("/api/staff/tickets", response_model=Tickets)
def tickets(
    _: CommunityDep,
    viewer: ViewerDep,
    session: SessionDep,
    status_: Annotated[
        Literal["active", "open", "claimed", "closed"], Query(alias="status")
    ] = "active",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The hand-off queue of the member's communes (escalated tickets first)."""
    return {
        "items": handoff.list_tickets(session, viewer, STATUS_FILTERS[status_], limit)
    }


@router.get("/api/staff/tickets/{ticket_id}", response_model=TicketDetail)
def ticket(
    _: CommunityDep, viewer: ViewerDep, session: SessionDep, ticket_id: int
) -> dict[str, Any]:
    """A ticket, its thread and the citizen's masked conversation."""
    try:
        return handoff.ticket_detail(session, viewer, ticket_id)
    except handoff.TicketNotFound as exc:
        raise _not_found() from exc


@router.post("/api/staff/tickets/{ticket_id}/claim", response_model=TicketDetail)
def claim(
    _: CommunityDep, viewer: ViewerDep, session: SessionDep, ticket_id: int
) -> dict[str, Any]:
    """Takes the ticket (409 when someone else has it or it is closed)."""
    try:
        handoff.claim(session, viewer, ticket_id, utcnow())
        return handoff.ticket_detail(session, viewer, ticket_id)
    except handoff.TicketNotFound as exc:
        raise _not_found() from exc
    except handoff.TicketConflict as exc:
        raise _conflict(exc) from exc


class ReplyRequest(BaseModel):
    """A team member's answer to the citizen."""

    text: str = Field(min_length=1, max_length=2000)


@router.post("/api/staff/tickets/{ticket_id}/reply", response_model=ReplySent)
async def reply(
    _: CommunityDep,
    viewer: ViewerDep,
    session: SessionDep,
    request: Request,
    ticket_id: int,
    body: ReplyRequest,
) -> dict[str, Any]:
    """Sends the reply on the citizen's channel: Telegram at once, Zalo only inside
    its consultation window, web chat when the citizen's page next asks for it.
    ``delivery`` says which ("sent", "waiting", "failed:<reason>")."""
    text = body.text.strip()
    if not text:
        raise HTTPException(
            422, {"code": "empty", "message": "Nội dung trả lời đang trống."}
        )
    try:
        outgoing = handoff.add_reply(session, viewer, ticket_id, text, utcnow())
    except handoff.TicketNotFound as exc:
        raise _not_found() from exc
    except handoff.TicketConflict as exc:
        raise _conflict(exc) from exc
    delivery = await push(
        request.app.state,
        outgoing.channel,
        outgoing.user_pseudonym,
        outgoing.text,
        durable=(HANDOFF_REPLY, outgoing.message_id),
    )
    if delivery != "queued":  # else the outbox records it once it is decided
        await asyncio.to_thread(
            handoff.set_delivery, session, outgoing.message_id, delivery
        )
    return {"ticket_id": ticket_id, "delivery": delivery}


class CloseRequest(BaseModel):
    """How the ticket ended."""

    resolution: Resolution


@router.post("/api/staff/tickets/{ticket_id}/close", response_model=TicketDetail)
async def close(
    _: CommunityDep,
    viewer: ViewerDep,
    session: SessionDep,
    request: Request,
    ticket_id: int,
    body: CloseRequest,
) -> dict[str, Any]:
    """Closes the ticket with a resolution category, then asks the citizen on their
    channel whether they are satisfied (one tap; Zalo only inside its window, web
    chat when the page next asks)."""
    try:
        survey = handoff.close(session, viewer, ticket_id, body.resolution, utcnow())
    except handoff.TicketNotFound as exc:
        raise _not_found() from exc
    except handoff.TicketConflict as exc:
        raise _conflict(exc) from exc
    step = survey.step
    delivery = await push(
        request.app.state,
        survey.channel,
        survey.user_pseudonym,
        OutMessage(step.text, [Button(t, p) for t, p in step.buttons]),
        durable=(HANDOFF_SURVEY, survey.ticket_id),
    )
    if delivery != "queued":  # else the outbox records it once it is decided
        await asyncio.to_thread(
            handoff.set_satisfaction_delivery, session, survey.ticket_id, delivery
        )
    return handoff.ticket_detail(session, viewer, ticket_id)


@router.get("/api/chat/updates", response_model=UpdatesResponse)
async def updates(
    conversation: ConversationDep,
    session: SessionDep,
    sender: Annotated[str, Query(min_length=1, max_length=128)],
) -> UpdatesResponse:
    """What the community team answered since the page last asked (web chat)."""
    user = conversation.pseudonym("web", sender)
    texts = await asyncio.to_thread(handoff.waiting_for_web, session, user)
    # Read in the same look as the last reply: closing sets the question waiting in
    # the same commit, so the page never stops asking before it has seen it.
    steps = await asyncio.to_thread(handoff.satisfaction_for_web, session, user)
    waiting = await asyncio.to_thread(handoff.under_way, session, user)
    return UpdatesResponse(
        messages=texts,
        waiting=waiting,
        questions=[
            MessageOut(
                text=step.text,
                buttons=[ButtonOut(title=t, payload=p) for t, p in step.buttons],
            )
            for step in steps
        ],
    )


@router.post("/api/staff/helper/link-code", response_model=LinkCode)
def link_code(viewer: ViewerDep, session: SessionDep) -> dict[str, Any]:
    """A one-time code to link the member's own chat (Telegram, Zalo or the web
    chat) to their account: they type "liên kết <code>" in it within 10 minutes,
    then "/hotro" switches that chat into helper mode."""
    now = utcnow()
    code = helper.new_link_code(session, viewer.username, now)
    return {
        "code": code,
        "expires_at": (now + helper.LINK_CODE_TTL).isoformat(),
        "instruction": f"Gõ “liên kết {code}” trong cửa sổ trò chuyện với trợ lý.",
    }
