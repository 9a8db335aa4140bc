"""The citizens' web chat page and the staff dashboard page (static files)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.core.deps import SettingsDep

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"

router = APIRouter(include_in_schema=False)
# The dashboard loads only its own script and style, talks only to this gateway and
# is never framed.
STAFF_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)


@router.get("/")
def chat_page(settings: SettingsDep) -> FileResponse:
    """Web chat (Vietnamese, mobile-first); framed only by the sites allowed to
    embed it (``BDHVS_EMBED_ORIGINS``, see static/embed.js)."""
    ancestors = " ".join(["'self'", *settings.embed_origins])
    return FileResponse(
        STATIC / "chat.html",
        headers={"Content-Security-Policy": f"frame-ancestors {ancestors}"},
    )


@router.get("/staff")
def staff_page() -> FileResponse:
    """Staff dashboard (its data routes need a staff token)."""
    return FileResponse(
        STATIC / "staff.html",
        headers={"Content-Security-Policy": STAFF_CSP},
    )
