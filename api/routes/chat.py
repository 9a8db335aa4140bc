"""POST /api/chat: the JSON chat endpoint (web chat, tests, benchmarks)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from api.conversation.hops import server_timing
from api.conversation.inputs import InvalidMessage
from api.conversation.replies import OutMessage
from api.routes import throttle
from api.routes.deps import ConversationDep, SettingsDep
from api.routes.schemas.chat import (
    ButtonOut,
    ChatResponse,
    FeedbackResponse,
    MessageOut,
)

router = APIRouter(tags=["chat"])


class ChatRequest(BaseModel):
    """A citizen's message."""

    sender: str = Field(min_length=1, max_length=128)
    text: str
    channel: Literal["web", "api"] = "web"


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
    request: Request,
    response: Response,
) -> ChatResponse:
    """Answers one message; never a 5xx for bad input or an unavailable Rasa; 429
    when the client's address sends more than its limit (counted, not logged).
    ``Server-Timing`` tells where the turn's time went (api.conversation.hops)."""
    try:
        await throttle.per_address(request, "chat")
    except HTTPException:
        await conversation.count_refused(body.channel, "address_limit")
        raise
    try:
        result = await conversation.handle(body.channel, body.sender, body.text)
    except InvalidMessage as exc:
        code = str(exc)
        raise HTTPException(
            422,
            {
                "code": code,
                "message": ERRORS[code].format(limit=settings.max_message_chars),
            },
        ) from exc
    messages = await conversation.full_titles(result.messages)
    if result.hops:
        response.headers["Server-Timing"] = server_timing(result.hops)
    return ChatResponse(
        messages=[_message_out(m) for m in messages],
        intent=result.intent,
        confidence=result.confidence,
        topic=result.topic,
        answered=result.answered,
        answer_id=result.answer_id,
        turn_id=result.turn_id,
        feedback_after=result.rated_message,
    )


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
