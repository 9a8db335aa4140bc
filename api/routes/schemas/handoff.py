"""The hand-off queue of the community teams (/api/staff/tickets)."""

from __future__ import annotations

from pydantic import Field

from api.handoff.models import HandoffReason, Resolution, TicketStatus
from api.routes.schemas.common import Schema, Timestamp


class TicketItem(Schema):
    """A hand-off ticket in the queue."""

    id: int
    status: TicketStatus
    reason: HandoffReason = Field(description="why the assistant offered a person")
    channel: str
    province_code: str | None
    province_name: str | None
    commune_code: str | None
    commune_name: str | None
    team_id: str | None = Field(description="the team serving the commune, if any")
    description: str | None = Field(description="the citizen's words, masked")
    opened_at: Timestamp | None
    claim_due_at: Timestamp | None = Field(
        description="escalated to the province's staff when nobody claims it by then"
    )
    escalated: bool
    claimed_by: str | None
    claimed_at: Timestamp | None
    first_reply_at: Timestamp | None
    closed_at: Timestamp | None
    resolution: Resolution | None


class Tickets(Schema):
    """The member's queue: escalated then oldest first (closed ones: most recently
    closed first)."""

    items: list[TicketItem]


class ThreadMessage(Schema):
    """A message between the citizen and the team."""

    at: Timestamp
    author: str = Field(description='"citizen" or the staff member\'s user name')
    text: str = Field(description="masked")
    delivery: str = Field(description='"sent", "waiting" (web chat) or "failed:<why>"')


class ConversationTurn(Schema):
    """A turn of the citizen's conversation with the assistant, masked."""

    at: Timestamp
    text: str
    reply: str | None
    outcome: str


class TicketDetail(TicketItem):
    """A ticket with its thread and the citizen's conversation before it."""

    thread: list[ThreadMessage]
    conversation: list[ConversationTurn] = Field(
        description="the turns of the two days before the offer (at most 40), oldest"
        " first"
    )


class ReplySent(Schema):
    """How the reply went out."""

    ticket_id: int
    delivery: str = Field(
        description='"sent", "waiting" (the web chat picks it up), "queued" (the '
        'platform refused it for a while: the outbox sends it again) or "failed:<why>"'
    )
