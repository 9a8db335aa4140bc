"""End to end through the gateway, the real Rasa model and the action server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from api.querylog.models import Outcome, Turn
from tools.stack import Stack

pytestmark = pytest.mark.stack


def _chat(stack: Stack, sender: str, text: str) -> dict[str, Any]:
    response = httpx.post(
        f"{stack.api_url}/api/chat", json={"sender": sender, "text": text}, timeout=60
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _turns(stack: Stack) -> list[Turn]:
    engine = create_engine(stack.env["BDHVS_DATABASE_URL"])
    with Session(engine) as session:
        turns = list(session.scalars(select(Turn).order_by(Turn.id)))
    engine.dispose()
    return turns


def test_health_reports_every_dependency_up(stack: Stack) -> None:
    response = httpx.get(f"{stack.api_url}/healthz", timeout=10)
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "rasa": "ok", "action_server": "ok"},
    }


def test_accented_and_unaccented_questions_get_the_same_sourced_answer(
    stack: Stack,
) -> None:
    before = len(_turns(stack))
    accented = _chat(
        stack, "e2e-1", "làm sao kích hoạt tài khoản định danh điện tử mức 2"
    )
    plain = _chat(stack, "e2e-2", "lam sao kich hoat vneid muc 2")

    for body in (accented, plain):
        assert body["answered"] is True
        assert body["answer_id"] == "vneid_activate_level2"
        assert body["topic"] == "vneid_account"
        assert body["intent"] == "faq"
        text = body["messages"][0]["text"]
        assert "Nguồn: https://" in text
        assert "(đã kiểm tra ngày " in text  # verified against its page
    assert accented["messages"][0]["text"] == plain["messages"][0]["text"]

    logged = _turns(stack)[before:]
    assert [t.text_masked for t in logged] == [
        "làm sao kích hoạt tài khoản định danh điện tử mức 2",
        "lam sao kich hoat vneid muc 2",
    ]
    for turn in logged:
        assert turn.outcome is Outcome.ANSWERED
        assert turn.intent == "faq"
        assert turn.topic == "vneid_account"
        assert turn.answer_id == "vneid_activate_level2"
        assert turn.confidence is not None and turn.confidence > 0.5
        assert turn.latency_ms > 0


def test_button_payload_answers_the_chosen_question(stack: Stack) -> None:
    body = _chat(stack, "e2e-3", '/choose{"answer_id":"vneid_levels"}')
    assert body["answered"] is True
    assert body["answer_id"] == "vneid_levels"


def test_out_of_scope_gets_a_polite_redirect(stack: Stack) -> None:
    body = _chat(stack, "e2e-4", "thời tiết Hà Nội ngày mai có mưa không")
    assert body["answered"] is False
    assert body["topic"] == "out_of_scope"
    assert "ngoài phạm vi" in body["messages"][0]["text"]
    assert body["messages"][0]["buttons"]


def test_server_timing_splits_the_turn_inside_rasa(stack: Stack) -> None:
    response = httpx.post(
        f"{stack.api_url}/api/chat",
        json={"sender": "e2e-hops", "text": "vneid là gì"},
        timeout=60,
    )

    metrics = {
        name: float(duration)
        for name, _, duration in (
            part.strip().partition(";dur=")
            for part in response.headers["Server-Timing"].split(",")
        )
    }
    assert {"admit", "dialogues", "rasa", "rasa-handle", "rasa-tracker", "log"} <= set(
        metrics
    )
    # Rasa's own split is part of the round trip the gateway measured.
    assert (
        metrics["rasa-shape"] + metrics["rasa-handle"] + metrics["rasa-tracker"]
        <= metrics["rasa"]
    )


def test_a_question_between_a_greeting_and_thanks_is_answered_and_logged_whole(
    stack: Stack,
) -> None:
    before = len(_turns(stack))
    text = (
        "Chào anh chị ạ, làm sao kích hoạt tài khoản định danh điện tử mức 2?"
        " Em cảm ơn nhiều!"
    )
    body = _chat(stack, "e2e-wrapped", text)
    assert body["intent"] == "faq"
    assert body["answer_id"] == "vneid_activate_level2"
    (turn,) = _turns(stack)[before:]
    assert turn.text_masked == text
    assert turn.answer_id == "vneid_activate_level2"


def test_greeting_shows_the_menu(stack: Stack) -> None:
    body = _chat(stack, "e2e-5", "xin chào")
    assert body["intent"] == "greet"
    greeting, menu = body["messages"]
    assert greeting["text"].startswith("Xin chào Anh/Chị")
    assert len(menu["buttons"]) == 5


def test_help_explains_how_to_ask_and_shows_the_menu(stack: Stack) -> None:
    body = _chat(stack, "e2e-help", "chỉ giúp tôi cách dùng trợ lý này")
    assert body["intent"] == "help"
    how, menu = body["messages"]
    assert "1. " in how["text"] and "gặp cán bộ" in how["text"]
    assert len(menu["buttons"]) == 5


def test_unsure_offers_three_numbered_choices_and_a_typed_number_picks_one(
    stack: Stack,
) -> None:
    before = len(_turns(stack))
    unsure = _chat(stack, "e2e-6", "vneid")  # a bare product name is not a question
    assert unsure["answered"] is False
    assert unsure["answer_id"] is None
    offer = unsure["messages"][0]
    assert len(offer["buttons"]) == 3
    assert all(f"{n}. " in offer["text"] for n in (1, 2, 3))
    second = re.fullmatch(
        r'/choose\{"answer_id":"(\w+)"\}', offer["buttons"][1]["payload"]
    )
    assert second is not None

    picked = _chat(stack, "e2e-6", "2")
    assert picked["answered"] is True
    assert picked["answer_id"] == second.group(1)
    outcomes = [t.outcome for t in _turns(stack)[before:]]
    assert outcomes == [Outcome.UNSURE, Outcome.ANSWERED]


def test_after_two_answers_the_commune_is_asked_and_counted_on_the_turns(
    stack: Stack,
) -> None:
    first = _chat(
        stack, "e2e-place", "làm sao kích hoạt tài khoản định danh điện tử mức 2"
    )
    second = _chat(stack, "e2e-place", "lam sao kich hoat vneid muc 2")
    assert first["answered"] and second["answered"]
    assert "xã/phường nào" not in first["messages"][-1]["text"]
    assert "xã/phường nào" in second["messages"][-1]["text"]

    saved = _chat(stack, "e2e-place", "phuong thanh sen, ha tinh")
    assert "Phường Thành Sen, Hà Tĩnh" in saved["messages"][0]["text"]
    after = _chat(stack, "e2e-place", "lam sao kich hoat vneid muc 2")
    assert after["answer_id"] == "vneid_activate_level2"

    last = _turns(stack)[-1]
    mine = [t for t in _turns(stack) if t.user_pseudonym == last.user_pseudonym]
    assert len(mine) == 4
    assert {(t.province_code, t.commune_code) for t in mine} == {("42", "18073")}
    assert mine[2].intent == "provide_place"


def test_asking_for_a_person_opens_a_ticket_for_the_communes_team(stack: Stack) -> None:
    offered = _chat(stack, "e2e-handoff", "toi muon gap can bo ho tro truc tiep")
    assert offered["intent"] == "request_human"
    assert [b["payload"] for b in offered["messages"][-1]["buttons"]] == [
        "/handoff_accept",
        "/handoff_decline",
    ]
    asked = _chat(stack, "e2e-handoff", "/handoff_accept")
    assert "xã/phường nào" in asked["messages"][0]["text"]
    described = _chat(stack, "e2e-handoff", "phường Thành Sen, Hà Tĩnh")
    assert "mô tả ngắn gọn" in described["messages"][0]["text"]
    opened = _chat(stack, "e2e-handoff", "chưa nhận được mã kích hoạt VNeID mức 2")
    text = opened["messages"][0]["text"]
    assert re.search(r"yêu cầu số \d+", text)
    assert "Tổ công nghệ số cộng đồng phường Thành Sen" in text


def _listening(port: int) -> set[str]:
    """The local addresses with a socket listening on ``port`` (from /proc)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_every_process_listens_on_loopback_only(stack: Stack) -> None:
    # 0100007F is 127.0.0.1 as /proc writes it; 00000000 would be every interface.
    for port in (stack.ports.rasa, stack.ports.actions, stack.ports.api):
        assert _listening(port) == {"0100007F"}, port
