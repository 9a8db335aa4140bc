"""Helper mode: the one-time code that links a team member's own chat to their
account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.core.db import utcnow
from api.helper_mode.service import LINK_CODE_TTL, new_link_code
from api.routes.deps import SessionDep, require_roles
from api.routes.schemas.helper_mode import LinkCode
from api.staff.models import Role
from api.staff.security import TokenClaims

router = APIRouter(tags=["helper mode"])

# require_roles already refuses an account that is inactive or changed since sign-in.
CommunityDep = Annotated[TokenClaims, Depends(require_roles(Role.COMMUNITY))]


@router.post("/api/staff/helper/link-code", response_model=LinkCode)
def link_code(claims: CommunityDep, session: SessionDep) -> dict[str, Any]:
    """A one-time code to link the member's own chat (Telegram, Zalo or the web
    chat) to their account: they type "liên kết <code>" in it within 10 minutes,
    then "/hotro" switches that chat into helper mode."""
    now = utcnow()
    code = new_link_code(session, claims.username, now)
    return {
        "code": code,
        "expires_at": (now + LINK_CODE_TTL).isoformat(),
        "instruction": f"Gõ “liên kết {code}” trong cửa sổ trò chuyện với trợ lý.",
    }
