"""The directory of community tech teams: seed format, office hours, citizen wording."""

from __future__ import annotations

import copy
import shutil
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from api.core.clock import VIETNAM_TZ
from api.seeds import validate_all
from api.teams import (
    EscalationContact,
    TeamEdit,
    TeamSeed,
    TeamsFile,
    contact_time_sentence,
    is_open,
    load_teams,
    meeting_sentence,
    next_opening,
    no_team_sentence,
    office_hours_text,
    validate_teams,
    when_text,
)
from api.teams.models import CommunityTeam
from tests.conftest import ROOT

SAMPLE = ROOT / "seeds" / "teams" / "sample_ha_tinh.yml"
WEEKDAY_HOURS = ["07:30-11:30", "13:30-17:00"]
HOURS = {
    **dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), WEEKDAY_HOURS),
    "sat": ["07:30-11:30"],
}
NAME = "Tổ công nghệ số cộng đồng phường Thành Sen"


def _team(**overrides: Any) -> dict[str, Any]:
    team: dict[str, Any] = {
        "id": "ha-tinh-thanh-sen",
        "name": NAME,
        "communes": ["18073"],
        "office_hours": copy.deepcopy(HOURS),
        "meeting_point": "Trung tâm Phục vụ hành chính công phường Thành Sen",
        "contact": "Bộ phận một cửa, UBND phường Thành Sen",
        "phone": None,
    }
    team.update(overrides)
    return team


def _file(teams: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "sample": True,
        "province_code": "42",
        "escalation": {
            "name": "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh",
            "contact": "địa chỉ và số điện thoại đăng trên Cổng thông tin điện tử tỉnh",
            "phone": None,
        },
        "teams": teams,
    }
    document.update(overrides)
    return document


def _errors(document: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        TeamsFile.model_validate(document)
    return str(caught.value)


def _local(text: str) -> datetime:
    """A Vietnam-local moment, "2025-11-21 17:30" (21/11/2025 is a Friday)."""
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM_TZ)


TEAM = TeamSeed.model_validate(_team())


# --- the committed sample --------------------------------------------------------------


def test_committed_team_seeds_are_valid() -> None:
    assert validate_teams(ROOT / "seeds") == []
    assert validate_all(ROOT / "seeds") == []


def test_sample_file_is_clearly_marked_and_invents_no_contact() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert text.startswith("# ====")
    assert "DỮ LIỆU MẪU" in text
    assert "SAMPLE DATA" in text
    files, problems = load_teams(ROOT / "seeds")
    assert problems == []
    sample = files["sample_ha_tinh.yml"]
    assert sample.sample is True
    assert sample.escalation.phone is None
    assert len(sample.teams) >= 3
    assert all(team.phone is None for team in sample.teams)
    assert all("UBND" in team.contact for team in sample.teams)


def test_sample_communes_are_real_communes_of_ha_tinh() -> None:
    rows = [
        line.split(",")
        for line in (ROOT / "seeds" / "places" / "vietnam_2025.csv")
        .read_text(encoding="utf-8")
        .splitlines()[1:]
    ]
    names = {code: name for province, _, code, name, _ in rows if province == "42"}
    files, _ = load_teams(ROOT / "seeds")
    for team in files["sample_ha_tinh.yml"].teams:
        for code in team.communes:
            short = names[code].split(" ", 1)[1]
            assert team.name.endswith(short), (team.id, names[code])


# --- schema validation ----------------------------------------------------------------


def test_valid_file_passes_and_hours_are_normalised() -> None:
    team = _team(office_hours={"mon": ["13:30-17:00", " 07:30 - 11:30 "], "sun": []})
    data = TeamsFile.model_validate(_file([team]))
    assert data.teams[0].office_hours == {"mon": ["07:30-11:30", "13:30-17:00"]}


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"monday": ["07:30-11:30"]}, "unknown weekday"),
        ({"mon": ["7:30-11:30"]}, 'expected "HH:MM-HH:MM"'),
        ({"mon": ["07:30"]}, 'expected "HH:MM-HH:MM"'),
        ({"mon": ["24:00-25:00"]}, "not a time of day"),
        ({"mon": ["07:61-11:30"]}, "not a time of day"),
        ({"mon": ["11:30-07:30"]}, "must end after it starts"),
        ({"mon": ["07:30-07:30"]}, "must end after it starts"),
        ({"mon": ["07:30-11:30", "11:00-17:00"]}, "mon: ranges overlap"),
        ({"mon": ["01:30-05:00"]}, "between 05:00 and 22:00"),
        ({"fri": ["18:00-23:00"]}, "between 05:00 and 22:00"),
        ({}, "at least one day"),
        ({"mon": [], "sun": []}, "at least one day"),
    ],
)
def test_office_hours_that_make_no_sense_are_rejected(
    hours: dict[str, list[str]], message: str
) -> None:
    assert message in _errors(_file([_team(office_hours=hours)]))


def test_touching_ranges_are_allowed() -> None:
    team = TeamSeed.model_validate(
        _team(office_hours={"mon": ["07:30-11:30", "11:30-12:00"]})
    )
    assert team.office_hours["mon"] == ["07:30-11:30", "11:30-12:00"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"communes": []}, "at least 1 item"),
        ({"communes": ["1807"]}, "5 digits"),
        ({"communes": [18073]}, "valid string"),
        ({"communes": ["18073", "18073"]}, "listed twice"),
        ({"id": "Thanh Sen"}, "String should match pattern"),
        ({"id": "x" * 41}, "at most 40"),
        ({"name": "Tổ"}, "at least 5"),
        ({"contact": ""}, "at least 5"),
        ({"website": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_team_fields_are_rejected(overrides: dict[str, Any], message: str) -> None:
    assert message in _errors(_file([_team(**overrides)]))


def test_a_commune_is_served_by_at_most_one_team() -> None:
    other = _team(id="ha-tinh-tran-phu", communes=["18100", "18073"])
    errors = _errors(_file([_team(), other]))
    assert "commune 18073 is served by ha-tinh-thanh-sen and ha-tinh-tran-phu" in errors


def test_team_ids_are_unique() -> None:
    assert "duplicate team id" in _errors(_file([_team(), _team(communes=["18100"])]))


def test_every_file_says_whether_it_is_sample_data() -> None:
    document = _file([_team()])
    del document["sample"]
    assert "sample" in _errors(document)


@pytest.mark.parametrize(
    "contact",
    [
        "Gọi 0912 345 678",
        "tocongnghe@hatinh.gov.vn",
        "https://hatinh.gov.vn",
        "www.hatinh.gov.vn",
    ],
)
def test_sample_data_carries_no_phone_mail_or_web_address(contact: str) -> None:
    errors = _errors(_file([_team(contact=contact)]))
    assert "sample data must not carry" in errors


def test_sample_data_has_no_phone_but_real_data_may() -> None:
    with_phone = _team(phone="0912 345 678")
    assert "sample data must not carry" in _errors(_file([with_phone]))
    real = TeamsFile.model_validate(_file([with_phone], sample=False))
    assert real.teams[0].phone == "0912 345 678"
    escalation = {"name": "Sở Khoa học và Công nghệ", "contact": "Văn phòng Sở"}
    assert "escalation: sample data" in _errors(
        _file([_team()], escalation={**escalation, "phone": "02393855555"})
    )


@pytest.mark.parametrize(
    "phone",
    [
        "0912345678",
        "0912 345 678",
        "091.234.5678",
        "+84 912 345 678",
        "0239 3855 555",
        "(0239) 3855555",
        "1900 1234",
        "1800 123456",
        "1022",
    ],
)
def test_vietnamese_phone_numbers_are_accepted(phone: str) -> None:
    team = TeamSeed.model_validate(_team(phone=phone))
    assert team.phone == phone


@pytest.mark.parametrize(
    "phone",
    ["12345", "0123456789", "091234567", "+1 202 555 0100", "0912-345-678 ext", "abc"],
)
def test_numbers_that_are_not_vietnamese_are_rejected(phone: str) -> None:
    with pytest.raises(ValidationError, match="phone"):
        TeamSeed.model_validate(_team(phone=phone))


def test_an_empty_phone_is_none_and_text_is_nfc_with_single_spaces() -> None:
    fields = {k: v for k, v in _team().items() if k != "id"}
    fields["name"] = unicodedata.normalize("NFD", "Tổ công nghệ số  cộng đồng ") + (
        "phường Thành Sen"
    )
    edit = TeamEdit.model_validate({**fields, "phone": "  "})
    assert edit.phone is None
    assert edit.name == NAME
    assert edit.sample is False


# --- validate_teams on a seeds folder --------------------------------------------------


def _seeds(
    tmp_path: Path, files: dict[str, dict[str, Any]], places: bool = True
) -> Path:
    seeds = tmp_path / "seeds"
    (seeds / "teams").mkdir(parents=True)
    if places:
        (seeds / "places").mkdir()
        shutil.copy(
            ROOT / "seeds" / "places" / "vietnam_2025.csv",
            seeds / "places" / "vietnam_2025.csv",
        )
    for name, document in files.items():
        (seeds / "teams" / name).write_text(
            yaml.safe_dump(document, allow_unicode=True), encoding="utf-8"
        )
    return seeds


def test_no_teams_folder_is_no_problem(tmp_path: Path) -> None:
    assert validate_teams(tmp_path) == []


def test_communes_are_checked_against_the_places(tmp_path: Path) -> None:
    unknown = _team(id="unknown", communes=["99999"])
    elsewhere = _team(id="elsewhere", communes=["00004"])  # Phường Ba Đình, Hà Nội
    seeds = _seeds(tmp_path, {"a.yml": _file([_team(), unknown, elsewhere])})
    assert validate_teams(seeds) == [
        "teams/a.yml: unknown: unknown commune 99999",
        "teams/a.yml: elsewhere: commune 00004 is not in province 42",
    ]
    without_places = _seeds(tmp_path / "b", {"a.yml": _file([unknown])}, places=False)
    assert validate_teams(without_places) == []


def test_problems_across_files_are_reported(tmp_path: Path) -> None:
    seeds = _seeds(
        tmp_path,
        {
            "a.yml": _file([_team()]),
            "b.yml": _file([_team(id="other", communes=["18073"])]),
            "c.yml": _file([_team()], province_code="99"),
        },
    )
    problems = validate_teams(seeds)
    assert "teams/b.yml: province 42 is also in a.yml" in problems
    assert "teams: commune 18073 is served by ha-tinh-thanh-sen and other" in problems
    assert "teams: duplicate team id 'ha-tinh-thanh-sen'" in problems
    assert "teams/c.yml: unknown province 99" in problems


def test_errors_name_the_file_and_the_team(tmp_path: Path) -> None:
    bad = _team(id="ha-tinh-tran-phu", office_hours={"sat": ["13:30-11:30"]})
    seeds = _seeds(tmp_path, {"a.yml": _file([_team(), bad])})
    [problem] = validate_teams(seeds)
    assert problem.startswith("teams/a.yml: teams.ha-tinh-tran-phu.office_hours: ")
    assert "must end after it starts" in problem
    assert validate_all(seeds)[-1] == problem


def test_broken_yaml_is_reported(tmp_path: Path) -> None:
    seeds = _seeds(tmp_path, {})
    (seeds / "teams" / "broken.yml").write_text("teams: [", encoding="utf-8")
    [problem] = validate_teams(seeds)
    assert problem.startswith("teams/broken.yml: ")


# --- office hours (Vietnam local time) -------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        ("2025-11-24 07:29", False),  # Monday, before opening
        ("2025-11-24 07:30", True),  # a range includes its start
        ("2025-11-24 11:29", True),
        ("2025-11-24 11:30", False),  # ... and excludes its end: lunch break
        ("2025-11-24 12:15", False),
        ("2025-11-24 13:29", False),
        ("2025-11-24 13:30", True),
        ("2025-11-24 16:59", True),
        ("2025-11-24 17:00", False),
        ("2025-11-22 09:00", True),  # Saturday morning
        ("2025-11-22 14:00", False),  # Saturday afternoon
        ("2025-11-23 09:00", False),  # Sunday
    ],
)
def test_is_open(moment: str, open_: bool) -> None:
    assert is_open(TEAM, _local(moment)) is open_


def test_hours_are_read_in_vietnam_time_whatever_the_zone_given() -> None:
    monday_0730 = datetime(2025, 11, 24, 0, 30, tzinfo=timezone.utc)
    assert is_open(TEAM, monday_0730)
    assert not is_open(TEAM, monday_0730 - timedelta(minutes=1))
    paris = timezone(timedelta(hours=1))
    assert is_open(TEAM, datetime(2025, 11, 24, 1, 30, tzinfo=paris))


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        is_open(TEAM, datetime(2025, 11, 24, 9, 0))


@pytest.mark.parametrize(
    ("moment", "opening"),
    [
        ("2025-11-24 09:00", "2025-11-24 09:00"),  # open: now
        ("2025-11-24 06:00", "2025-11-24 07:30"),
        ("2025-11-24 12:00", "2025-11-24 13:30"),  # lunch break
        ("2025-11-24 17:00", "2025-11-25 07:30"),
        ("2025-11-21 17:30", "2025-11-22 07:30"),  # Friday evening -> Saturday
        ("2025-11-22 11:30", "2025-11-24 07:30"),  # Saturday noon -> Monday
        ("2025-11-23 10:00", "2025-11-24 07:30"),  # Sunday -> Monday
    ],
)
def test_next_opening(moment: str, opening: str) -> None:
    assert next_opening(TEAM, _local(moment)) == _local(opening)


def test_next_opening_a_week_ahead_for_a_once_a_week_team() -> None:
    weekly = TeamSeed.model_validate(_team(office_hours={"mon": ["08:00-10:00"]}))
    found = next_opening(weekly, _local("2025-11-24 10:00"))
    assert found == _local("2025-12-01 08:00")
    assert found.utcoffset() == timedelta(hours=7)


def test_public_holidays_are_not_modelled() -> None:
    # 2/9/2025 (Quốc khánh) is a Tuesday: the directory still counts it as a work day.
    assert is_open(TEAM, _local("2025-09-02 09:00"))


# --- what citizens are told -------------------------------------------------------------


def test_inside_office_hours_the_team_calls_today() -> None:
    assert contact_time_sentence(TEAM, _local("2025-11-24 09:00")) == (
        "Tổ công nghệ số cộng đồng phường Thành Sen sẽ liên hệ Anh/Chị "
        "trong giờ làm việc hôm nay."
    )


def test_saturday_afternoon_points_to_monday_morning() -> None:
    assert contact_time_sentence(TEAM, _local("2025-11-22 15:00")) == (
        "Hiện đang ngoài giờ làm việc của Tổ công nghệ số cộng đồng phường Thành Sen; "
        "Tổ sẽ liên hệ Anh/Chị từ 7 giờ 30 sáng thứ Hai, 24/11."
    )


def test_sunday_points_to_tomorrow_morning() -> None:
    assert contact_time_sentence(TEAM, _local("2025-11-23 20:00")) == (
        "Hiện đang ngoài giờ làm việc của Tổ công nghệ số cộng đồng phường Thành Sen; "
        "Tổ sẽ liên hệ Anh/Chị từ 7 giờ 30 sáng mai (thứ Hai, 24/11)."
    )


def test_lunch_break_points_to_this_afternoon() -> None:
    assert contact_time_sentence(TEAM, _local("2025-11-24 12:00")) == (
        "Hiện đang là giờ nghỉ trưa của Tổ công nghệ số cộng đồng phường Thành Sen; "
        "Tổ sẽ liên hệ Anh/Chị từ 1 giờ 30 chiều nay."
    )


def test_early_morning_points_to_this_morning() -> None:
    assert contact_time_sentence(TEAM, _local("2025-11-24 06:00")) == (
        "Hiện đang ngoài giờ làm việc của Tổ công nghệ số cộng đồng phường Thành Sen; "
        "Tổ sẽ liên hệ Anh/Chị từ 7 giờ 30 sáng nay."
    )


@pytest.mark.parametrize(
    ("opening", "text"),
    [
        ("2025-11-24 07:00", "7 giờ sáng nay"),
        ("2025-11-24 08:05", "8 giờ 05 sáng nay"),
        ("2025-11-24 11:00", "11 giờ trưa nay"),
        ("2025-11-24 12:00", "12 giờ trưa nay"),
        ("2025-11-24 14:00", "2 giờ chiều nay"),
        ("2025-11-24 19:30", "7 giờ 30 tối nay"),
        ("2025-11-25 07:30", "7 giờ 30 sáng mai (thứ Ba, 25/11)"),
        ("2025-11-29 07:30", "7 giờ 30 sáng thứ Bảy, 29/11"),
        ("2025-11-30 07:30", "7 giờ 30 sáng Chủ nhật, 30/11"),
        ("2025-12-01 13:30", "1 giờ 30 chiều thứ Hai, 1/12"),
    ],
)
def test_when_text(opening: str, text: str) -> None:
    assert when_text(_local(opening), _local("2025-11-24 06:00")) == text


def test_office_hours_text_groups_days() -> None:
    assert office_hours_text(TEAM) == (
        "Giờ làm việc: thứ Hai đến thứ Sáu 7:30–11:30 và 13:30–17:00; "
        "thứ Bảy 7:30–11:30."
    )
    odd = TeamSeed.model_validate(
        _team(office_hours={"mon": ["08:00-10:00"], "tue": ["08:00-10:00"]})
    )
    assert office_hours_text(odd) == "Giờ làm việc: thứ Hai, thứ Ba 8:00–10:00."


def test_meeting_sentence_gives_the_contact_point_and_a_real_phone_only() -> None:
    team = CommunityTeam(**_team(), province_code="42")
    assert meeting_sentence(team) == (
        "Anh/Chị cũng có thể gặp Tổ tại Trung tâm Phục vụ hành chính công phường "
        "Thành Sen; đầu mối liên hệ: Bộ phận một cửa, UBND phường Thành Sen."
    )
    team.phone = "0239 3855 555"
    assert meeting_sentence(team).endswith(
        "UBND phường Thành Sen, điện thoại 0239 3855 555."
    )


def test_without_a_team_the_citizen_is_sent_to_the_commune_or_the_province() -> None:
    escalation = EscalationContact(
        name="Sở Khoa học và Công nghệ tỉnh Hà Tĩnh",
        contact="địa chỉ và số điện thoại đăng trên Cổng thông tin điện tử tỉnh Hà Tĩnh",
    )
    assert no_team_sentence("Xã Kỳ Anh", escalation) == (
        "Hiện trợ lý chưa có thông tin về Tổ công nghệ số cộng đồng của xã Kỳ Anh. "
        "Anh/Chị vui lòng liên hệ bộ phận một cửa của Ủy ban nhân dân xã Kỳ Anh "
        "hoặc Sở Khoa học và Công nghệ tỉnh Hà Tĩnh (địa chỉ và số điện thoại đăng "
        "trên Cổng thông tin điện tử tỉnh Hà Tĩnh) để được hỗ trợ."
    )
    assert no_team_sentence("Phường Thành Sen", None) == (
        "Hiện trợ lý chưa có thông tin về Tổ công nghệ số cộng đồng của phường "
        "Thành Sen. Anh/Chị vui lòng liên hệ bộ phận một cửa của Ủy ban nhân dân "
        "phường Thành Sen để được hỗ trợ."
    )
    assert no_team_sentence(None, None) == (
        "Hiện trợ lý chưa có thông tin về Tổ công nghệ số cộng đồng nơi Anh/Chị sinh "
        "sống. Anh/Chị vui lòng liên hệ bộ phận một cửa của Ủy ban nhân dân xã, "
        "phường nơi mình cư trú để được hỗ trợ."
    )
