"""Pseudonymous user ids: a keyed HMAC of the channel and the channel's user id."""

from __future__ import annotations

import hashlib
import hmac


def pseudonymize(secret_key: str, channel: str, channel_user_id: str) -> str:
    """Stable, non-reversible id for (channel, user); 32 hex characters."""
    message = f"{channel}:{channel_user_id}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]
