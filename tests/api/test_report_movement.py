"""What the movement counts in the report (issue #20, point 11): residents saved a
trip, hand-off satisfaction and the wait for the team, in the paragraph, the CSV and
the workbook (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from api.handoff.models import HandoffReason, HandoffTicket, Resolution, TicketStatus
from api.places.seeding import places_seed_path, seed_places
from api.querylog.models import Outcome, Turn
from api.staff.models import Role
from api.teams import seed_teams
from tests.api.conftest import staff_token
from tests.conftest import ROOT

HA_TINH, THANH_SEN = "42", "18073"
HA_NOI, BA_DINH = "01", "00004"
QUERY = {"from": "2026-07-01", "to": "2026-09-30", "province": HA_TINH}
IN_Q3 = datetime(2026, 8, 3, 2, tzinfo=timezone.utc)
# (province, commune, when, trip) of procedure answers; only Hà Tĩnh's in Q3 count.
TRIPS = [
    (HA_TINH, THANH_SEN, IN_Q3, "online"),
    (HA_TINH, THANH_SEN, IN_Q3, "online"),
    (HA_TINH, THANH_SEN, IN_Q3, "online"),
    (HA_TINH, THANH_SEN, IN_Q3, "visit"),
    (HA_TINH, THANH_SEN, IN_Q3, "asked"),
    (HA_TINH, THANH_SEN, IN_Q3, "pending"),  # never asked (not rated): not counted
    (HA_TINH, THANH_SEN, IN_Q3, None),
    (HA_NOI, BA_DINH, IN_Q3, "online"),  # another province
    (HA_TINH, THANH_SEN, datetime(2026, 6, 3, tzinfo=timezone.utc), "visit"),
]
# (minutes to claim, satisfaction) of tickets closed in Q3 in Thành Sen.
TICKETS = [
    (10, "satisfied"),
    (30, "satisfied"),
    (50, "unsatisfied"),
    (70, "asked"),
]


@pytest.fixture
def logged(seeded_engine: Any) -> Any:
    with Session(seeded_engine) as session:
        seed_places(session, places_seed_path(ROOT / "seeds"))
        for n, (province, commune, when, trip) in enumerate(TRIPS):
            session.add(
                Turn(
                    created_at=when,
                    channel="web",
                    user_pseudonym=f"{n:032d}",
                    conversation_id=f"{n:032d}",
                    text_masked="kích hoạt định danh mức 2",
                    intent="faq",
                    answer_id="vneid_activate_level2",
                    outcome=Outcome.ANSWERED,
                    latency_ms=5,
                    province_code=province,
                    commune_code=commune,
                    trip=trip,
                )
            )
        for claim, satisfaction in TICKETS:
            session.add(
                HandoffTicket(
                    channel="telegram",
                    user_pseudonym="t" * 32,
                    status=TicketStatus.CLOSED,
                    reason=HandoffReason.REQUESTED,
                    province_code=HA_TINH,
                    commune_code=THANH_SEN,
                    offered_at=IN_Q3,
                    opened_at=IN_Q3,
                    claimed_at=IN_Q3 + timedelta(minutes=claim),
                    closed_at=IN_Q3 + timedelta(minutes=claim + 5),
                    resolution=Resolution.GUIDED_REMOTELY,
                    satisfaction=satisfaction,
                )
            )
        session.commit()
    return seeded_engine


def export(client: TestClient, fmt: str) -> bytes:
    response = client.get(
        "/api/staff/reports/export",
        params={**QUERY, "format": fmt},
        headers={"Authorization": f"Bearer {staff_token('an', Role.ANALYST)}"},
    )
    assert response.status_code == 200, response.text
    return response.content


EXPECTED_ROWS = {
    "Lượt được hỏi": 5,
    "Tự làm được trên điện thoại, không phải đến": 3,
    "Vẫn phải đến trụ sở": 1,
    "Tỷ lệ không phải đến (% số người trả lời)": 75.0,
    "Người dân hài lòng với hỗ trợ của Tổ": 2,
    "Người dân chưa hài lòng": 1,
    "Tỷ lệ hài lòng (% số người trả lời)": 66.7,
    "Thời gian đến khi Tổ nhận yêu cầu (phút, trung vị)": 40.0,
}


def test_the_csv_and_the_workbook_count_trips_saved_and_satisfaction(
    logged: Any, client: TestClient
) -> None:
    rows = list(csv.reader(io.StringIO(export(client, "csv").decode("utf-8-sig"))))
    by_label = {r[0]: r[1] for r in rows if r and r[0] in EXPECTED_ROWS}
    assert {k: float(v) for k, v in by_label.items()} == EXPECTED_ROWS

    book = load_workbook(io.BytesIO(export(client, "xlsx")))
    values = {
        row[0]: row[1]
        for row in book["Hỗ trợ trực tiếp"].iter_rows(values_only=True)
        if row[0] in EXPECTED_ROWS
    }
    assert values == EXPECTED_ROWS


def test_the_paragraph_says_how_many_were_saved_a_trip_and_were_satisfied(
    logged: Any, client: TestClient
) -> None:
    summary = client.get(
        "/api/staff/reports/summary",
        params=QUERY,
        headers={"Authorization": f"Bearer {staff_token('an', Role.ANALYST)}"},
    ).json()
    paragraph = summary["paragraph"]
    assert (
        "3/4 lượt người dân trả lời cho biết đã tự làm được trên điện thoại,"
        " không phải đến trụ sở (đạt 75,0\u00a0%)" in paragraph
    )
    assert (
        "Trong 3 người dân đã đánh giá sau khi được hỗ trợ, 2 người hài lòng"
        " (đạt 66,7\u00a0%)" in paragraph
    )
    assert "thời gian chờ Tổ nhận yêu cầu (trung vị) khoảng 40 phút" in paragraph


def test_nothing_is_said_when_nobody_answered(
    seeded_engine: Any, client: TestClient
) -> None:
    summary = client.get(
        "/api/staff/reports/summary",
        params=QUERY,
        headers={"Authorization": f"Bearer {staff_token('an', Role.ANALYST)}"},
    ).json()
    assert "không phải đến trụ sở" not in summary["paragraph"]
    assert "hài lòng" not in summary["paragraph"]


# UTC moments of messages from Thành Sen (team: Mon-Fri 07:30-11:30 and 13:30-17:00,
# Sat 07:30-11:30, Vietnam time = UTC+7) and whether they are outside those hours.
AFTER_HOURS = [
    (datetime(2026, 8, 3, 0, 30, tzinfo=timezone.utc), False),  # Mon 07:30: opens
    (datetime(2026, 8, 3, 10, 0, tzinfo=timezone.utc), True),  # Mon 17:00: closed
    (datetime(2026, 8, 3, 11, 0, tzinfo=timezone.utc), True),  # Mon 18:00
    (datetime(2026, 8, 8, 6, 0, tzinfo=timezone.utc), True),  # Sat 13:00
    (datetime(2026, 8, 9, 3, 0, tzinfo=timezone.utc), True),  # Sun 10:00
]


def test_messages_outside_the_teams_office_hours_are_counted(
    logged: Any, client: TestClient
) -> None:
    with Session(logged) as session:
        seed_teams(session, ROOT / "seeds")
        for n, (at, _) in enumerate(AFTER_HOURS):
            session.add(
                Turn(
                    created_at=at,
                    channel="zalo",
                    user_pseudonym="h" * 32,
                    conversation_id="h" * 32,
                    text_masked=f"câu hỏi {n}",
                    outcome=Outcome.UNSURE,
                    latency_ms=5,
                    province_code=HA_TINH,
                    commune_code=THANH_SEN,
                )
            )
        # Refused (flood) and unknown-commune messages are not counted.
        for commune, outcome in ((THANH_SEN, Outcome.REJECTED), (None, Outcome.UNSURE)):
            session.add(
                Turn(
                    created_at=AFTER_HOURS[2][0],
                    channel="zalo",
                    user_pseudonym="h" * 32,
                    conversation_id="h" * 32,
                    text_masked="câu hỏi",
                    outcome=outcome,
                    latency_ms=5,
                    province_code=HA_TINH,
                    commune_code=commune,
                )
            )
        session.commit()
    # The procedure answers of the fixture: Monday 09:00, inside the hours (7 in
    # Thành Sen in Q3).
    messages = 7 + len(AFTER_HOURS)
    outside = sum(o for _, o in AFTER_HOURS)
    rows = list(csv.reader(io.StringIO(export(client, "csv").decode("utf-8-sig"))))
    by_label = {r[0]: r[1] for r in rows if len(r) > 1}
    assert by_label["Tin nhắn từ xã/phường có Tổ (đã biết địa bàn)"] == str(messages)
    assert by_label["Gửi ngoài giờ làm việc của Tổ"] == str(outside)
    assert float(by_label["Tỷ lệ ngoài giờ làm việc (%)"]) == round(
        outside / messages * 100, 1
    )
    summary = client.get(
        "/api/staff/reports/summary",
        params=QUERY,
        headers={"Authorization": f"Bearer {staff_token('an', Role.ANALYST)}"},
    ).json()
    assert (
        f"Có {outside}/{messages} lượt tin nhắn của người dân (chiếm 33,3\u00a0%) được gửi"
        " ngoài giờ làm việc của Tổ công nghệ số cộng đồng" in summary["paragraph"]
    )
