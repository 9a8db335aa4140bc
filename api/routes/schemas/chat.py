"""The web chat's JSON (/api/chat, /api/feedback, /api/chat/updates)."""

from __future__ import annotations

from pydantic import Field

from api.routes.schemas.common import Schema


class ButtonOut(Schema):
    """A reply option."""

    title: str
    payload: str = Field(
        description="what the chat sends back as the message when tapped"
    )


class MessageOut(Schema):
    """One bot message."""

    text: str
    buttons: list[ButtonOut] = Field(default=[])


class ChatResponse(Schema):
    """The bot's reply and how the message was understood."""

    messages: list[MessageOut]
    intent: str | None
    confidence: float | None
    topic: str | None
    answered: bool
    answer_id: str | None
    turn_id: int = Field(description="the logged turn, to rate it with /api/feedback")
    feedback_after: int | None = Field(
        default=None,
        description=(
            "index in messages of the message the citizen may rate (the web chat "
            "puts 'Hữu ích / Chưa hữu ích' under it); null: nothing to rate"
        ),
    )


class FeedbackResponse(Schema):
    """What the assistant says after the rating (e.g. the offer of a person)."""

    messages: list[MessageOut]


class UpdatesResponse(Schema):
    """Team replies for a web chat citizen, oldest first."""

    messages: list[str]
    waiting: bool = Field(
        default=False,
        description="true while the citizen's hand-off is asked for, waiting or being"
        " handled: the page keeps asking only then",
    )
    questions: list[MessageOut] = Field(
        default=[],
        description="one-tap questions after a ticket is closed ('Hài lòng / Chưa hài"
        " lòng'), shown as assistant messages with their buttons",
    )
