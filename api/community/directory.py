"""The directory of community tech teams: seeds/teams format, loading, staff edits,
office hours in Vietnam local time, and what the assistant tells a citizen.

A team serves one or more communes (at most one team per commune) and has office
hours per weekday in Vietnam local time (UTC+7). Seeding never overwrites a team a
staff member edited (``updated_by``) and never deletes a team. Public holidays,
seasonal (summer/winter) hours and one-off closures are not modelled.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.community.models import CommunityTeam
from api.core.clock import VIETNAM_TZ
from api.core.db import utcnow
from api.places.models import Commune, Province
from api.places.service import places_seed_path, read_places_csv

logger = logging.getLogger(__name__)

TEAMS_DIR = "teams"
# ``updated_by`` of rows loaded from seeds/ (the same value as the knowledge store's).
SEED_AUTHOR = "seed"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = (
    "thứ Hai",
    "thứ Ba",
    "thứ Tư",
    "thứ Năm",
    "thứ Sáu",
    "thứ Bảy",
    "Chủ nhật",
)
TEAM_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
COMMUNE_CODE_PATTERN = r"^\d{5}$"
PROVINCE_CODE_PATTERN = r"^\d{2}$"
# Office hours must lie within this part of the day (catches 12-hour-clock slips
# such as "01:30-05:00" for "13:30-17:00").
EARLIEST_OPENING = time(5, 0)
LATEST_CLOSING = time(22, 0)

_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_PHONE_CHARACTERS = re.compile(r"^\+?[\d\s.()-]+$")
_PHONE_NUMBERS = (
    re.compile(r"0[35789]\d{8}"),  # mobile
    re.compile(r"02\d{9}"),  # landline with its area code
    re.compile(r"1[89]00\d{4}(?:\d{2})?"),  # 1800 / 1900 numbers
    re.compile(r"1\d{2,3}"),  # short public hotlines such as 1022
)
# What sample data must not contain (it would be an invented contact).
_INVENTED_CONTACT = re.compile(r"\d[\d\s.-]{5,}\d|@|https?://|www\.", re.IGNORECASE)


# --- the seed format -----------------------------------------------------------------


def _clean_text(value: Any) -> Any:
    """NFC, surrounding whitespace stripped and inner runs collapsed."""
    if isinstance(value, str):
        return " ".join(unicodedata.normalize("NFC", value).split())
    return value


def _phone_digits(phone: str) -> str:
    """The digits of a phone number, "+84" written as the leading "0"."""
    digits = re.sub(r"\D", "", phone)
    if phone.lstrip().startswith("+84"):
        digits = "0" + digits[2:]
    return digits


def check_phone(value: Any) -> Any:
    """None for an empty phone; else the number, checked to look Vietnamese (mobile,
    landline with area code, 1800/1900 or a short hotline such as 1022)."""
    value = _clean_text(value)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _PHONE_CHARACTERS.match(value):
        raise ValueError("phone may hold only digits, spaces, dots, hyphens and a +")
    digits = _phone_digits(value)
    if not any(pattern.fullmatch(digits) for pattern in _PHONE_NUMBERS):
        raise ValueError(
            f"phone {value!r} does not look like a Vietnamese number "
            "(e.g. 0912 345 678, 0239 3xxx xxx, 1900 xxxx, 1022)"
        )
    return value


def _parse_range(text: str) -> tuple[time, time]:
    """ "07:30-11:30" -> (07:30, 11:30); raises ValueError when it makes no sense."""
    match = _RANGE.match(text.replace(" ", "").replace("–", "-"))
    if match is None:
        raise ValueError(f'{text!r}: expected "HH:MM-HH:MM", e.g. "07:30-11:30"')
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"{text!r}: not a time of day")
    start, end = time(h1, m1), time(h2, m2)
    if start >= end:
        raise ValueError(f"{text!r}: the range must end after it starts")
    if start < EARLIEST_OPENING or end > LATEST_CLOSING:
        raise ValueError(
            f"{text!r}: office hours must lie between "
            f"{EARLIEST_OPENING:%H:%M} and {LATEST_CLOSING:%H:%M}"
        )
    return start, end


def check_office_hours(value: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Weekday keys and "HH:MM-HH:MM" ranges that start before they end, do not
    overlap and open at least once a week; returns them sorted, closed days left out."""
    unknown = sorted(set(value) - set(WEEKDAYS))
    if unknown:
        raise ValueError(f"unknown weekday(s) {unknown}: use {', '.join(WEEKDAYS)}")
    hours: dict[str, list[str]] = {}
    for day in WEEKDAYS:
        ranges = sorted(_parse_range(text) for text in value.get(day) or [])
        for (_, previous_end), (start, _) in itertools.pairwise(ranges):
            if start < previous_end:
                raise ValueError(f"{day}: ranges overlap")
        if ranges:
            hours[day] = [f"{s:%H:%M}-{e:%H:%M}" for s, e in ranges]
    if not hours:
        raise ValueError("the team must have office hours on at least one day")
    return hours


class TeamFields(BaseModel):
    """What describes a team, in the seed file and in staff edits."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=5, max_length=200)
    communes: list[str] = Field(min_length=1, max_length=200)
    office_hours: dict[str, list[str]]
    meeting_point: str = Field(min_length=5, max_length=300)
    contact: str = Field(min_length=5, max_length=300)
    phone: str | None = Field(default=None, max_length=40)

    _clean = field_validator("name", "meeting_point", "contact", mode="before")(
        _clean_text
    )
    _phone = field_validator("phone", mode="before")(check_phone)
    _hours = field_validator("office_hours")(check_office_hours)

    @field_validator("communes")
    @classmethod
    def _communes(cls, value: list[str]) -> list[str]:
        bad = [code for code in value if not re.fullmatch(COMMUNE_CODE_PATTERN, code)]
        if bad:
            raise ValueError(f"commune codes have 5 digits (quote them): {bad}")
        if len(set(value)) != len(value):
            raise ValueError("a commune is listed twice")
        return value


class TeamSeed(TeamFields):
    """One team in seeds/teams/*.yml."""

    id: str = Field(min_length=3, max_length=40, pattern=TEAM_ID_PATTERN)


class NewTeam(TeamSeed):
    """A team an admin creates."""

    province_code: str = Field(pattern=PROVINCE_CODE_PATTERN)
    # Staff-entered data is real unless the admin marks it as sample data.
    sample: bool = False


class TeamEdit(TeamFields):
    """An admin's edit of a team (every field; the id and province stay)."""

    sample: bool = False


class EscalationContact(BaseModel):
    """Where citizens go when no team serves their commune (one per province)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=5, max_length=200)
    contact: str = Field(min_length=5, max_length=300)
    phone: str | None = Field(default=None, max_length=40)

    _clean = field_validator("name", "contact", mode="before")(_clean_text)
    _phone = field_validator("phone", mode="before")(check_phone)


class TeamsFile(BaseModel):
    """One seeds/teams/*.yml: the teams of one province and its escalation contact."""

    model_config = ConfigDict(extra="forbid")

    # Required, so every file says whether it is sample data.
    sample: bool
    province_code: str = Field(pattern=PROVINCE_CODE_PATTERN)
    escalation: EscalationContact
    teams: list[TeamSeed]

    @model_validator(mode="after")
    def _consistent(self) -> TeamsFile:
        problems = _overlaps([(self.province_code, team) for team in self.teams])
        if self.sample:
            texts = [
                ("escalation", self.escalation.phone, [self.escalation.contact]),
                *(
                    (team.id, team.phone, [team.name, team.meeting_point, team.contact])
                    for team in self.teams
                ),
            ]
            for label, phone, words in texts:
                if phone is not None or any(_INVENTED_CONTACT.search(w) for w in words):
                    problems.append(
                        f"{label}: sample data must not carry a phone number, "
                        "e-mail or web address"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _overlaps(teams: Iterable[tuple[str, TeamSeed]]) -> list[str]:
    """Duplicate team ids and communes served by two teams."""
    problems: list[str] = []
    ids: set[str] = set()
    served: dict[str, str] = {}
    for _, team in teams:
        if team.id in ids:
            problems.append(f"duplicate team id {team.id!r}")
        ids.add(team.id)
        for code in team.communes:
            other = served.setdefault(code, team.id)
            if other != team.id:
                problems.append(f"commune {code} is served by {other} and {team.id}")
    return problems


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
    problems += [f"{TEAMS_DIR}: {p}" for p in _overlaps(teams)]
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


# --- the database ---------------------------------------------------------------------


@dataclass(frozen=True)
class TeamSeedReport:
    """What a seeding run changed."""

    inserted: int
    updated: int
    kept_staff_edits: int


def _commune_provinces(session: Session) -> dict[str, str]:
    """Commune code -> province code, from the place tables."""
    query = select(Commune.code, Commune.province_code)
    return dict(session.execute(query).tuples().all())


def seed_teams(session: Session, seeds_dir: Path) -> TeamSeedReport:
    """Upserts seeds/teams (the place tables must be loaded); never overwrites or
    deletes a team a staff member edited or created, and never deletes a team. A
    commune a staff-edited team serves is left out of the seeded team that lists it.
    Raises ValueError on an invalid seed."""
    files, problems = load_teams(seeds_dir)
    problems += check_teams(files, _commune_provinces(session))
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
            elif _apply(row, values):
                updated += 1
    # A seeded team that left the files stays, without the communes given to others.
    in_files = {team.id for data in files.values() for team in data.teams}
    for row in existing.values():
        if row.updated_by == SEED_AUTHOR and row.id not in in_files:
            remaining = [c for c in row.communes if c not in seeded]
            updated += _apply(row, {"communes": remaining})
    session.commit()
    return TeamSeedReport(inserted, updated, kept)


def _apply(row: CommunityTeam, values: Mapping[str, Any]) -> bool:
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
    where = _commune_provinces(session)
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
    _apply(team, edit.model_dump())
    team.updated_by = staff
    team.updated_at = utcnow()
    session.commit()
    return team


# --- office hours ----------------------------------------------------------------------


class HasOfficeHours(Protocol):
    """A team as the hours logic needs it (the table row or a seed)."""

    @property
    def name(self) -> str:
        """The team's name, e.g. "Tổ công nghệ số cộng đồng phường Thành Sen"."""

    @property
    def office_hours(self) -> Mapping[str, Sequence[str]]:
        """Weekday -> "HH:MM-HH:MM" ranges, as stored."""


def _local(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: give a timezone-aware moment")
    return at.astimezone(VIETNAM_TZ)


def _ranges(team: HasOfficeHours, weekday: int) -> list[tuple[time, time]]:
    """The opening ranges of a weekday (0 = Monday), sorted."""
    return sorted(
        _parse_range(text) for text in team.office_hours.get(WEEKDAYS[weekday], [])
    )


def is_open(team: HasOfficeHours, at: datetime) -> bool:
    """Whether ``at`` (timezone-aware) falls in the team's office hours, Vietnam
    local time; a range includes its start and excludes its end."""
    local = _local(at)
    now = local.time().replace(tzinfo=None)
    return any(start <= now < end for start, end in _ranges(team, local.weekday()))


def open_in_minute(team: HasOfficeHours, week_minute: int) -> bool:
    """Whether the team is open in the Vietnam-local minute of the week
    ``week_minute`` (0 is Monday 00:00), as :func:`is_open` decides."""
    day, minute = divmod(week_minute, 24 * 60)
    now = time(minute // 60, minute % 60)
    return any(start <= now < end for start, end in _ranges(team, day % 7))


def next_opening(team: HasOfficeHours, at: datetime) -> datetime:
    """When the team is next open, in Vietnam local time: ``at`` itself while open,
    else the start of the next range (at most a week ahead). Raises ValueError for a
    team without office hours."""
    local = _local(at)
    if is_open(team, local):
        return local
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        for start, _ in _ranges(team, day.weekday()):
            opening = datetime.combine(day, start, VIETNAM_TZ)
            if opening > local:
                return opening
    raise ValueError("the team has no office hours")


# --- what citizens are told --------------------------------------------------------------


def _clock(moment: datetime) -> str:
    """ "7 giờ 30 sáng", "1 giờ 30 chiều", "12 giờ trưa" (12-hour, as people say it)."""
    hour, minute = moment.hour, moment.minute
    period = (
        "sáng"
        if hour < 11
        else "trưa"
        if hour < 13
        else "chiều"
        if hour < 18
        else "tối"
    )
    twelve = hour - 12 if hour > 12 else hour
    return f"{twelve} giờ {minute:02d} {period}" if minute else f"{twelve} giờ {period}"


def _date(moment: datetime) -> str:
    """ "thứ Hai, 24/11"."""
    return f"{WEEKDAY_NAMES[moment.weekday()]}, {moment.day}/{moment.month}"


def when_text(opening: datetime, at: datetime) -> str:
    """A moment as seen from ``at``: "1 giờ 30 chiều nay", "7 giờ 30 sáng mai (thứ
    Ba, 25/11)", "7 giờ 30 sáng thứ Hai, 24/11"."""
    opening, local = _local(opening), _local(at)
    days = (opening.date() - local.date()).days
    if days == 0:
        return f"{_clock(opening)} nay"
    if days == 1:
        return f"{_clock(opening)} mai ({_date(opening)})"
    return f"{_clock(opening)} {_date(opening)}"


def contact_time_sentence(team: HasOfficeHours, at: datetime) -> str:
    """When the team will get in touch, for a citizen who asked at ``at``."""
    local = _local(at)
    if is_open(team, local):
        return f"{team.name} sẽ liên hệ Anh/Chị trong giờ làm việc hôm nay."
    opening = next_opening(team, local)
    ended_today = any(
        end <= local.time().replace(tzinfo=None)
        for _, end in _ranges(team, local.weekday())
    )
    lunch = ended_today and opening.date() == local.date() and 11 <= local.hour < 15
    pause = "là giờ nghỉ trưa" if lunch else "ngoài giờ làm việc"
    return (
        f"Hiện đang {pause} của {team.name}; Tổ sẽ liên hệ Anh/Chị "
        f"từ {when_text(opening, local)}."
    )


def _hhmm(value: time) -> str:
    return f"{value.hour}:{value.minute:02d}"


def office_hours_text(team: HasOfficeHours) -> str:
    """ "Giờ làm việc: thứ Hai đến thứ Sáu 7:30–11:30 và 13:30–17:00; thứ Bảy
    7:30–11:30." (consecutive days with the same hours grouped)."""
    groups: list[tuple[int, int, str]] = []
    for weekday in range(7):
        ranges = _ranges(team, weekday)
        if not ranges:
            continue
        hours = " và ".join(f"{_hhmm(s)}–{_hhmm(e)}" for s, e in ranges)
        if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == hours:
            groups[-1] = (groups[-1][0], weekday, hours)
        else:
            groups.append((weekday, weekday, hours))
    parts = []
    for first, last, hours in groups:
        days = WEEKDAY_NAMES[first]
        if last == first + 1:
            days += f", {WEEKDAY_NAMES[last]}"
        elif last > first:
            days += f" đến {WEEKDAY_NAMES[last]}"
        parts.append(f"{days} {hours}")
    return "Giờ làm việc: " + "; ".join(parts) + "."


def meeting_sentence(team: CommunityTeam) -> str:
    """Where the citizen can meet the team, and its public contact point."""
    phone = f", điện thoại {team.phone}" if team.phone else ""
    return (
        f"Anh/Chị cũng có thể gặp Tổ tại {team.meeting_point}; "
        f"đầu mối liên hệ: {team.contact}{phone}."
    )


def _place_in_sentence(commune_name: str) -> str:
    """ "Phường Thành Sen" -> "phường Thành Sen" (the kind word in lower case)."""
    for kind in ("Đặc khu", "Phường", "Xã"):
        if commune_name.startswith(kind + " "):
            return kind.lower() + commune_name[len(kind) :]
    return commune_name


def no_team_sentence(
    commune_name: str | None, escalation: EscalationContact | None
) -> str:
    """What to do where no team serves the commune: the commune's People's Committee,
    or the province's escalation contact (no invented numbers)."""
    if commune_name is None:
        return (
            "Hiện trợ lý chưa có thông tin về Tổ công nghệ số cộng đồng nơi Anh/Chị "
            "sinh sống. Anh/Chị vui lòng liên hệ bộ phận một cửa của Ủy ban nhân dân "
            "xã, phường nơi mình cư trú để được hỗ trợ."
        )
    place = _place_in_sentence(commune_name)
    other = ""
    if escalation is not None:
        phone = f", điện thoại {escalation.phone}" if escalation.phone else ""
        other = f" hoặc {escalation.name} ({escalation.contact}{phone})"
    return (
        f"Hiện trợ lý chưa có thông tin về Tổ công nghệ số cộng đồng của {place}. "
        f"Anh/Chị vui lòng liên hệ bộ phận một cửa của Ủy ban nhân dân {place}"
        f"{other} để được hỗ trợ."
    )


def contact_message(
    session: Session,
    commune_code: str,
    at: datetime,
    escalations: Mapping[str, EscalationContact],
) -> str:
    """The whole reply for a citizen of ``commune_code`` asking at ``at``: when the
    team will get in touch and where to meet it, or where to go without a team."""
    team = team_for_commune(session, commune_code)
    if team is not None:
        return f"{contact_time_sentence(team, at)} {meeting_sentence(team)}"
    commune = session.get(Commune, commune_code)
    if commune is None:
        return no_team_sentence(None, None)
    return no_team_sentence(commune.name, escalations.get(commune.province_code))
