"""The seeds/teams format and the checks shared with staff edits: phone numbers,
office hours, and the pydantic models of a team and of a province's file."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
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


def parse_range(text: str) -> tuple[time, time]:
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
        ranges = sorted(parse_range(text) for text in value.get(day) or [])
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
        problems = overlaps([(self.province_code, team) for team in self.teams])
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


def overlaps(teams: Iterable[tuple[str, TeamSeed]]) -> list[str]:
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
