"""Staff API: login, recent turns, summary. Every route but login needs a token."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel

from api.core.deps import SessionDep, SettingsDep, require_roles
from api.staff.models import Role
from api.staff.security import TokenClaims, issue_token
from api.staff.service import authenticate, recent_turns, summary

router = APIRouter(prefix="/api/staff", tags=["staff"])

AnalystDep = Annotated[TokenClaims, Depends(require_roles(Role.ANALYST))]


class LoginRequest(BaseModel):
    """Credentials."""

    username: str
    password: str


class TokenResponse(BaseModel):
    """A bearer token."""

    access_token: str
    token_type: str = "bearer"
    role: str
    expires_in: int


@router.post("/login", response_model=TokenResponse)
def login(
    body: LoginRequest, session: SessionDep, settings: SettingsDep
) -> TokenResponse:
    """Exchanges credentials for a short-lived token."""
    user = authenticate(session, body.username, body.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    token = issue_token(
        settings.secret_key.get_secret_value(),
        user.username,
        user.role.value,
        settings.staff_token_minutes,
    )
    return TokenResponse(
        access_token=token,
        role=user.role.value,
        expires_in=settings.staff_token_minutes * 60,
    )


@router.get("/turns")
def turns(
    _: AnalystDep, session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """The latest turns (masked)."""
    return recent_turns(session, limit)


@router.get("/summary")
def turn_summary(
    _: AnalystDep, session: SessionDep, days: Annotated[int, Query(ge=1, le=3660)] = 30
) -> dict[str, Any]:
    """Counts by outcome and topic over the last ``days`` days."""
    return summary(session, datetime.now(timezone.utc) - timedelta(days=days))
