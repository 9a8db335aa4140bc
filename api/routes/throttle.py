"""Limits per client address and per staff user name (chat, feedback, login), on
the shared rate limiter: Redis when configured, else the database."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import HTTPException, Request

from api.conversation.ratelimit import Limit, RateLimiter, within

MINUTE = 60
QUARTER_HOUR = 15 * 60


def client_address(request: Request) -> str:
    """The client's address (behind a reverse proxy, uvicorn's --proxy-headers
    with --forwarded-allow-ips puts the real one here)."""
    return request.client.host if request.client else "unknown"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


async def check(request: Request, scope: str, key: str, limit: Limit) -> None:
    """429 (with a Vietnamese message) once ``key`` is over ``limit`` in ``scope``."""
    limiter: RateLimiter = request.app.state.rate_limiter
    if not await within(limiter, f"{scope}:{_digest(key)}", limit):
        raise HTTPException(
            429,
            {
                "code": "rate_limited",
                "message": "Anh/Chị gửi quá nhiều yêu cầu. Vui lòng chờ một phút rồi thử lại.",
            },
            headers={"Retry-After": str(limit.seconds)},
        )


async def per_address(request: Request, scope: str) -> None:
    """The address limit on chat and feedback."""
    settings: Any = request.app.state.settings
    await check(
        request,
        f"addr:{scope}",
        client_address(request),
        Limit(settings.address_messages_per_minute, MINUTE),
    )


async def login_attempt(request: Request, username: str) -> None:
    """The login limits, per address and per user name (known or not)."""
    settings: Any = request.app.state.settings
    await check(
        request,
        "login:addr",
        client_address(request),
        Limit(settings.login_attempts_per_address, QUARTER_HOUR),
    )
    await check(
        request,
        "login:user",
        username.casefold(),
        Limit(settings.login_attempts_per_user, QUARTER_HOUR),
    )
