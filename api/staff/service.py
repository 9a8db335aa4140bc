"""Staff accounts and the dashboard's read models."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.querylog.models import Turn
from api.staff.models import Role, StaffUser
from api.staff.security import (
    hash_password,
    issue_token,
    needs_rehash,
    verify_password,
    waste_a_verification,
)

# Changes that end every token the account holds.
_REVOKING = frozenset({"active", "role", "password", "communes", "provinces"})


def create_staff(
    session: Session,
    username: str,
    password: str,
    role: Role,
    communes: list[str] | None = None,
    provinces: list[str] | None = None,
) -> StaffUser:
    """Creates a staff account (raises ValueError if the name is taken)."""
    if session.scalar(select(StaffUser).where(StaffUser.username == username)):
        raise ValueError(f"staff user {username!r} already exists")
    if len(password) < 10:
        raise ValueError("password must have at least 10 characters")
    user = StaffUser(
        username=username,
        password_hash=hash_password(password),
        role=role,
        communes=list(communes or []),
        provinces=list(provinces or []),
    )
    session.add(user)
    session.commit()
    return user


def update_staff(session: Session, user: StaffUser, **changes: Any) -> StaffUser:
    """Applies ``active``, ``role``, ``password``, ``communes`` or ``provinces``
    changes."""
    if _REVOKING & changes.keys():
        user.token_version = (user.token_version or 0) + 1
    if "password" in changes:
        user.password_hash = hash_password(changes.pop("password"))
    for key, value in changes.items():
        setattr(user, key, value)
    session.commit()
    return user


def token_for(user: StaffUser, key: str, minutes: int) -> str:
    """A token for ``user`` at its current token version."""
    return issue_token(
        key, user.username, user.role.value, minutes, user.id, user.token_version or 0
    )


def staff_item(user: StaffUser) -> dict[str, Any]:
    """A staff account as the admin API shows it (never the hash)."""
    return {
        "username": user.username,
        "role": user.role.value,
        "active": user.active,
        "communes": list(user.communes or []),
        "provinces": list(user.provinces or []),
        "created_at": user.created_at.isoformat(),
    }


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """The active user with these credentials, or None. Takes as long for an
    unknown name as for a wrong password; a hash made with an older scheme or
    weaker parameters is replaced once the password is known."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        waste_a_verification(password)
        return None
    if not verify_password(password, user.password_hash) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.commit()
    return user


def staff_count(session: Session) -> int:
    """Number of staff accounts."""
    return session.scalar(select(func.count()).select_from(StaffUser)) or 0


def recent_turns(session: Session, limit: int) -> list[dict[str, Any]]:
    """The latest turns, masked text only."""
    rows = session.scalars(select(Turn).order_by(Turn.id.desc()).limit(limit))
    return [
        {
            "id": t.id,
            "created_at": t.created_at.isoformat(),
            "channel": t.channel,
            "text": t.text_masked,
            "intent": t.intent,
            "confidence": t.confidence,
            # The answer's own confidence, the one checked against the threshold (the
            # intent's is 1.00 for any FAQ question, sure or not).
            "answer_confidence": t.answer_confidence,
            "topic": t.topic,
            "answer_id": t.answer_id,
            "outcome": t.outcome.value,
            "latency_ms": t.latency_ms,
        }
        for t in rows
    ]
