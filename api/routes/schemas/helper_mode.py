"""Helper mode: the code that links a member's chat (/api/staff/helper/link-code)."""

from __future__ import annotations

from pydantic import Field

from api.routes.schemas.common import Schema, Timestamp


class LinkCode(Schema):
    """A one-time code linking a member's own chat to their account."""

    code: str
    expires_at: Timestamp
    instruction: str = Field(description="what to type in the chat (Vietnamese)")
