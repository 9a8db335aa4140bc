"""POST /api/chat: the JSON chat endpoint (web chat, tests, benchmarks)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from api.channels.replays import Taken, WebReplies
from api.conversation.hops import server_timing
from api.conversation.inputs import InvalidMessage
from api.conversation.replies import OutMessage
from api.core.db import UNREACHABLE
from api.querylog.service import MESSAGE_KEY, MessageKey, message_key
from api.routes import throttle
from api.routes.deps import ConversationDep, SettingsDep, WebRepliesDep
from api.routes.schemas.chat import (
    ButtonOut,
    ChatResponse,
    FeedbackResponse,
    MessageOut,
)

router = APIRouter(tags=["chat"])
logger = logging.getLogger(__name__)

# How long a message sent again waits for the reply its first send is getting.
REPLAY_WAIT_SECONDS = 20.0
REPLAY_POLL_SECONDS = 0.25
IN_PROGRESS = "Câu hỏi này đang được trả lời, Anh/Chị vui lòng chờ trong giây lát."


class ChatRequest(BaseModel):
    """A citizen's message."""

    sender: str = Field(min_length=1, max_length=128)
    text: str
    channel: Literal["web", "api"] = "web"
    # The page's id of this message, the same on every send of it: a message sent
    # again gets the reply it already got (api/channels/replays.py).
    message_id: str | None = Field(
        default=None, min_length=8, max_length=40, pattern=r"^[A-Za-z0-9_-]+$"
    )


def _message_out(message: OutMessage) -> MessageOut:
    return MessageOut(
        text=message.text,
        buttons=[ButtonOut(title=b.title, payload=b.payload) for b in message.buttons],
    )


ERRORS = {
    "empty": "Tin nhắn trống. Vui lòng nhập câu hỏi. (text must not be empty)",
    "too_long": "Tin nhắn quá dài. (text is longer than the limit: {limit} characters)",
}


@router.post("/api/chat", response_model=ChatResponse)
async def chat(
    body: ChatRequest,
    conversation: ConversationDep,
    settings: SettingsDep,
    replies: WebRepliesDep,
    request: Request,
    response: Response,
) -> ChatResponse:
    """Answers one message; never a 5xx for bad input or an unavailable Rasa; 429
    when the client's address sends more than its limit (counted, not logged).
    A message sent again with its ``message_id`` gets the reply it already got, or
    409 ``in_progress`` if its first send is still being answered after 20 s.
    ``Server-Timing`` tells where the turn's time went (api.conversation.hops)."""
    try:
        await throttle.per_address(request, "chat")
    except HTTPException:
        await conversation.count_refused(body.channel, "address_limit")
        raise
    user = conversation.pseudonym(body.channel, body.sender)
    taken = await _take(replies, user, body.message_id)
    if taken.state == "done":
        return ChatResponse.model_validate(taken.response)
    if taken.state == "busy":
        raise HTTPException(409, {"code": "in_progress", "message": IN_PROGRESS})
    # A message with its page's id can come again: logged once, read by Rasa once.
    key = (
        MESSAGE_KEY.set(
            MessageKey(message_key("web", user, body.message_id), taken.again)
        )
        if body.message_id
        else None
    )
    try:
        result = await conversation.handle(body.channel, body.sender, body.text)
    except BaseException as exc:
        if body.message_id:
            await _quietly(replies.release, user, body.message_id)
        if isinstance(exc, InvalidMessage):
            code = str(exc)
            raise HTTPException(
                422,
                {
                    "code": code,
                    "message": ERRORS[code].format(limit=settings.max_message_chars),
                },
            ) from exc
        raise
    finally:
        if key is not None:
            MESSAGE_KEY.reset(key)
    messages = await conversation.full_titles(result.messages)
    if result.hops:
        response.headers["Server-Timing"] = server_timing(result.hops)
    answer = ChatResponse(
        messages=[_message_out(m) for m in messages],
        intent=result.intent,
        confidence=result.confidence,
        topic=result.topic,
        answered=result.answered,
        answer_id=result.answer_id,
        turn_id=result.turn_id,
        feedback_after=result.rated_message,
    )
    if body.message_id:
        await _quietly(
            replies.answer, user, body.message_id, answer.model_dump(mode="json")
        )
    return answer


async def _take(replies: WebReplies, user: str, message_id: str | None) -> Taken:
    """The message taken for handling, its earlier reply, or ``busy`` when its
    first send is still being answered after ``REPLAY_WAIT_SECONDS``. A message
    without an id, or while the database is unreachable, is simply handled."""
    if message_id is None:
        return Taken("new")
    deadline = asyncio.get_running_loop().time() + REPLAY_WAIT_SECONDS
    while True:
        try:
            taken = await asyncio.to_thread(replies.take, user, message_id)
        except UNREACHABLE:
            logger.warning("database unreachable: a web chat message handled untracked")
            return Taken("new")
        if taken.state != "busy" or asyncio.get_running_loop().time() >= deadline:
            return taken
        await asyncio.sleep(REPLAY_POLL_SECONDS)


async def _quietly(work: Callable[..., None], *args: Any) -> None:
    """Records in a worker thread; the reply goes out even if the database is away."""
    try:
        await asyncio.to_thread(work, *args)
    except UNREACHABLE:
        logger.warning("database unreachable: a web chat reply not recorded")


class FeedbackRequest(BaseModel):
    """ "Hữu ích / Chưa hữu ích" on one answer."""

    sender: str = Field(min_length=1, max_length=128)
    turn_id: int = Field(ge=1, le=2**63 - 1)
    helpful: bool


@router.post("/api/feedback", response_model=FeedbackResponse)
async def feedback(
    body: FeedbackRequest, conversation: ConversationDep, request: Request
) -> FeedbackResponse:
    """Stores the citizen's feedback with their turn (404 if not their turn)."""
    await throttle.per_address(request, "feedback")
    messages = await conversation.record_feedback(
        "web", body.sender, body.turn_id, body.helpful
    )
    if messages is None:
        raise HTTPException(
            404, {"code": "not_found", "message": "Không tìm thấy câu trả lời này."}
        )
    return FeedbackResponse(messages=[_message_out(m) for m in messages])
