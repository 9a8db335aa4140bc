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

from api.community.models import (
    HandoffReason,
    HandoffTicket,
    Resolution,
    TicketStatus,
)
from api.places.service import places_seed_path, seed_places
from api.querylog.models import Outcome, Turn
from api.staff.models import Role
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
        " không phải đến trụ sở (đạt 75,0%)" in paragraph
    )
    assert (
        "Trong 3 người dân đã đánh giá sau khi được hỗ trợ, 2 người hài lòng"
        " (đạt 66,7%)" in paragraph
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
