"""The production path: two Rasa instances sharing a SQL tracker store (PostgreSQL) and a
Redis lock store, two gateways sharing the PostgreSQL query log. One conversation is
served alternately by both, as behind a load balancer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.privacy.pseudonym import pseudonymize
from tests.conftest import _fresh_postgres_database, postgres_base_url
from tools.stack import Ports, Stack

pytestmark = [pytest.mark.stack, pytest.mark.postgres]

SECRET = "scaling-test-secret"


@pytest.fixture(scope="module")
def two_stacks(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Stack, Stack, str, str]]:
    base = postgres_base_url()
    app_url, drop_app = _fresh_postgres_database(base)
    tracker_url, drop_tracker = _fresh_postgres_database(base)
    tracker = make_url(tracker_url)
    env = {
        "BDHVS_DATABASE_URL": app_url,
        "BDHVS_ENVIRONMENT": "test",
        "BDHVS_SECRET_KEY": SECRET,
        "BDHVS_BOT_ENDPOINTS": "bot/endpoints.production.yml",
        "BDHVS_TRACKER_DIALECT": "postgresql",
        "BDHVS_TRACKER_HOST": tracker.host or "127.0.0.1",
        "BDHVS_TRACKER_PORT": str(tracker.port or 5432),
        "BDHVS_TRACKER_DB": tracker.database or "",
        "BDHVS_TRACKER_USER": tracker.username or "postgres",
        "BDHVS_TRACKER_PASSWORD": tracker.password or "",
        "BDHVS_REDIS_HOST": os.environ.get("BDHVS_TEST_REDIS_HOST", "127.0.0.1"),
        "BDHVS_REDIS_PORT": "6379",
        "BDHVS_REDIS_DB": "3",
    }
    logs = tmp_path_factory.mktemp("scaling")
    stacks = [
        Stack(
            ports=Ports(rasa=16005 + i, actions=16055 + i, api=19000 + i),
            env=env,
            log_dir=logs / f"instance{i}",
        )
        for i in range(2)
    ]
    stacks[0].prepare()
    for stack in stacks:
        stack.start()
    try:
        for stack in stacks:
            stack.wait_ready(timeout=400)
        yield stacks[0], stacks[1], app_url, tracker_url
    finally:
        for stack in stacks:
            stack.stop()
        drop_app()
        drop_tracker()


def _chat(stack: Stack, sender: str, message: str) -> dict[str, Any]:
    response = httpx.post(
        f"{stack.api_url}/api/chat",
        json={"sender": sender, "text": message},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_one_conversation_served_by_two_instances(
    two_stacks: tuple[Stack, Stack, str, str],
) -> None:
    first, second, app_url, tracker_url = two_stacks
    questions = [
        "xin chào",
        "lam sao kich hoat vneid muc 2",
        "chữ ký số là gì",
        "cảm ơn",
    ]
    for n, question in enumerate(questions):
        stack = (first, second)[n % 2]
        assert _chat(stack, "citizen-lb", question)["messages"]

    sender = pseudonymize(SECRET, "web", "citizen-lb")
    tracker_db = create_engine(tracker_url)
    with tracker_db.connect() as connection:
        user_texts = (
            connection.execute(
                text(
                    "SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"
                ),
                {"s": sender},
            )
            .scalars()
            .all()
        )
    tracker_db.dispose()
    assert len(user_texts) == len(questions)

    app_db = create_engine(app_url)
    with app_db.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT text_masked, outcome FROM querylog_turn WHERE user_pseudonym = :s ORDER BY id"
            ),
            {"s": sender},
        ).all()
    app_db.dispose()
    assert [r.text_masked for r in rows] == questions
    assert rows[1].outcome == "answered"
