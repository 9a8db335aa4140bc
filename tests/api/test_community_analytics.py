"""The community teams' figures: tickets and assisted residents, from the rows each
test inserts (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.core.clock import VIETNAM_TZ, today_local
from api.handoff.models import HandoffReason, HandoffTicket, Resolution, TicketStatus
from api.helper_mode.models import ResidentGroup
from api.staff.models import Role
from tests.api.conftest import staff_token
from tests.factories import helper_session, ticket

THANH_SEN, TRAN_PHU, HA_TINH = "18073", "18100", "42"


def at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    day = today_local() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VIETNAM_TZ)


def test_tickets_and_assisted_residents_by_commune_group_and_task(
    client: TestClient, seeded_engine: Any
) -> None:
    with Session(seeded_engine) as session:
        session.add_all(
            [
                ticket(THANH_SEN, at(3, 9), 10, 60, Resolution.MET_IN_PERSON),
                ticket(THANH_SEN, at(2, 9), 30, 90, Resolution.NO_RESPONSE),
                ticket(TRAN_PHU, at(1, 15), 50, None, None),
                ticket(
                    TRAN_PHU,
                    at(1, 16),
                    escalated=True,
                    reason=HandoffReason.NOT_UNDERSTOOD,
                ),
                # Outside the period, and a declined offer (not a ticket).
                ticket(THANH_SEN, at(40, 9), 5, 10, Resolution.GUIDED_REMOTELY),
                HandoffTicket(
                    channel="web",
                    user_pseudonym="v" * 32,
                    status=TicketStatus.DECLINED,
                    reason=HandoffReason.REQUESTED,
                ),
                helper_session(
                    THANH_SEN, ResidentGroup.ELDERLY, "vneid_activate_level2", at(2, 10)
                ),
                helper_session(
                    THANH_SEN, ResidentGroup.ELDERLY, "vneid_activate_level2", at(1, 10)
                ),
                helper_session(TRAN_PHU, ResidentGroup.FARMER, "other", at(1, 11)),
                helper_session(TRAN_PHU, ResidentGroup.FARMER, "other", at(50, 11)),
            ]
        )
        session.commit()
    token = staff_token("analyst", Role.ANALYST)
    params = {
        "from": (today_local() - timedelta(days=6)).isoformat(),
        "to": today_local().isoformat(),
    }
    body = client.get(
        "/api/staff/analytics/community",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    tickets = body["tickets"]
    assert (tickets["opened"], tickets["waiting"], tickets["claimed"]) == (4, 1, 1)
    assert (tickets["closed"], tickets["resolved"], tickets["escalated"]) == (2, 1, 1)
    assert tickets["resolved_rate"] == 0.25
    assert tickets["by_reason"] == {"requested": 3, "not_understood": 1}
    by_resolution = {r["resolution"]: r["tickets"] for r in tickets["by_resolution"]}
    assert by_resolution["met_in_person"] == 1 and by_resolution["no_response"] == 1
    assert tickets["median_minutes_to_first_reply"] == 30.0  # 10, 30, 50
    assert tickets["median_minutes_to_close"] == 75.0  # 60, 90
    assert {c["name"]: (c["tickets"], c["closed"]) for c in tickets["by_commune"]} == {
        "Phường Thành Sen": (2, 2),
        "Phường Trần Phú": (2, 0),
    }

    assisted = body["assisted"]
    assert assisted["residents"] == 3
    groups = {g["group"]: g["residents"] for g in assisted["by_group"]}
    assert (groups["elderly"], groups["farmer"], groups["student"]) == (2, 1, 0)
    assert [(t["task"], t["residents"]) for t in assisted["by_task"]] == [
        ("vneid_activate_level2", 2),
        ("other", 1),
    ]
    assert assisted["by_task"][0]["label"].startswith("Làm sao kích hoạt")
    commune = client.get(
        "/api/staff/analytics/community",
        params={**params, "province": HA_TINH, "commune": TRAN_PHU},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert commune["tickets"]["opened"] == 2
    assert commune["assisted"]["residents"] == 1
