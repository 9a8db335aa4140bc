"""The directory of community tech teams: every staff member reads it, admins edit
it (seeding keeps their edits)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from api.routes.deps import SessionDep, require_roles
from api.routes.schemas.teams import Team, Teams
from api.staff.models import Role
from api.staff.security import TokenClaims
from api.teams import (
    InvalidTeam,
    NewTeam,
    TeamEdit,
    TeamExists,
    create_team,
    edit_team,
    list_teams,
    team_item,
)
from api.teams.models import CommunityTeam

router = APIRouter(prefix="/api/staff", tags=["teams"])

AdminDep = Annotated[TokenClaims, Depends(require_roles(Role.ADMIN))]
StaffDep = Annotated[TokenClaims, Depends(require_roles(Role.ANALYST, Role.COMMUNITY))]


def _problem(status_code: int, code: str, message: str) -> HTTPException:
    """An error the dashboard shows as it is (``message`` is Vietnamese)."""
    return HTTPException(status_code, {"code": code, "message": message})


@router.get("/teams", response_model=Teams)
def teams(
    _: StaffDep,
    session: SessionDep,
    province: Annotated[str | None, Query(max_length=8, pattern=r"^\d+$")] = None,
) -> dict[str, Any]:
    """The directory of community tech teams (of one province when given)."""
    return {"items": [team_item(t) for t in list_teams(session, province)]}


@router.put("/teams/{team_id}", response_model=Team)
def update_team(
    claims: AdminDep, session: SessionDep, team_id: str, body: TeamEdit
) -> dict[str, Any]:
    """Edits a team; re-seeding keeps the edit."""
    team = session.get(CommunityTeam, team_id)
    if team is None:
        raise _problem(404, "no_such_team", f"Không có tổ mang mã “{team_id}”.")
    try:
        edited = edit_team(session, team, body, claims.username)
    except InvalidTeam as exc:
        raise _problem(422, "invalid_team", str(exc)) from exc
    return team_item(edited)


@router.post("/teams", status_code=status.HTTP_201_CREATED, response_model=Team)
def add_team(claims: AdminDep, session: SessionDep, body: NewTeam) -> dict[str, Any]:
    """Adds a team to the directory."""
    try:
        team = create_team(session, body, claims.username)
    except TeamExists as exc:
        raise _problem(409, "team_exists", str(exc)) from exc
    except InvalidTeam as exc:
        raise _problem(422, "invalid_team", str(exc)) from exc
    return team_item(team)
