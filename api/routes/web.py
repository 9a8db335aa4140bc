"""The citizens' web chat page and the staff dashboard page (static files)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from api.routes.deps import SettingsDep

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"

router = APIRouter(include_in_schema=False)
# The dashboard loads only its own script and style, talks only to this gateway and
# is never framed.
STAFF_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)


# Where the chat page's privacy notice says how long turns are kept.
RETENTION_MARK = "<span data-retention-days>180</span>"


@router.get("/", response_class=HTMLResponse)
def chat_page(settings: SettingsDep) -> HTMLResponse:
    """Web chat (Vietnamese, mobile-first); framed only by the sites allowed to
    embed it (``BDHVS_EMBED_ORIGINS``, see static/embed.js). Its privacy notice
    states the configured retention (``BDHVS_RETENTION_DAYS``)."""
    ancestors = " ".join(["'self'", *settings.embed_origins])
    html = (
        (STATIC / "chat.html")
        .read_text(encoding="utf-8")
        .replace(
            RETENTION_MARK,
            f"<span data-retention-days>{settings.retention_days}</span>",
        )
    )
    return HTMLResponse(
        html, headers={"Content-Security-Policy": f"frame-ancestors {ancestors}"}
    )


@router.get("/staff", response_class=FileResponse)
def staff_page() -> FileResponse:
    """Staff dashboard (its data routes need a staff token)."""
    return FileResponse(
        STATIC / "staff.html",
        headers={"Content-Security-Policy": STAFF_CSP},
    )
