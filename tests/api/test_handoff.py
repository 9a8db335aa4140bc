"""Hand-off to a community tech team: the citizen's dialogue through the chat API and
the team's queue through the staff API (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.core.db import utcnow
from api.handoff.models import HandoffTicket
from api.handoff.wording import ACCEPT, DECLINE
from api.staff.models import Role
from api.staff.service import create_staff
from api.teams import seed_teams
from tests.api.conftest import staff_token
from tests.conftest import ROOT

THANH_SEN = "18073"  # Phường Thành Sen, Hà Tĩnh: a sample team serves it
TRAN_PHU = "18100"
HA_TINH = "42"


@pytest.fixture
def teams(seeded_engine: Any) -> Any:
    """The sample teams and four staff accounts: the Thành Sen member, a second one,
    a Trần Phú member and the province's support (escalations of Hà Tĩnh)."""
    with Session(seeded_engine) as session:
        seed_teams(session, ROOT / "seeds")
        create_staff(session, "ts1", "a-long-password", Role.COMMUNITY, [THANH_SEN])
        create_staff(session, "ts2", "a-long-password", Role.COMMUNITY, [THANH_SEN])
        create_staff(session, "tp1", "a-long-password", Role.COMMUNITY, [TRAN_PHU])
        create_staff(
            session, "so1", "a-long-password", Role.COMMUNITY, [], provinces=[HA_TINH]
        )
        create_staff(session, "an1", "a-long-password", Role.ANALYST)
    return seeded_engine


def staff(username: str, role: Role = Role.COMMUNITY) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(username, role)}"}


def say(client: TestClient, text: str, sender: str = "citizen-1") -> dict[str, Any]:
    response = client.post("/api/chat", json={"sender": sender, "text": text})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def texts(body: dict[str, Any]) -> str:
    return "\n".join(m["text"] for m in body["messages"])


def open_ticket(client: TestClient, fake_rasa: Any, sender: str = "citizen-1") -> int:
    """Asks for a person and goes through the dialogue; returns the ticket number."""
    fake_rasa.answer("Anh/Chị có thể được hỗ trợ trực tiếp…", "request_human", 0.97)
    offered = say(client, "tôi muốn gặp cán bộ", sender)
    assert [b["payload"] for b in offered["messages"][-1]["buttons"]] == [
        ACCEPT,
        DECLINE,
    ]
    asked = say(client, ACCEPT, sender)
    assert "xã/phường nào" in texts(asked)
    described = say(client, "phuong thanh sen ha tinh", sender)
    assert "Phường Thành Sen" in texts(described)
    assert "mô tả ngắn gọn" in texts(described)
    opened = say(client, "không nhận được mã kích hoạt VNeID, số 0912345678", sender)
    reply = texts(opened)
    assert "Tổ công nghệ số cộng đồng phường Thành Sen" in reply
    number = int(reply.split("yêu cầu số ")[1].split()[0])
    return number


def test_a_citizen_asks_for_a_person_and_the_team_answers_in_the_web_chat(
    client: TestClient, fake_rasa: Any, teams: Any
) -> None:
    number = open_ticket(client, fake_rasa)
    calls_to_rasa = len(fake_rasa.received)

    queue = client.get("/api/staff/tickets", headers=staff("ts1")).json()["items"]
    [item] = queue
    assert (item["id"], item["status"], item["reason"]) == (number, "open", "requested")
    assert item["commune_name"] == "Phường Thành Sen"
    # Masked before it was stored.
    assert "0912345678" not in item["description"]
    assert "không nhận được mã kích hoạt" in item["description"]
    # Another commune's member sees nothing of it.
    assert client.get("/api/staff/tickets", headers=staff("tp1")).json()["items"] == []
    assert (
        client.get(f"/api/staff/tickets/{number}", headers=staff("tp1")).status_code
        == 404
    )
    assert (
        client.get("/api/staff/tickets", headers=staff("an1", Role.ANALYST)).status_code
        == 403
    )

    claimed = client.post(f"/api/staff/tickets/{number}/claim", headers=staff("ts1"))
    assert claimed.status_code == 200
    assert claimed.json()["claimed_by"] == "ts1"
    conversation = [t["text"] for t in claimed.json()["conversation"]]
    assert "tôi muốn gặp cán bộ" in conversation
    other = client.post(f"/api/staff/tickets/{number}/claim", headers=staff("ts2"))
    assert other.status_code == 409

    sent = client.post(
        f"/api/staff/tickets/{number}/reply",
        json={"text": "Chào Anh/Chị, mời Anh/Chị mang CCCD đến phường sáng mai."},
        headers=staff("ts1"),
    )
    assert sent.json() == {"ticket_id": number, "delivery": "waiting"}
    blocked = client.post(
        f"/api/staff/tickets/{number}/reply",
        json={"text": "tôi cũng trả lời"},
        headers=staff("ts2"),
    )
    assert blocked.status_code == 409

    updates = client.get("/api/chat/updates", params={"sender": "citizen-1"}).json()
    [message] = updates["messages"]
    assert message.startswith(
        f"Tổ công nghệ số cộng đồng phường Thành Sen trả lời yêu cầu số {number}:"
    )
    assert "mang CCCD đến phường sáng mai" in message
    again = client.get("/api/chat/updates", params={"sender": "citizen-1"}).json()
    assert again["messages"] == []
    assert client.get(
        "/api/chat/updates", params={"sender": "someone-else"}
    ).json() == {"messages": [], "waiting": False, "questions": []}

    closed = client.post(
        f"/api/staff/tickets/{number}/close",
        json={"resolution": "met_in_person"},
        headers=staff("ts1"),
    )
    assert closed.json()["status"] == "closed"
    assert closed.json()["resolution"] == "met_in_person"
    detail = closed.json()
    assert [m["author"] for m in detail["thread"]] == ["citizen", "ts1"]
    assert client.get("/api/staff/tickets", headers=staff("ts1")).json()["items"] == []
    closed_list = client.get(
        "/api/staff/tickets", params={"status": "closed"}, headers=staff("ts1")
    ).json()["items"]
    assert [t["id"] for t in closed_list] == [number]
    # The dialogue itself never reached Rasa.
    assert len(fake_rasa.received) == calls_to_rasa


def test_asking_again_while_a_ticket_is_open_says_so(
    client: TestClient, fake_rasa: Any, teams: Any
) -> None:
    number = open_ticket(client, fake_rasa)
    fake_rasa.answer("Anh/Chị có thể được hỗ trợ trực tiếp…", "request_human", 0.97)
    body = say(client, "gặp cán bộ")
    assert f"Yêu cầu số {number}" in texts(body)
    assert not body["messages"][-1]["buttons"]


def test_not_understood_twice_offers_a_person_and_no_goes_back_to_the_assistant(
    client: TestClient, fake_rasa: Any, teams: Any
) -> None:
    fake_rasa.answer("Xin lỗi, tôi chưa hiểu…", "nlu_fallback", 0.3)
    first = say(client, "abc xyz", "citizen-2")
    assert all(not m["buttons"] for m in first["messages"])
    second = say(client, "xyz abc", "citizen-2")
    assert "Tổ công nghệ số cộng đồng" in second["messages"][-1]["text"]
    declined = say(client, "không", "citizen-2")
    assert "gặp cán bộ" in texts(declined)
    fake_rasa.answer("VNeID là…", "faq", 0.9, turn={"outcome": "answered"})
    normal = say(client, "vneid la gi", "citizen-2")
    assert texts(normal) == "VNeID là…"
    with Session(teams) as session:
        statuses = session.scalars(select(HandoffTicket.status)).all()
    assert [s.value for s in statuses] == ["declined"]


def test_two_unhelpful_ratings_offer_a_person(
    client: TestClient, fake_rasa: Any, teams: Any
) -> None:
    fake_rasa.answer("Chữ ký số là…", "faq", 0.9, turn={"outcome": "answered"})
    turns = [say(client, "chu ky so", "citizen-3")["turn_id"] for _ in range(2)]
    replies = [
        client.post(
            "/api/feedback",
            json={"sender": "citizen-3", "turn_id": t, "helpful": False},
        ).json()["messages"]
        for t in turns
    ]
    assert replies[0] == []
    [offer] = replies[1]
    assert "chưa giúp được" in offer["text"]
    assert [b["payload"] for b in offer["buttons"]] == [ACCEPT, DECLINE]


def test_an_unclaimed_ticket_past_its_deadline_goes_to_the_province(
    client: TestClient, fake_rasa: Any, teams: Any
) -> None:
    number = open_ticket(client, fake_rasa)
    assert client.get("/api/staff/tickets", headers=staff("so1")).json()["items"] == []
    with Session(teams) as session:
        ticket = session.get(HandoffTicket, number)
        assert ticket is not None and ticket.claim_due_at is not None
        assert ticket.claim_due_at > ticket.opened_at  # type: ignore[operator]
        session.execute(
            update(HandoffTicket).values(claim_due_at=utcnow() - timedelta(minutes=1))
        )
        session.commit()
    [item] = client.get("/api/staff/tickets", headers=staff("so1")).json()["items"]
    assert (item["id"], item["escalated"]) == (number, True)
    # The team still has it too, and may claim it.
    [own] = client.get("/api/staff/tickets", headers=staff("ts1")).json()["items"]
    assert own["escalated"] is True
    assert (
        client.post(
            f"/api/staff/tickets/{number}/claim", headers=staff("ts1")
        ).status_code
        == 200
    )


def test_a_reply_to_a_zalo_citizen_outside_the_window_is_not_sent(
    client: TestClient, fake_rasa: Any, teams: Any
) -> None:
    number = open_ticket(client, fake_rasa)
    with Session(teams) as session:
        session.execute(update(HandoffTicket).values(channel="zalo"))
        session.commit()
    client.post(f"/api/staff/tickets/{number}/claim", headers=staff("ts1"))
    sent = client.post(
        f"/api/staff/tickets/{number}/reply",
        json={"text": "Chào Anh/Chị"},
        headers=staff("ts1"),
    )
    # Zalo is off in this app: the reply is kept and marked as not sent.
    assert sent.json()["delivery"] == "failed:channel_off"
    detail = client.get(f"/api/staff/tickets/{number}", headers=staff("ts1")).json()
    assert detail["thread"][-1]["delivery"] == "failed:channel_off"
