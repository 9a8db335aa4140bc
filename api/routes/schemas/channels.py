"""The messaging platforms' webhooks (/channels/*/webhook, not on /docs)."""

from __future__ import annotations

from api.routes.schemas.common import Schema


class Ack(Schema):
    """The event was taken (stored, or a repeat of one already stored)."""

    ok: bool
