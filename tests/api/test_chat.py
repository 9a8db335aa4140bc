"""POST /api/chat: replies, the query log, bad input and an unavailable Rasa."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.conversation.messages import RASA_UNAVAILABLE, RATE_LIMITED
from api.privacy.pseudonym import pseudonymize
from api.querylog.models import Outcome
from api.routes.schemas.health import Health
from tests.api.conftest import SECRET, client_for
from tests.api.conftest import logged_turns as _turns


def test_chat_answered_faq_returns_answer_and_logs_turn(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    fake_rasa.answer(
        "Anh/Chị mang căn cước ...",
        "faq",
        0.97,
        turn={
            "outcome": "answered",
            "answer_id": "vneid_activate_level2",
            "answer_confidence": 0.91,
        },
        buttons=[
            {
                "title": "Mức 1 và mức 2 khác nhau thế nào?",
                "payload": '/choose{"answer_id":"vneid_levels"}',
            }
        ],
    )
    response = client.post(
        "/api/chat", json={"sender": "u1", "text": "kich hoat vneid muc 2"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is True
    assert body["answer_id"] == "vneid_activate_level2"
    assert body["topic"] == "vneid_account"
    assert body["intent"] == "faq"
    assert body["confidence"] == pytest.approx(0.97)
    assert body["messages"] == [
        {
            "text": "Anh/Chị mang căn cước ...",
            "buttons": [
                {
                    "title": "Mức 1 và mức 2 khác nhau thế nào?",
                    "payload": '/choose{"answer_id":"vneid_levels"}',
                }
            ],
        }
    ]
    [turn] = _turns(seeded_engine)
    assert turn.outcome is Outcome.ANSWERED
    assert turn.topic == "vneid_account"
    assert turn.answer_id == "vneid_activate_level2"
    assert turn.answer_confidence == pytest.approx(0.91)
    assert turn.text_masked == "kich hoat vneid muc 2"
    assert turn.channel == "web"
    assert turn.user_pseudonym == pseudonymize(SECRET, "web", "u1")
    assert turn.latency_ms >= 0


def test_chat_masks_personal_data_before_rasa_and_log(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    fake_rasa.answer("...", "faq", 0.9, turn={"outcome": "unsure", "answer_id": None})
    text = "cccd của tôi 001203004567, sđt 0912345678, mã otp 123456"
    client.post("/api/chat", json={"sender": "u2", "text": text})

    sent = fake_rasa.received[0]
    assert "001203004567" not in sent["message"]
    assert "0912345678" not in sent["message"]
    assert "123456" not in sent["message"].replace("[MÃ OTP]", "")
    assert sent["sender"] == pseudonymize(SECRET, "web", "u2")
    [turn] = _turns(seeded_engine)
    assert turn.text_masked == sent["message"]
    assert turn.outcome is Outcome.UNSURE


def test_chat_unsure_and_out_of_scope_are_not_answered(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    fake_rasa.answer(
        "Có phải Anh/Chị muốn hỏi ...", "faq", 0.99, turn={"outcome": "unsure"}
    )
    unsure = client.post("/api/chat", json={"sender": "u3", "text": "vneid"}).json()
    fake_rasa.answer(
        "Xin lỗi Anh/Chị, câu hỏi này nằm ngoài phạm vi", "out_of_scope", 0.95
    )
    oos = client.post(
        "/api/chat", json={"sender": "u3", "text": "thời tiết mai thế nào"}
    ).json()

    assert (unsure["answered"], unsure["answer_id"]) == (False, None)
    assert (oos["answered"], oos["topic"]) == (False, "out_of_scope")
    assert [t.outcome for t in _turns(seeded_engine)] == [
        Outcome.UNSURE,
        Outcome.OUT_OF_SCOPE,
    ]


def test_chat_when_rasa_is_down_replies_politely_and_logs_error(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    fake_rasa.close()
    response = client.post(
        "/api/chat", json={"sender": "u4", "text": "quên mật khẩu vneid"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is False
    assert body["messages"] == [{"text": RASA_UNAVAILABLE, "buttons": []}]
    [turn] = _turns(seeded_engine)
    assert turn.outcome is Outcome.ERROR
    assert turn.text_masked == "quên mật khẩu vneid"


def test_chat_when_rasa_fails_replies_politely(
    client: TestClient, fake_rasa: Any
) -> None:
    fake_rasa.status = 500
    body = client.post("/api/chat", json={"sender": "u5", "text": "xin chào"}).json()
    assert body["messages"][0]["text"] == RASA_UNAVAILABLE


def test_chat_normalises_decomposed_unicode_to_nfc(
    client: TestClient, fake_rasa: Any
) -> None:
    fake_rasa.answer("...", "greet", 0.99)
    decomposed = "Xin cha\u0300o"  # "Xin chào" with a combining grave accent
    client.post("/api/chat", json={"sender": "u6", "text": decomposed})
    assert fake_rasa.received[0]["message"] == "Xin chào"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"sender": "u", "text": ""}, "empty"),
        ({"sender": "u", "text": "   \n "}, "empty"),
        ({"sender": "u", "text": "a" * 2001}, "too_long"),
        ({"sender": "", "text": "xin chào"}, "invalid_request"),
        ({"text": "xin chào"}, "invalid_request"),
        ({"sender": "u", "text": 5}, "invalid_request"),
        ({"sender": "u", "text": "hi", "channel": "telegram"}, "invalid_request"),
    ],
)
def test_chat_rejects_bad_input_with_clear_error(
    client: TestClient, payload: dict[str, Any], code: str, seeded_engine: Any
) -> None:
    response = client.post("/api/chat", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"]["code"] == code
    assert _turns(seeded_engine) == []


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"",
        '{"sender": "u", "text": "ch\xe0o"}'.encode("latin-1"),
        b"[1, 2]",
    ],
)
def test_chat_rejects_malformed_body_without_5xx(
    client: TestClient, raw: bytes
) -> None:
    response = client.post(
        "/api/chat", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert response.json()["detail"]["code"] == "invalid_request"


def test_chat_emoji_only_message_is_handled(client: TestClient, fake_rasa: Any) -> None:
    fake_rasa.answer(
        "Tôi chưa chắc ...", "nlu_fallback", 0.3, turn={"outcome": "unsure"}
    )
    response = client.post("/api/chat", json={"sender": "u7", "text": "👍🙏"})
    assert response.status_code == 200
    assert response.json()["answered"] is False


def test_healthz_reports_each_dependency(client: TestClient, fake_rasa: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "rasa": "ok", "action_server": "ok"},
    }
    fake_rasa.close()
    down = client.get("/healthz")
    assert down.status_code == 503
    assert down.json()["checks"]["rasa"] == "down"
    Health.model_validate(down.json())  # the body /docs describes


def test_feedback_is_stored_on_the_citizens_own_turn_only(
    client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    fake_rasa.answer("Chữ ký số là…", "faq", 0.9, turn={"outcome": "answered"})
    turn_id = client.post(
        "/api/chat", json={"sender": "u5", "text": "chu ky so"}
    ).json()["turn_id"]

    other = client.post(
        "/api/feedback", json={"sender": "u6", "turn_id": turn_id, "helpful": True}
    )
    own = client.post(
        "/api/feedback", json={"sender": "u5", "turn_id": turn_id, "helpful": False}
    )

    assert (other.status_code, own.status_code) == (404, 200)
    assert own.json() == {"messages": []}  # one unhelpful rating: no offer yet
    [turn] = _turns(seeded_engine)
    assert turn.feedback == "not_helpful"


@pytest.fixture
def limited_client(settings: Any) -> Iterator[TestClient]:
    with client_for(settings, rate_limit_messages=2) as client:
        yield client


def test_a_citizen_over_the_rate_limit_gets_a_polite_reply_and_the_message_is_kept(
    limited_client: TestClient, fake_rasa: Any, seeded_engine: Any
) -> None:
    fake_rasa.answer("Xin chào Anh/Chị!", "greet", 0.99)
    replies = [
        limited_client.post(
            "/api/chat", json={"sender": "u7", "text": f"câu {n}"}
        ).json()
        for n in range(3)
    ]
    other = limited_client.post("/api/chat", json={"sender": "u8", "text": "chào"})

    assert replies[2]["messages"] == [{"text": RATE_LIMITED, "buttons": []}]
    assert len(fake_rasa.received) == 3  # two from u7, one from u8
    assert other.json()["messages"][0]["text"] == "Xin chào Anh/Chị!"
    turns = _turns(seeded_engine)
    assert (turns[2].text_masked, turns[2].outcome, turns[2].detail) == (
        "câu 2",
        Outcome.REJECTED,
        "rate_limited",
    )


class _Clock:
    """A settable clock for the rate limiters."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def _redis_limiter(limit: int, clock: Callable[[], float] = time.time) -> Any:
    import os

    from redis.asyncio import Redis
    from redis.exceptions import ConnectionError as RedisDown

    from api.conversation.ratelimit import RedisRateLimiter

    url = os.environ.get("BDHVS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        await Redis.from_url(url).ping()
    except RedisDown:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {url}")
        pytest.skip("no Redis")
    return RedisRateLimiter(url, limit=limit, window_seconds=60, clock=clock)


async def test_the_redis_rate_limiter_counts_per_user_and_window() -> None:
    import uuid

    limiter = await _redis_limiter(2)
    user, other = uuid.uuid4().hex, uuid.uuid4().hex
    try:
        results = [await limiter.allow(user) for _ in range(3)]
        assert results == [True, True, False]
        assert await limiter.allow(other) is True
    finally:
        await limiter.close()


@pytest.mark.parametrize("store", ["database", "redis"])
async def test_a_sender_cannot_double_the_limit_across_a_window_boundary(
    store: str, engine: Any
) -> None:
    import uuid

    from api.conversation.ratelimit import SqlRateLimiter

    clock = _Clock(1_800_000_000 * 60 + 59.5)  # half a second before a window ends
    limiter = (
        SqlRateLimiter(engine, limit=3, window_seconds=60, clock=clock)
        if store == "database"
        else await _redis_limiter(3, clock)
    )
    user = uuid.uuid4().hex
    try:
        before = [await limiter.allow(user) for _ in range(3)]
        clock.now += 1.0  # the next window has begun
        after = [await limiter.allow(user) for _ in range(2)]
        clock.now += 45.0  # three quarters of a minute since the three were sent
        later = await limiter.allow(user)
        clock.now += 60.0  # a minute on, a quarter of the last window still counts
        much_later = await limiter.allow(user)
    finally:
        if store == "redis":
            await limiter.close()
    assert before == [True, True, True]
    assert after == [False, False]
    assert later is False  # 3 x 1/4 rounded up + 2 refused + this one = 4
    assert much_later is True


def test_the_chat_page_may_only_be_framed_by_configured_sites(
    client: TestClient,
) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert policy == "frame-ancestors 'self'"
    staff = client.get("/staff").headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in staff
    assert "default-src 'self'" in staff


def test_server_timing_names_each_hop_of_a_rasa_turn_and_rasas_own_split(
    client: TestClient, fake_rasa: Any
) -> None:
    fake_rasa.answer("Chào Anh/Chị.", "greet", 0.99)
    fake_rasa.reply["timing"] = {"handle": 31.5, "tracker": 4.25, "bad": "x"}

    response = client.post("/api/chat", json={"sender": "u-hops", "text": "xin chào"})

    metrics = dict(
        part.strip().split(";dur=")
        for part in response.headers["Server-Timing"].split(",")
    )
    assert list(metrics) == [
        "admit",
        "dialogues",
        "rasa",
        "rasa-handle",
        "rasa-tracker",
        "after",
        "log",
    ]
    assert metrics["rasa-handle"] == "31.5"
    assert metrics["rasa-tracker"] == "4.25"
    assert all(float(value) >= 0 for value in metrics.values())


def test_a_refused_message_has_no_server_timing(
    client: TestClient, fake_rasa: Any
) -> None:
    response = client.post("/api/chat", json={"sender": "u-hops", "text": ""})

    assert response.status_code == 422
    assert "Server-Timing" not in response.headers
