"""The tables of the hand-off: tickets and their threads, with the statuses, reasons
and resolutions they take."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow, value_enum


class TicketStatus(str, enum.Enum):
    """Where a hand-off stands; the first three are the conversation asking for it."""

    OFFERED = "offered"  # the assistant offered a person; waiting for yes or no
    AWAITING_PLACE = "asking_place"  # accepted; asked for the commune
    AWAITING_DESCRIPTION = "asking_details"  # asked what the matter is
    OPEN = "open"  # waiting for a team member
    CLAIMED = "claimed"  # a team member took it
    CLOSED = "closed"  # done, with a resolution
    DECLINED = "declined"  # the citizen said no, or moved on


class HandoffReason(str, enum.Enum):
    """Why the assistant offered a person."""

    REQUESTED = "requested"
    NOT_UNDERSTOOD = "not_understood"
    UNHELPFUL = "unhelpful"


class Resolution(str, enum.Enum):
    """How a ticket ended (the categories of the closing form)."""

    GUIDED_REMOTELY = "guided_remotely"  # guided through messages
    MET_IN_PERSON = "met_in_person"  # helped at the team's meeting point
    REFERRED = "referred"  # sent to another office (Công an xã, bank, ...)
    NO_RESPONSE = "no_response"  # the citizen could not be reached
    NOT_NEEDED = "not_needed"  # solved already, duplicate, not a request


class HandoffTicket(Base):
    """A citizen handed off to a community tech team. Texts are masked."""

    __tablename__ = "handoff_ticket"
    __table_args__ = (
        Index("ix_handoff_ticket_user_pseudonym_status", "user_pseudonym", "status"),
        Index("ix_handoff_ticket_status_commune_code", "status", "commune_code"),
        Index("ix_handoff_ticket_opened_at", "opened_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_pseudonym: Mapped[str] = mapped_column(String(32))
    status: Mapped[TicketStatus] = mapped_column(value_enum(TicketStatus))
    reason: Mapped[HandoffReason] = mapped_column(value_enum(HandoffReason))
    province_code: Mapped[str | None] = mapped_column(String(8))
    commune_code: Mapped[str | None] = mapped_column(String(8))
    team_id: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Unclaimed after this moment, the ticket is escalated to the province.
    claim_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[Resolution | None] = mapped_column(value_enum(Resolution))
    closed_by: Mapped[str | None] = mapped_column(String(80))
    # The one-tap question after closing: "asked" (sent), "waiting" (the web chat
    # picks it up), "failed" (could not be sent, e.g. outside Zalo's window), then
    # the answer "satisfied" / "unsatisfied". None: not asked (closed before 0019).
    satisfaction: Mapped[str | None] = mapped_column(String(16))


class HandoffMessage(Base):
    """A message of a ticket's thread: the citizen's description, the team's replies
    and whether they reached the citizen. Texts are masked."""

    __tablename__ = "handoff_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("handoff_ticket.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author: Mapped[str] = mapped_column(String(80))  # "citizen" or a staff username
    text_masked: Mapped[str] = mapped_column(Text)
    # "sent", "waiting" (web chat picks it up), or "failed:<reason>".
    delivery: Mapped[str] = mapped_column(String(60))
