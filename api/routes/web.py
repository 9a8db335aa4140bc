"""The citizens' web chat page and the staff dashboard page (static files)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"

router = APIRouter(include_in_schema=False)


@router.get("/")
def chat_page() -> FileResponse:
    """Web chat (Vietnamese, mobile-first)."""
    return FileResponse(STATIC / "chat.html")


@router.get("/staff")
def staff_page() -> FileResponse:
    """Staff dashboard (its data routes need a staff token)."""
    return FileResponse(STATIC / "staff.html")
