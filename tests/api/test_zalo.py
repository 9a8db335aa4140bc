"""Zalo OA: signed fixture events in, consultation messages out to a loopback OA API."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.channels.models import ChannelContact
from api.conversation.messages import TRIP_QUESTION, UNSUPPORTED_MEDIA
from api.core.config import Settings
from api.core.db import utcnow
from api.main import create_app
from api.privacy.pseudonym import pseudonymize
from api.querylog.models import Outcome
from tests.api.conftest import SECRET, ZALO_APP_ID, ZALO_OA_SECRET, logged_turns
from tests.fakes import FakeRasa, FakeZaloOA, zalo_signed

WEBHOOK = "/channels/zalo/webhook"
USER_ID = "2512523625412515"
OA_ID = "388613280878808645"
_msg_ids = iter(range(10**6))


def event(name: str = "user_send_text", text: str = "", **extra: Any) -> dict[str, Any]:
    """A webhook event as Zalo sends it (ids and timestamps are strings)."""
    body: dict[str, Any] = {
        "app_id": ZALO_APP_ID,
        "user_id_by_app": "552177279717587730",
        "event_name": name,
        "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": USER_ID},
        "recipient": {"id": OA_ID},
    }
    if name.startswith("user_send_"):
        body["message"] = {
            "msg_id": f"msg-{next(_msg_ids)}-{time.time()}",
            "text": text,
        }
    if name == "follow":
        body.pop("sender")
        body["follower"] = {"id": USER_ID}
        body["source"] = "oa_profile"
    body.update(extra)
    return body


def signed(
    body: dict[str, Any], secret: str = ZALO_OA_SECRET, stamp: str | None = None
) -> tuple[bytes, dict[str, str]]:
    return zalo_signed(body, ZALO_APP_ID, secret, stamp)


def post(client: TestClient, body: dict[str, Any], **sign: Any) -> Any:
    raw, headers = signed(body, **sign)
    return client.post(WEBHOOK, content=raw, headers=headers)


def texts(fake_zalo: FakeZaloOA) -> list[str]:
    return [r.body["message"]["text"] for r in fake_zalo.sent]


def test_a_text_is_answered_through_the_consultation_api_and_logged(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_zalo: FakeZaloOA,
    seeded_engine: Any,
) -> None:
    fake_rasa.answer(
        "Để kích hoạt…",
        "faq",
        0.97,
        turn={"outcome": "answered", "answer_id": "vneid_activate_level2"},
    )

    response = post(channel_client, event(text="kich hoat vneid muc 2"))

    assert response.status_code == 200
    # A procedure answer: the trip question follows it (tests/api/test_trip_question).
    request, question = fake_zalo.sent
    assert question.body["message"]["text"].startswith(TRIP_QUESTION)
    assert request.headers["access_token"] == "zalo-access-token"
    assert request.body == {
        "recipient": {"user_id": USER_ID},
        "message": {"text": "Để kích hoạt…"},
    }
    [turn] = logged_turns(seeded_engine)
    assert (turn.channel, turn.outcome) == ("zalo", Outcome.ANSWERED)
    assert turn.user_pseudonym == pseudonymize(SECRET, "zalo", USER_ID)


def test_unsigned_forged_and_stale_events_are_refused(
    channel_client: TestClient, fake_rasa: FakeRasa
) -> None:
    body = event(text="xin chào")
    raw, _ = signed(body)
    old = event(text="xin chào", timestamp=str(int((time.time() - 3600) * 1000)))

    missing = channel_client.post(WEBHOOK, content=raw)
    forged = post(channel_client, body, secret="not-the-oa-secret")
    # An HMAC of the body with the secret is not Zalo's scheme.
    hmac_like = channel_client.post(
        WEBHOOK,
        content=raw,
        headers={"X-ZEvent-Signature": "mac=" + hashlib.sha256(raw).hexdigest()},
    )
    stale = post(channel_client, old)

    assert [r.status_code for r in (missing, forged, hmac_like, stale)] == [401] * 4
    assert stale.json()["detail"]["message"] == "stale timestamp"
    assert fake_rasa.received == []


def test_the_timestamp_may_come_in_a_header(
    channel_client: TestClient, fake_rasa: FakeRasa, fake_zalo: FakeZaloOA
) -> None:
    fake_rasa.answer("Xin chào Anh/Chị!", "greet", 0.99)
    body = event(text="xin chào")
    stamp = str(int(time.time() * 1000))
    del body["timestamp"]
    raw, headers = signed(body, stamp=stamp)

    response = channel_client.post(
        WEBHOOK, content=raw, headers={**headers, "X-ZEvent-Timestamp": stamp}
    )

    assert response.status_code == 200
    assert texts(fake_zalo) == ["Xin chào Anh/Chị!"]


def test_a_repeated_event_is_processed_once(
    channel_client: TestClient, fake_rasa: FakeRasa, fake_zalo: FakeZaloOA
) -> None:
    fake_rasa.answer("Xin chào Anh/Chị!", "greet", 0.99)
    body = event(text="xin chào")

    assert post(channel_client, body).status_code == 200
    assert post(channel_client, body).status_code == 200

    assert len(fake_rasa.received) == 1
    assert len(fake_zalo.sent) == 1


def test_a_new_follower_is_welcomed_with_the_menu_as_a_numbered_list(
    channel_client: TestClient, fake_rasa: FakeRasa, fake_zalo: FakeZaloOA
) -> None:
    fake_rasa.answer(
        "Xin chào Anh/Chị!",
        "greet",
        1.0,
        buttons=[
            {"title": "Tài khoản định danh VNeID", "payload": "/a"},
            {"title": "Chữ ký số", "payload": "/b"},
        ],
    )

    post(channel_client, event("follow"))

    assert fake_rasa.received[0]["message"] == "/greet"
    assert texts(fake_zalo) == [
        "Xin chào Anh/Chị!\n\nAnh/Chị gõ số để chọn:\n"
        "1. Tài khoản định danh VNeID\n2. Chữ ký số"
    ]


def test_a_typed_number_picks_from_the_last_menu(
    channel_client: TestClient, fake_rasa: FakeRasa
) -> None:
    fake_rasa.answer(
        "Có phải Anh/Chị muốn hỏi:\n1. Quên mật khẩu\n2. Đổi số điện thoại",
        "nlu_fallback",
        0.4,
        buttons=[
            {"title": "Quên mật khẩu", "payload": '/choose{"answer_id":"a"}'},
            {"title": "Đổi số điện thoại", "payload": '/choose{"answer_id":"b"}'},
        ],
    )
    post(channel_client, event(text="vneid mat khau"))
    fake_rasa.answer("Để đổi số điện thoại…", "choose", 1.0)

    post(channel_client, event(text="2"))
    post(channel_client, event(text="2"))  # no menu any more: sent as typed

    assert [m["message"] for m in fake_rasa.received] == [
        "vneid mat khau",
        '/choose{"answer_id":"b"}',
        "2",
    ]


def test_media_gets_a_polite_text_only_reply(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_zalo: FakeZaloOA,
    seeded_engine: Any,
) -> None:
    post(channel_client, event("user_send_image"))

    assert fake_rasa.received == []
    assert texts(fake_zalo) == [UNSUPPORTED_MEDIA]
    [turn] = logged_turns(seeded_engine)
    assert (turn.outcome, turn.detail) == (Outcome.REJECTED, "unsupported:image")


@pytest.mark.parametrize("name", ["unfollow", "oa_send_text", "add_user_to_tag"])
def test_other_events_are_acknowledged_and_ignored(
    channel_client: TestClient, fake_rasa: FakeRasa, fake_zalo: FakeZaloOA, name: str
) -> None:
    assert post(channel_client, event(name)).status_code == 200
    assert fake_rasa.received == [] and fake_zalo.sent == []


@pytest.mark.parametrize(
    "body", [b"{not json", b"[]", '{"a": "\xe0"}'.encode("latin-1")]
)
def test_malformed_bodies_with_a_valid_signature_are_refused_cleanly(
    channel_client: TestClient, body: bytes
) -> None:
    stamp = str(int(time.time() * 1000))
    mac = hashlib.sha256(
        ZALO_APP_ID.encode() + body + stamp.encode() + ZALO_OA_SECRET.encode()
    ).hexdigest()
    response = channel_client.post(
        WEBHOOK,
        content=body,
        headers={"X-ZEvent-Signature": f"mac={mac}", "X-ZEvent-Timestamp": stamp},
    )

    assert response.status_code == 400


def test_transient_oa_failures_are_retried(
    channel_client: TestClient, fake_rasa: FakeRasa, fake_zalo: FakeZaloOA
) -> None:
    fake_rasa.answer("Chữ ký số là…", "faq", 0.9)
    fake_zalo.script = [(503, {}), (500, {})]

    post(channel_client, event(text="chu ky so"))

    assert len(fake_zalo.sent) == 3


@pytest.mark.parametrize(
    ("script", "attempts", "detail"),
    # A transient failure that outlasts the retries goes to the outbox instead
    # (tests/api/test_outbox.py).
    [
        (
            [(200, {"error": -213, "message": "User has not followed OA"})],
            1,
            "zalo:zalo_error_-213",
        ),
    ],
)
def test_a_failed_send_keeps_both_texts_marked_undelivered(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_zalo: FakeZaloOA,
    seeded_engine: Any,
    script: list[tuple[int, dict[str, Any]]],
    attempts: int,
    detail: str,
) -> None:
    fake_rasa.answer("Chữ ký số là…", "faq", 0.9)
    fake_zalo.script = list(script)

    post(channel_client, event(text="chu ky so"))

    assert len(fake_zalo.sent) == attempts
    [turn] = logged_turns(seeded_engine)
    assert (turn.outcome, turn.detail) == (Outcome.UNDELIVERED, detail)
    assert (turn.text_masked, turn.reply_masked) == ("chu ky so", "Chữ ký số là…")


def test_nothing_is_sent_outside_the_consultation_window(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    fake_zalo: FakeZaloOA,
    seeded_engine: Any,
) -> None:
    fake_rasa.answer("Xin chào Anh/Chị!", "greet", 0.99)
    post(channel_client, event(text="xin chào"))
    pseudonym = pseudonymize(SECRET, "zalo", USER_ID)
    with Session(seeded_engine) as session:
        session.execute(
            update(ChannelContact).values(
                last_inbound_at=utcnow() - timedelta(hours=49)
            )
        )
        session.commit()
    bridge = channel_client.app.state.zalo  # type: ignore[attr-defined]
    result = channel_client.portal.call(  # type: ignore[union-attr]
        bridge.conversation.handle, "zalo", USER_ID, "xin chào lần nữa"
    )

    delivered = channel_client.portal.call(bridge.deliver, pseudonym, result)  # type: ignore[union-attr]

    assert delivered is False
    assert len(fake_zalo.sent) == 1  # only the first reply
    turns = logged_turns(seeded_engine)
    assert (turns[-1].outcome, turns[-1].detail) == (
        Outcome.UNDELIVERED,
        "zalo:outside_window",
    )


@pytest.fixture
def served(channel_settings: Settings) -> Iterator[str]:
    """The gateway under a real uvicorn server on a free loopback port."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(channel_settings), host="127.0.0.1", port=0, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_the_webhook_answers_before_the_assistant_has_replied(
    served: str, fake_rasa: FakeRasa, fake_zalo: FakeZaloOA
) -> None:
    fake_rasa.answer("Xin chào Anh/Chị!", "greet", 0.99)
    fake_rasa.gate = threading.Event()  # Rasa holds its reply until released
    raw, headers = signed(event(text="xin chào"))

    response = httpx.post(served + WEBHOOK, content=raw, headers=headers, timeout=30)

    assert response.status_code == 200
    assert fake_zalo.sent == []  # acknowledged while the answer is still pending
    fake_rasa.gate.set()
    fake_zalo.wait_for(lambda requests: len(requests) == 1)
    assert texts(fake_zalo) == ["Xin chào Anh/Chị!"]
