"""FastAPI dependencies of the routes: settings, sessions, services, staff auth."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.channels.replays import WebReplies
from api.conversation.service import ConversationService
from api.core.config import Settings
from api.core.db import iter_session
from api.staff.models import Role, StaffUser
from api.staff.security import TokenClaims, read_token


# The dependencies that only read what the lifespan put in app.state are coroutines:
# FastAPI runs a plain function dependency in its thread pool, a hand-off to a worker
# thread and back on every request for an attribute read.
async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _session(request: Request) -> Iterator[Session]:
    yield from iter_session(request.app.state.engine)


def _figures_session(request: Request) -> Iterator[Session]:
    """A session whose reads all see one snapshot on PostgreSQL (REPEATABLE READ):
    figures read from the daily tables and from the turns after them stay consistent
    while a refresh commits between two of a request's statements. (SQLite, the
    single-machine default, reads statement by statement.)"""
    for session in iter_session(request.app.state.engine):
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session


async def _conversation(request: Request) -> ConversationService:
    service: ConversationService = request.app.state.conversation
    return service


async def _web_replies(request: Request) -> WebReplies:
    replies: WebReplies = request.app.state.web_replies
    return replies


SettingsDep = Annotated[Settings, Depends(_settings)]
WebRepliesDep = Annotated[WebReplies, Depends(_web_replies)]
SessionDep = Annotated[Session, Depends(_session)]
FiguresSessionDep = Annotated[Session, Depends(_figures_session)]
ConversationDep = Annotated[ConversationService, Depends(_conversation)]

_bearer = HTTPBearer(auto_error=False)


def require_roles(*roles: Role) -> Callable[..., TokenClaims]:
    """Dependency: a valid staff token with one of ``roles`` (admin always passes),
    whose account is active and unchanged since the token was issued (one lookup by
    primary key a request)."""
    allowed = {r.value for r in roles} | {Role.ADMIN.value}

    def check(
        settings: SettingsDep,
        session: SessionDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> TokenClaims:
        claims = (
            read_token(
                settings.token_secret(),
                credentials.credentials,
                settings.staff_token_minutes,
            )
            if credentials
            else None
        )
        user = session.get(StaffUser, claims.user_id) if claims else None
        if (
            claims is None
            or user is None
            or not user.active
            or user.username != claims.username
            or user.role.value != claims.role
            or (user.token_version or 0) != claims.version
        ):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "authentication required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if claims.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "role not allowed")
        return claims

    return check
