"""Helper mode: a team member links their chat, guides a resident and the session is
recorded (group, commune, task), through the chat and staff APIs."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.helper_mode.models import HelperSession, HelperStatus, ResidentGroup
from api.querylog.models import Turn
from api.staff.models import Role
from api.staff.service import create_staff
from tests.api.conftest import staff_token

THANH_SEN = "18073"
GUIDE = "vneid_activate_level2"  # an entry with steps
MEMBER_CHAT = "member-phone"


@pytest.fixture
def member(seeded_engine: Any) -> Any:
    with Session(seeded_engine) as session:
        create_staff(session, "ts1", "a-long-password", Role.COMMUNITY, [THANH_SEN])
    return seeded_engine


def say(client: TestClient, text: str, sender: str = MEMBER_CHAT) -> dict[str, Any]:
    response = client.post("/api/chat", json={"sender": sender, "text": text})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def joined(body: dict[str, Any]) -> str:
    return "\n".join(m["text"] for m in body["messages"])


def link(client: TestClient) -> str:
    token = staff_token("ts1", Role.COMMUNITY)
    response = client.post(
        "/api/staff/helper/link-code", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    code: str = response.json()["code"]
    assert len(code) == 6 and code.isdigit()
    assert "tài khoản cán bộ ts1" in joined(say(client, f"liên kết {code}"))
    return code


def test_a_member_guides_a_resident_and_the_session_is_recorded(
    client: TestClient, fake_rasa: Any, member: Any
) -> None:
    code = link(client)
    asked = say(client, "/hotro")
    buttons = asked["messages"][0]["buttons"]
    assert [b["title"] for b in buttons][:2] == ["Người cao tuổi", "Nông dân"]
    assert len(buttons) == 7
    started = say(client, "/helper_group elderly")
    assert "người cao tuổi, Phường Thành Sen" in joined(started)

    fake_rasa.answer(
        "Anh/Chị cần làm hồ sơ…",
        "faq",
        0.9,
        turn={"outcome": "answered", "answer_id": GUIDE},
    )
    answered = say(client, "kich hoat vneid muc 2")
    assert f"http://127.0.0.1:8000/huong-dan/{GUIDE}" in joined(answered)

    ending = say(client, "/xong")
    titles = [b["title"] for b in ending["messages"][0]["buttons"]]
    assert titles == [
        "Làm sao kích hoạt tài khoản định danh điện tử mức 2?",
        "Việc khác",
    ]
    done = say(client, f"/helper_task {GUIDE}")
    assert (
        "Đã ghi nhận: hỗ trợ 1 người dân (người cao tuổi, Phường Thành Sen)"
        in joined(done)
    )

    with Session(member) as session:
        [record] = session.scalars(select(HelperSession)).all()
        turns = session.scalars(select(Turn).order_by(Turn.id)).all()
    assert (record.status, record.group, record.commune_code, record.task) == (
        HelperStatus.DONE,
        ResidentGroup.ELDERLY,
        THANH_SEN,
        GUIDE,
    )
    assert record.staff_username == "ts1" and record.ended_at is not None
    # The link code never reached the log; the guided question counts for the
    # resident's commune.
    assert all(code not in t.text_masked for t in turns)
    guided = next(t for t in turns if t.answer_id == GUIDE)
    assert guided.commune_code == THANH_SEN
    # Only the question went to Rasa, none of the helper-mode commands.
    assert [m["message"] for m in fake_rasa.received] == ["kich hoat vneid muc 2"]


def test_codes_are_single_use_and_unlinked_chats_are_ordinary_chats(
    client: TestClient, fake_rasa: Any, member: Any
) -> None:
    code = link(client)
    assert "không đúng hoặc đã hết hạn" in joined(
        say(client, f"liên kết {code}", "another-phone")
    )
    assert "không đúng hoặc đã hết hạn" in joined(say(client, "lien ket 000000", "x"))
    fake_rasa.answer("Xin lỗi, tôi chưa hiểu…", "nlu_fallback", 0.3)
    say(client, "/hotro", "a-citizen")
    assert [m["message"] for m in fake_rasa.received] == ["/hotro"]


def test_a_session_can_be_cancelled_and_choices_are_checked(
    client: TestClient, fake_rasa: Any, member: Any
) -> None:
    link(client)
    say(client, "/hotro")
    again = say(client, "/helper_group astronaut")
    assert len(again["messages"][0]["buttons"]) == 7  # asked again
    assert "nông dân" in joined(say(client, "2"))  # by number in the list
    assert "Đã bỏ phiên" in joined(say(client, "/huy"))
    with Session(member) as session:
        [record] = session.scalars(select(HelperSession)).all()
    assert record.status is HelperStatus.CANCELLED
