"""The hand-off: the queue of the community teams (staff), and team replies waiting
for web chat citizens (public, by the chat's own sender id)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.channels.outbound import push
from api.conversation.replies import Button, OutMessage
from api.core.db import utcnow
from api.handoff import dialogue
from api.handoff import tickets as queue  # the route functions take the plain names
from api.handoff.models import Resolution, TicketStatus
from api.routes.deps import ConversationDep, SessionDep, require_roles
from api.routes.schemas.chat import ButtonOut, MessageOut, UpdatesResponse
from api.routes.schemas.handoff import (
    ReplySent,
    TicketDetail,
    Tickets,
)
from api.staff.models import Role, StaffUser
from api.staff.security import TokenClaims

router = APIRouter(tags=["handoff"])

CommunityDep = Annotated[TokenClaims, Depends(require_roles(Role.COMMUNITY))]
STATUS_FILTERS = {
    "active": (TicketStatus.OPEN, TicketStatus.CLAIMED),
    "open": (TicketStatus.OPEN,),
    "claimed": (TicketStatus.CLAIMED,),
    "closed": (TicketStatus.CLOSED,),
}


def _viewer(session: SessionDep, claims: CommunityDep) -> queue.Viewer:
    user = session.scalar(
        select(StaffUser).where(StaffUser.username == claims.username)
    )
    if user is None or not user.active:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            {"code": "inactive", "message": "Tài khoản không còn hoạt động."},
        )
    return queue.Viewer(
        username=user.username,
        admin=user.role is Role.ADMIN,
        communes=tuple(user.communes or ()),
        provinces=tuple(user.provinces or ()),
    )


ViewerDep = Annotated[queue.Viewer, Depends(_viewer)]


def _not_found() -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        {
            "code": "not_found",
            "message": "Không tìm thấy yêu cầu này trong các xã, phường của Anh/Chị.",
        },
    )


def _conflict(exc: queue.TicketConflict) -> HTTPException:
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
        "items": queue.list_tickets(session, viewer, STATUS_FILTERS[status_], limit)
    }


@router.get("/api/staff/tickets/{ticket_id}", response_model=TicketDetail)
def ticket(
    _: CommunityDep, viewer: ViewerDep, session: SessionDep, ticket_id: int
) -> dict[str, Any]:
    """A ticket, its thread and the citizen's masked conversation."""
    try:
        return queue.ticket_detail(session, viewer, ticket_id)
    except queue.TicketNotFound as exc:
        raise _not_found() from exc


@router.post("/api/staff/tickets/{ticket_id}/claim", response_model=TicketDetail)
def claim(
    _: CommunityDep, viewer: ViewerDep, session: SessionDep, ticket_id: int
) -> dict[str, Any]:
    """Takes the ticket (409 when someone else has it or it is closed)."""
    try:
        queue.claim(session, viewer, ticket_id, utcnow())
        return queue.ticket_detail(session, viewer, ticket_id)
    except queue.TicketNotFound as exc:
        raise _not_found() from exc
    except queue.TicketConflict as exc:
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
        outgoing = queue.add_reply(session, viewer, ticket_id, text, utcnow())
    except queue.TicketNotFound as exc:
        raise _not_found() from exc
    except queue.TicketConflict as exc:
        raise _conflict(exc) from exc
    delivery = await push(
        request.app.state,
        outgoing.channel,
        outgoing.user_pseudonym,
        outgoing.text,
        durable=(queue.HANDOFF_REPLY, outgoing.message_id),
    )
    if delivery != "queued":  # else the outbox records it once it is decided
        await asyncio.to_thread(
            queue.set_delivery, session, outgoing.message_id, delivery
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
        survey = queue.close(session, viewer, ticket_id, body.resolution, utcnow())
    except queue.TicketNotFound as exc:
        raise _not_found() from exc
    except queue.TicketConflict as exc:
        raise _conflict(exc) from exc
    step = survey.step
    delivery = await push(
        request.app.state,
        survey.channel,
        survey.user_pseudonym,
        OutMessage(step.text, [Button(t, p) for t, p in step.buttons]),
        durable=(queue.HANDOFF_SURVEY, survey.ticket_id),
    )
    if delivery != "queued":  # else the outbox records it once it is decided
        await asyncio.to_thread(
            queue.set_satisfaction_delivery, session, survey.ticket_id, delivery
        )
    return queue.ticket_detail(session, viewer, ticket_id)


@router.get("/api/chat/updates", response_model=UpdatesResponse)
async def updates(
    conversation: ConversationDep,
    session: SessionDep,
    sender: Annotated[str, Query(min_length=1, max_length=128)],
) -> UpdatesResponse:
    """What the community team answered since the page last asked (web chat)."""
    user = conversation.pseudonym("web", sender)
    texts = await asyncio.to_thread(dialogue.waiting_for_web, session, user)
    # Read in the same look as the last reply: closing sets the question waiting in
    # the same commit, so the page never stops asking before it has seen it.
    steps = await asyncio.to_thread(dialogue.satisfaction_for_web, session, user)
    waiting = await asyncio.to_thread(dialogue.under_way, session, user)
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
