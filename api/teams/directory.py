"""The teams table: look-ups, the staff API's view of a team, and admins' edits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.db import utcnow
from api.places.models import Commune, Province
from api.teams.models import CommunityTeam
from api.teams.schema import NewTeam, TeamEdit


def commune_provinces(session: Session) -> dict[str, str]:
    """Commune code -> province code, from the place tables."""
    query = select(Commune.code, Commune.province_code)
    return dict(session.execute(query).tuples().all())


def apply_values(row: CommunityTeam, values: Mapping[str, Any]) -> bool:
    """Sets the changed values; True when something changed."""
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for key, value in changed.items():
        setattr(row, key, value)
    if changed:
        row.updated_at = utcnow()
    return bool(changed)


def list_teams(
    session: Session, province_code: str | None = None
) -> list[CommunityTeam]:
    """Every team (of one province when given), by province and id."""
    query = select(CommunityTeam).order_by(
        CommunityTeam.province_code, CommunityTeam.id
    )
    if province_code is not None:
        query = query.where(CommunityTeam.province_code == province_code)
    return list(session.scalars(query))


def team_for_commune(session: Session, commune_code: str) -> CommunityTeam | None:
    """The team serving a commune, or None (unknown commune, or no team yet)."""
    commune = session.get(Commune, commune_code)
    if commune is None:
        return None
    teams = list_teams(session, commune.province_code)
    return next((team for team in teams if commune_code in team.communes), None)


def team_item(team: CommunityTeam) -> dict[str, Any]:
    """A team as the staff API shows it."""
    return {
        "id": team.id,
        "name": team.name,
        "province_code": team.province_code,
        "communes": list(team.communes),
        "office_hours": {day: list(r) for day, r in team.office_hours.items()},
        "meeting_point": team.meeting_point,
        "contact": team.contact,
        "phone": team.phone,
        "sample": team.sample,
        "updated_at": team.updated_at.isoformat(),
        "updated_by": team.updated_by,
    }


class InvalidTeam(ValueError):
    """A staff change the directory cannot take (unknown commune, one already
    served by another team, unknown province)."""


class TeamExists(ValueError):
    """A team with this id already exists."""


def _check_change(
    session: Session, team_id: str, province_code: str, communes: list[str]
) -> None:
    """Raises InvalidTeam, with a Vietnamese message for the admin who made the
    change, when the province is unknown or a commune is unknown, outside the
    province or served by another team."""
    province = session.get(Province, province_code)
    if province is None:
        raise InvalidTeam(f"Không có tỉnh/thành phố mã {province_code}.")
    where = commune_provinces(session)
    problems = []
    for code in communes:
        if code not in where:
            problems.append(f"Không có xã, phường mã {code}.")
        elif where[code] != province_code:
            problems.append(f"Xã, phường mã {code} không thuộc {province.name}.")
    for other in list_teams(session, province_code):
        taken = sorted(set(communes) & set(other.communes))
        if other.id != team_id and taken:
            problems.append(
                f"Xã, phường mã {', '.join(taken)} đã do {other.name} phụ trách."
            )
    if problems:
        raise InvalidTeam(" ".join(problems))


def create_team(session: Session, new: NewTeam, staff: str) -> CommunityTeam:
    """Adds a team; raises TeamExists or InvalidTeam."""
    if session.get(CommunityTeam, new.id) is not None:
        raise TeamExists(f"Đã có tổ mang mã “{new.id}”. Anh/Chị chọn mã khác.")
    _check_change(session, new.id, new.province_code, new.communes)
    team = CommunityTeam(**new.model_dump(), updated_by=staff, updated_at=utcnow())
    session.add(team)
    session.commit()
    return team


def edit_team(
    session: Session, team: CommunityTeam, edit: TeamEdit, staff: str
) -> CommunityTeam:
    """Applies an admin's edit (seeding keeps it from then on); raises InvalidTeam."""
    _check_change(session, team.id, team.province_code, edit.communes)
    apply_values(team, edit.model_dump())
    team.updated_by = staff
    team.updated_at = utcnow()
    session.commit()
    return team
