"""Parts of the stack down. Several Rasa instances behind one gateway (BDHVS_RASA_URL
with commas): turns are spread over them, one that is down is passed over, a turn
that timed out is not sent twice. Redis down: the limits are counted in the
database meanwhile."""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from api.core.config import Settings
from api.routes.schemas.health import Health
from tests.api.conftest import client_for, wait_until
from tests.fakes import FakeRasa


@pytest.fixture
def second_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    yield fake
    fake.close()


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _chat(client: Any, sender: str, text: str = "chào") -> dict[str, Any]:
    response = client.post("/api/chat", json={"sender": sender, "text": text})
    assert response.status_code == 200
    return dict(response.json())


def test_turns_are_spread_over_every_instance(
    settings: Settings, fake_rasa: FakeRasa, second_rasa: FakeRasa
) -> None:
    for fake in (fake_rasa, second_rasa):
        fake.answer("Xin chào!", "greet", 0.99)
    urls = f"{fake_rasa.url}, {second_rasa.url}"
    with client_for(settings, rasa_url=urls) as client:
        for n in range(4):
            _chat(client, f"citizen-{n}")
    assert (len(fake_rasa.received), len(second_rasa.received)) == (2, 2)


def test_an_instance_that_is_down_is_passed_over_and_health_says_which(
    settings: Settings, fake_rasa: FakeRasa
) -> None:
    fake_rasa.answer("Xin chào!", "greet", 0.99)
    dead = _closed_port_url()
    with client_for(settings, rasa_url=f"{dead},{fake_rasa.url}") as client:
        replies = [_chat(client, f"citizen-{n}") for n in range(4)]
        health = client.get("/healthz")
    assert [r["messages"][0]["text"] for r in replies] == ["Xin chào!"] * 4
    assert len(fake_rasa.received) == 4
    assert health.status_code == 200
    assert health.json()["rasa_instances"] == {dead: "down", fake_rasa.url: "ok"}
    Health.model_validate(health.json())  # the body /docs describes


class _Dropping:
    """An instance killed under a request: it reads the request and closes the
    connection without answering (or resets it)."""

    def __init__(self, reset: bool) -> None:
        self.requests = 0
        self.bodies: list[dict[str, Any]] = []
        self._reset = reset
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            with connection:
                raw = b""
                while b"\r\n\r\n" not in raw or not raw.rstrip().endswith(b"}"):
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    raw += chunk
                if raw:
                    self.requests += 1
                    self.bodies.append(json.loads(raw.split(b"\r\n\r\n", 1)[1]))
                if self._reset:  # RST instead of FIN
                    linger = struct.pack("ii", 1, 0)
                    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)

    def close(self) -> None:
        self._server.close()


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_an_instance_that_drops_the_connection_unanswered_is_passed_over(
    settings: Settings, fake_rasa: FakeRasa, reset: bool
) -> None:
    fake_rasa.answer("Xin chào!", "greet", 0.99)
    dropping = _Dropping(reset)
    try:
        urls = f"{dropping.url},{fake_rasa.url}"
        with client_for(settings, rasa_url=urls) as client:
            replies = [_chat(client, f"citizen-{n}") for n in range(3)]
    finally:
        dropping.close()
    assert [r["messages"][0]["text"] for r in replies] == ["Xin chào!"] * 3
    # tried once, then left aside while the other instance answers
    assert dropping.requests == 1
    assert len(fake_rasa.received) == 3
    # The dropped turn goes on with its id, and Rasa is told it may have read it:
    # an instance killed after reading it left it in the conversation.
    passed_on, *later = fake_rasa.received
    assert passed_on["message_id"] == dropping.bodies[0]["message_id"]
    assert (dropping.bodies[0]["again"], passed_on["again"]) == (False, True)
    assert [body["again"] for body in later] == [False, False]
    assert len({body["message_id"] for body in fake_rasa.received}) == 3


def test_with_every_instance_down_the_citizen_gets_the_polite_reply(
    settings: Settings,
) -> None:
    from api.conversation.messages import RASA_UNAVAILABLE

    urls = f"{_closed_port_url()},{_closed_port_url()}"
    with client_for(settings, rasa_url=urls) as client:
        reply = _chat(client, "citizen")
        health = client.get("/healthz")
    assert reply["messages"][0]["text"] == RASA_UNAVAILABLE
    assert health.status_code == 503


def test_a_turn_that_timed_out_is_not_sent_to_another_instance(
    settings: Settings, fake_rasa: FakeRasa, second_rasa: FakeRasa
) -> None:
    from api.conversation.messages import RASA_UNAVAILABLE

    for fake in (fake_rasa, second_rasa):
        fake.answer("Xin chào!", "greet", 0.99)
        fake.gate = threading.Event()  # holds every reply past the timeout
    urls = f"{fake_rasa.url},{second_rasa.url}"
    try:
        with client_for(settings, rasa_url=urls, rasa_timeout_seconds=0.5) as client:
            reply = _chat(client, "citizen")
    finally:
        for fake in (fake_rasa, second_rasa):
            assert fake.gate is not None
            fake.gate.set()
    assert reply["messages"][0]["text"] == RASA_UNAVAILABLE
    assert len(fake_rasa.received) + len(second_rasa.received) == 1


def test_while_redis_is_down_the_chat_answers_and_the_limit_holds(
    settings: Settings, fake_rasa: FakeRasa
) -> None:
    from api.conversation.messages import RATE_LIMITED

    fake_rasa.answer("Xin chào!", "greet", 0.99)
    redis_down = _closed_port_url().replace("http://", "redis://") + "/0"
    with client_for(settings, redis_url=redis_down, rate_limit_messages=2) as client:
        replies = [_chat(client, "citizen")["messages"][0]["text"] for _ in range(3)]
    assert replies == ["Xin chào!", "Xin chào!", RATE_LIMITED]


def test_an_instance_busy_with_a_slow_turn_gets_no_more_until_the_other_is_as_busy(
    fake_rasa: FakeRasa, second_rasa: FakeRasa
) -> None:
    import asyncio

    from api.conversation.rasa_client import RasaClient, rasa_session

    for fake in (fake_rasa, second_rasa):
        fake.answer("Xin chào!", "greet", 0.99)
    fake_rasa.gate = threading.Event()  # the first instance is stuck on a turn

    async def turns() -> list[str]:
        async with rasa_session() as http:
            client = RasaClient(http, [fake_rasa.url, second_rasa.url], timeout=10)
            slow = asyncio.create_task(client.send("citizen-slow", "chào"))
            await asyncio.to_thread(wait_until, lambda: fake_rasa.received)
            # Strict rotation would queue the second of these behind the slow turn.
            texts = [
                (await client.send(f"citizen-{n}", "chào")).messages[0]["text"]
                for n in range(3)
            ]
            assert fake_rasa.gate is not None
            fake_rasa.gate.set()
            await slow
            # Both idle again: turns alternate.
            for n in range(2):
                await client.send(f"citizen-later-{n}", "chào")
            return texts

    try:
        texts = asyncio.run(asyncio.wait_for(turns(), timeout=20))
    finally:
        assert fake_rasa.gate is not None
        fake_rasa.gate.set()
    assert texts == ["Xin chào!"] * 3
    assert len(fake_rasa.received) == 2
    assert len(second_rasa.received) == 4
