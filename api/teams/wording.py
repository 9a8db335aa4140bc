"""What the assistant tells a citizen about their team: when it will get in touch,
its office hours, where to meet it, and where to go when no team serves the commune."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time

from sqlalchemy.orm import Session

from api.places.models import Commune
from api.teams.directory import team_for_commune
from api.teams.models import CommunityTeam
from api.teams.office_hours import (
    HasOfficeHours,
    day_ranges,
    is_open,
    local_time,
    next_opening,
)
from api.teams.schema import EscalationContact

WEEKDAY_NAMES = (
    "thứ Hai",
    "thứ Ba",
    "thứ Tư",
    "thứ Năm",
    "thứ Sáu",
    "thứ Bảy",
    "Chủ nhật",
)


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
    opening, local = local_time(opening), local_time(at)
    days = (opening.date() - local.date()).days
    if days == 0:
        return f"{_clock(opening)} nay"
    if days == 1:
        return f"{_clock(opening)} mai ({_date(opening)})"
    return f"{_clock(opening)} {_date(opening)}"


def contact_time_sentence(team: HasOfficeHours, at: datetime) -> str:
    """When the team will get in touch, for a citizen who asked at ``at``."""
    local = local_time(at)
    if is_open(team, local):
        return f"{team.name} sẽ liên hệ Anh/Chị trong giờ làm việc hôm nay."
    opening = next_opening(team, local)
    ended_today = any(
        end <= local.time().replace(tzinfo=None)
        for _, end in day_ranges(team, local.weekday())
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
        ranges = day_ranges(team, weekday)
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
