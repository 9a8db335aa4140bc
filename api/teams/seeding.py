"""Loading seeds/teams: reading and checking the files, the escalation contacts,
and upserting the teams into the database without undoing staff edits."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.places.seeding import places_seed_path, read_places_csv
from api.teams.directory import apply_values, commune_provinces
from api.teams.models import CommunityTeam
from api.teams.schema import EscalationContact, TeamsFile, overlaps

logger = logging.getLogger(__name__)

TEAMS_DIR = "teams"
# ``updated_by`` of rows loaded from seeds/ (the same value as the knowledge store's).
SEED_AUTHOR = "seed"


def _read_yaml(path: Path) -> object:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _error_lines(label: str, raw: object, exc: ValidationError) -> list[str]:
    """One line per pydantic error, naming the team by its id where possible."""
    teams = raw.get("teams") if isinstance(raw, dict) else None
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        if len(loc) > 1 and loc[0] == "teams" and isinstance(loc[1], int):
            team = teams[loc[1]] if isinstance(teams, list) else None
            loc[1] = team.get("id", f"#{loc[1] + 1}") if isinstance(team, dict) else 0
        where = ".".join(str(part) for part in loc)
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{label}: {where}: {message}" if where else f"{label}: {message}")
    return lines


def load_teams(seeds_dir: Path) -> tuple[dict[str, TeamsFile], list[str]]:
    """Parses every seeds/teams/*.yml; returns the valid files by name and the
    problems of the others (no folder: nothing, no problem)."""
    files: dict[str, TeamsFile] = {}
    problems: list[str] = []
    for path in sorted((seeds_dir / TEAMS_DIR).glob("*.yml")):
        label = f"{TEAMS_DIR}/{path.name}"
        try:
            raw = _read_yaml(path)
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{label}: {exc}")
            continue
        try:
            files[path.name] = TeamsFile.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_error_lines(label, raw, exc))
    return files, problems


def check_teams(
    files: Mapping[str, TeamsFile], communes: Mapping[str, str] | None
) -> list[str]:
    """Problems across files: a province in two files, a team id or a commune used
    twice; with ``communes`` (commune code -> province code), also unknown provinces
    and communes outside the team's province."""
    problems: list[str] = []
    provinces: dict[str, str] = {}
    for name, data in files.items():
        first = provinces.setdefault(data.province_code, name)
        if first != name:
            problems.append(
                f"{TEAMS_DIR}/{name}: province {data.province_code} is also in {first}"
            )
    teams = [(d.province_code, t) for d in files.values() for t in d.teams]
    problems += [f"{TEAMS_DIR}: {p}" for p in overlaps(teams)]
    if communes is None:
        return problems
    known_provinces = set(communes.values())
    for name, data in files.items():
        if data.province_code not in known_provinces:
            problems.append(
                f"{TEAMS_DIR}/{name}: unknown province {data.province_code}"
            )
            continue
        for team in data.teams:
            problems += [
                f"{TEAMS_DIR}/{name}: {team.id}: {p}"
                for p in _commune_problems(team.communes, data.province_code, communes)
            ]
    return problems


def _commune_problems(
    codes: Iterable[str], province_code: str, communes: Mapping[str, str]
) -> list[str]:
    """Unknown communes and communes of another province."""
    problems = []
    for code in codes:
        if code not in communes:
            problems.append(f"unknown commune {code}")
        elif communes[code] != province_code:
            problems.append(f"commune {code} is not in province {province_code}")
    return problems


def validate_teams(seeds_dir: Path) -> list[str]:
    """All problems in seeds/teams (empty when valid or absent); communes are checked
    against seeds/places when that file is there."""
    if not (seeds_dir / TEAMS_DIR).is_dir():
        return []
    files, problems = load_teams(seeds_dir)
    places_csv = places_seed_path(seeds_dir)
    communes = None
    if places_csv.is_file():
        rows, _ = read_places_csv(places_csv)  # its own problems are reported apart
        communes = {row["code"]: row["province_code"] for row in rows.communes}
    return problems + check_teams(files, communes)


@lru_cache(maxsize=4)
def escalation_contacts(seeds_dir: Path) -> dict[str, EscalationContact]:
    """Province code -> escalation contact, from the valid seeds/teams files (read
    once per process; they are not edited through the staff API)."""
    files, _ = load_teams(seeds_dir)
    return {data.province_code: data.escalation for data in files.values()}


@dataclass(frozen=True)
class TeamSeedReport:
    """What a seeding run changed."""

    inserted: int
    updated: int
    kept_staff_edits: int


def seed_teams(session: Session, seeds_dir: Path) -> TeamSeedReport:
    """Upserts seeds/teams (the place tables must be loaded); never overwrites or
    deletes a team a staff member edited or created, and never deletes a team. A
    commune a staff-edited team serves is left out of the seeded team that lists it.
    Raises ValueError on an invalid seed."""
    files, problems = load_teams(seeds_dir)
    problems += check_teams(files, commune_provinces(session))
    if problems:
        raise ValueError("invalid team seeds:\n" + "\n".join(problems))
    existing = {row.id: row for row in session.scalars(select(CommunityTeam))}
    by_staff = {
        code: row.id
        for row in existing.values()
        if row.updated_by != SEED_AUTHOR
        for code in row.communes
    }
    inserted = updated = kept = 0
    seeded: set[str] = set()
    for data in files.values():
        for team in data.teams:
            row = existing.get(team.id)
            if row is not None and row.updated_by != SEED_AUTHOR:
                kept += 1
                continue
            communes = [c for c in team.communes if by_staff.get(c, team.id) == team.id]
            if communes != team.communes:
                logger.warning(
                    "team %s: communes %s kept by staff-edited teams",
                    team.id,
                    sorted(set(team.communes) - set(communes)),
                )
            seeded.update(communes)
            values: dict[str, Any] = {
                **team.model_dump(exclude={"id"}),
                "communes": communes,
                "province_code": data.province_code,
                "sample": data.sample,
            }
            if row is None:
                session.add(CommunityTeam(id=team.id, **values, updated_by=SEED_AUTHOR))
                inserted += 1
            elif apply_values(row, values):
                updated += 1
    # A seeded team that left the files stays, without the communes given to others.
    in_files = {team.id for data in files.values() for team in data.teams}
    for row in existing.values():
        if row.updated_by == SEED_AUTHOR and row.id not in in_files:
            remaining = [c for c in row.communes if c not in seeded]
            updated += apply_values(row, {"communes": remaining})
    session.commit()
    return TeamSeedReport(inserted, updated, kept)
