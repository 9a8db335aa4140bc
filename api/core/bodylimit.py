"""Refuses request bodies over a size limit before the application reads them.

A body is counted as it arrives (whatever its Content-Length says) and held until
it is complete, so no route ever parses more than its limit: chat messages are small,
webhook events a little larger, staff uploads the largest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]

TOO_LARGE = json.dumps(
    {"detail": {"code": "too_large", "message": "Yêu cầu quá lớn."}},
    ensure_ascii=False,
).encode()


class BodyLimit:
    """ASGI middleware: 413 for a body over the limit of the first matching path
    prefix (``limits``), else over ``default`` bytes."""

    def __init__(
        self, app: Any, limits: Sequence[tuple[str, int]], default: int
    ) -> None:
        """``limits`` are (path prefix, bytes), the first match wins."""
        self.app = app
        self.limits = list(limits)
        self.default = default

    def limit(self, path: str) -> int:
        """The largest body accepted on ``path``."""
        return next(
            (n for prefix, n in self.limits if path.startswith(prefix)), self.default
        )

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        """Reads and counts the body, then hands it on (or answers 413)."""
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (
                not value.isdigit() or int(value) > limit
            ):
                await _too_large(send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                await _too_large(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {
                    "type": "http.request",
                    "body": b"".join(chunks),
                    "more_body": False,
                }
            message: Message = await receive()
            return message

        await self.app(scope, replay, send)


async def _too_large(send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(TOO_LARGE)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": TOO_LARGE})
