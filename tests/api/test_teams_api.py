"""The directory of community tech teams in the database and the staff API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.core.clock import VIETNAM_TZ
from api.staff.models import Role
from api.teams import (
    SEED_AUTHOR,
    contact_message,
    escalation_contacts,
    seed_teams,
    team_for_commune,
)
from api.teams.models import CommunityTeam
from tests.api.conftest import staff_token
from tests.conftest import ROOT

SEEDS = ROOT / "seeds"
SAMPLE_TEAMS = 5
MONDAY_9AM = datetime(2025, 11, 24, 9, 0, tzinfo=VIETNAM_TZ)


@pytest.fixture
def seeded_teams(engine: Any) -> Any:
    """The test database with the sample teams loaded."""
    with Session(engine) as session:
        report = seed_teams(session, SEEDS)
    assert (report.inserted, report.updated, report.kept_staff_edits) == (5, 0, 0)
    return engine


def _headers(role: Role, username: str = "admin1") -> dict[str, str]:
    token = staff_token(username, role)
    return {"Authorization": f"Bearer {token}"}


HOURS = {
    "mon": ["08:00-11:00"],
    "tue": ["08:00-11:00"],
    "wed": ["08:00-11:00", "14:00-16:00"],
}


def _edit(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Tổ công nghệ số cộng đồng phường Thành Sen",
        "communes": ["18073"],
        "office_hours": HOURS,
        "meeting_point": "Nhà văn hoá tổ dân phố 1, phường Thành Sen",
        "contact": "Bộ phận một cửa, UBND phường Thành Sen",
        "phone": "0239 3855 555",
    }
    body.update(overrides)
    return body


def _team(engine: Any, team_id: str) -> CommunityTeam:
    with Session(engine) as session:
        team = session.get(CommunityTeam, team_id)
        assert team is not None
        return team


def test_seed_loads_the_sample_teams_and_reseeding_changes_nothing(
    seeded_teams: Any,
) -> None:
    team = _team(seeded_teams, "ha-tinh-thanh-sen")
    assert team.name == "Tổ công nghệ số cộng đồng phường Thành Sen"
    assert team.province_code == "42"
    assert team.communes == ["18073"]
    assert team.office_hours["sat"] == ["07:30-11:30"]
    assert "sun" not in team.office_hours
    assert team.phone is None
    assert team.sample is True
    assert team.updated_by == SEED_AUTHOR
    with Session(seeded_teams) as session:
        report = seed_teams(session, SEEDS)
    assert (report.inserted, report.updated, report.kept_staff_edits) == (0, 0, 0)


def test_reseeding_repairs_a_seeded_team(seeded_teams: Any) -> None:
    with Session(seeded_teams) as session:
        session.execute(
            update(CommunityTeam)
            .where(CommunityTeam.id == "ha-tinh-tran-phu")
            .values(contact="stale", office_hours={"mon": ["08:00-09:00"]})
        )
        session.commit()
        report = seed_teams(session, SEEDS)
    assert report.updated == 1
    team = _team(seeded_teams, "ha-tinh-tran-phu")
    assert team.contact == "Bộ phận một cửa, UBND phường Trần Phú"
    assert team.office_hours["mon"] == ["07:30-11:30", "13:30-17:00"]


def test_team_for_commune(seeded_teams: Any) -> None:
    with Session(seeded_teams) as session:
        team = team_for_commune(session, "18073")
        assert team is not None
        assert team.id == "ha-tinh-thanh-sen"
        assert team_for_commune(session, "18775") is None  # Xã Kỳ Anh: no team
        assert team_for_commune(session, "99999") is None


def test_contact_message_with_and_without_a_team(seeded_teams: Any) -> None:
    escalations = escalation_contacts(SEEDS)
    with Session(seeded_teams) as session:
        with_team = contact_message(session, "18073", MONDAY_9AM, escalations)
        without = contact_message(session, "18775", MONDAY_9AM, escalations)
        unknown = contact_message(session, "99999", MONDAY_9AM, escalations)
    assert with_team == (
        "Tổ công nghệ số cộng đồng phường Thành Sen sẽ liên hệ Anh/Chị trong giờ làm "
        "việc hôm nay. Anh/Chị cũng có thể gặp Tổ tại Trung tâm Phục vụ hành chính "
        "công phường Thành Sen; đầu mối liên hệ: Bộ phận một cửa, UBND phường Thành Sen."
    )
    assert without.startswith(
        "Hiện trợ lý chưa có thông tin về Tổ công nghệ số cộng đồng của xã Kỳ Anh. "
        "Anh/Chị vui lòng liên hệ bộ phận một cửa của Ủy ban nhân dân xã Kỳ Anh hoặc "
        "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh ("
    )
    assert "nơi mình cư trú" in unknown


def test_every_staff_role_lists_the_teams(
    client: TestClient, seeded_teams: Any
) -> None:
    for role in (Role.COMMUNITY, Role.ANALYST, Role.ADMIN):
        response = client.get("/api/staff/teams", headers=_headers(role, "someone"))
        assert response.status_code == 200, role
        items = response.json()["items"]
        assert len(items) == SAMPLE_TEAMS
        assert all(item["sample"] for item in items)
    one_province = client.get(
        "/api/staff/teams", params={"province": "01"}, headers=_headers(Role.ADMIN)
    )
    assert one_province.json() == {"items": []}
    assert client.get("/api/staff/teams").status_code == 401


def test_admin_edit_is_kept_after_reseeding(
    client: TestClient, seeded_teams: Any
) -> None:
    response = client.put(
        "/api/staff/teams/ha-tinh-thanh-sen", json=_edit(), headers=_headers(Role.ADMIN)
    )
    assert response.status_code == 200, response.text
    item = response.json()
    assert item["office_hours"] == HOURS
    assert item["phone"] == "0239 3855 555"
    assert item["updated_by"] == "admin1"
    assert item["sample"] is False

    with Session(seeded_teams) as session:
        report = seed_teams(session, SEEDS)
    assert (report.inserted, report.updated, report.kept_staff_edits) == (0, 0, 1)
    team = _team(seeded_teams, "ha-tinh-thanh-sen")
    assert team.meeting_point == "Nhà văn hoá tổ dân phố 1, phường Thành Sen"
    assert team.office_hours == HOURS
    assert team.updated_by == "admin1"


def test_community_and_analyst_roles_cannot_edit_or_create(
    client: TestClient, seeded_teams: Any
) -> None:
    for role in (Role.COMMUNITY, Role.ANALYST):
        headers = _headers(role, "member")
        put = client.put(
            "/api/staff/teams/ha-tinh-thanh-sen", json=_edit(), headers=headers
        )
        post = client.post(
            "/api/staff/teams",
            json={**_edit(communes=["18775"]), "id": "x-ky-anh", "province_code": "42"},
            headers=headers,
        )
        assert (put.status_code, post.status_code) == (403, 403), role
    assert _team(seeded_teams, "ha-tinh-thanh-sen").updated_by == SEED_AUTHOR


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"office_hours": {"mon": ["13:30-11:30"]}}, "must end after it starts"),
        ({"office_hours": {"sunday": ["08:00-11:00"]}}, "unknown weekday"),
        ({"office_hours": {"mon": ["08:00-11:00", "10:00-12:00"]}}, "overlap"),
        ({"phone": "12345"}, "does not look like a Vietnamese number"),
        ({"communes": []}, "at least 1 item"),
        ({"name": ""}, "at least 5"),
    ],
)
def test_invalid_edits_get_422(
    client: TestClient, seeded_teams: Any, overrides: dict[str, Any], message: str
) -> None:
    response = client.put(
        "/api/staff/teams/ha-tinh-thanh-sen",
        json=_edit(**overrides),
        headers=_headers(Role.ADMIN),
    )
    assert response.status_code == 422
    assert message in response.text
    assert _team(seeded_teams, "ha-tinh-thanh-sen").updated_by == SEED_AUTHOR


@pytest.mark.parametrize(
    ("communes", "message"),
    [
        (["99999"], "Không có xã, phường mã 99999."),
        (["00004"], "Xã, phường mã 00004 không thuộc Hà Tĩnh."),
        (
            ["18073", "18100"],
            "Xã, phường mã 18100 đã do Tổ công nghệ số cộng đồng phường Trần Phú "
            "phụ trách.",
        ),
    ],
)
def test_edits_with_communes_the_team_cannot_serve_get_422(
    client: TestClient, seeded_teams: Any, communes: list[str], message: str
) -> None:
    response = client.put(
        "/api/staff/teams/ha-tinh-thanh-sen",
        json=_edit(communes=communes),
        headers=_headers(Role.ADMIN),
    )
    assert response.status_code == 422
    assert response.json()["detail"]["message"] == message


def test_unknown_team_gets_404(client: TestClient, seeded_teams: Any) -> None:
    response = client.put(
        "/api/staff/teams/nowhere", json=_edit(), headers=_headers(Role.ADMIN)
    )
    assert response.status_code == 404


def test_admin_creates_a_team(client: TestClient, seeded_teams: Any) -> None:
    body = {
        **_edit(
            name="Tổ công nghệ số cộng đồng xã Kỳ Anh",
            communes=["18775"],
            meeting_point="Trung tâm Phục vụ hành chính công xã Kỳ Anh",
            contact="Bộ phận một cửa, UBND xã Kỳ Anh",
        ),
        "id": "ha-tinh-ky-anh",
        "province_code": "42",
    }
    created = client.post("/api/staff/teams", json=body, headers=_headers(Role.ADMIN))
    assert created.status_code == 201, created.text
    assert created.json()["updated_by"] == "admin1"
    assert (
        client.post(
            "/api/staff/teams", json=body, headers=_headers(Role.ADMIN)
        ).status_code
        == 409
    )
    taken = {**body, "id": "ha-tinh-thanh-sen-2", "communes": ["18073"]}
    assert (
        client.post(
            "/api/staff/teams", json=taken, headers=_headers(Role.ADMIN)
        ).status_code
        == 422
    )
    elsewhere = {**body, "id": "ha-noi-x", "province_code": "77"}
    response = client.post(
        "/api/staff/teams", json=elsewhere, headers=_headers(Role.ADMIN)
    )
    assert response.status_code == 422
    assert response.json()["detail"]["message"] == "Không có tỉnh/thành phố mã 77."

    with Session(seeded_teams) as session:
        team = team_for_commune(session, "18775")
        assert team is not None
        assert team.id == "ha-tinh-ky-anh"
        report = seed_teams(session, SEEDS)
    assert (report.inserted, report.updated) == (0, 0)
    assert _team(seeded_teams, "ha-tinh-ky-anh").communes == ["18775"]


def test_a_commune_an_admin_gave_a_team_is_not_taken_back_by_seeding(
    client: TestClient, engine: Any
) -> None:
    body = {**_edit(), "id": "thanh-sen-moi", "province_code": "42"}
    response = client.post("/api/staff/teams", json=body, headers=_headers(Role.ADMIN))
    assert response.status_code == 201, response.text
    with Session(engine) as session:
        report = seed_teams(session, SEEDS)
        assert report.inserted == SAMPLE_TEAMS
        team = team_for_commune(session, "18073")
        assert team is not None
        assert team.id == "thanh-sen-moi"
    assert _team(engine, "ha-tinh-thanh-sen").communes == []


def test_seeding_without_a_teams_folder_does_nothing(engine: Any) -> None:
    with Session(engine) as session:
        report = seed_teams(session, ROOT / "tests")
    assert (report.inserted, report.updated, report.kept_staff_edits) == (0, 0, 0)
