"""The web chat shows the satisfaction question once the team has closed the
citizen's request, and a tap on "Hài lòng" is recorded (gateway in process, no Rasa:
the gateway answers the tap itself)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.core.db import utcnow
from api.handoff.models import HandoffReason, HandoffTicket, Resolution, TicketStatus
from api.privacy.pseudonym import pseudonymize
from tests.stack.inprocess import no_problems, seeded_database, served_gateway, watch

pytestmark = pytest.mark.stack

SECRET = "stack-satisfaction-secret"
SENDER = "web-satisfaction-test"


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Engine]]:
    workdir: Path = tmp_path_factory.mktemp("satisfaction")
    url, engine = seeded_database(workdir, "satisfaction.sqlite3")
    with served_gateway(url, SECRET) as base:
        yield base, engine
    engine.dispose()


def test_the_question_after_closing_is_shown_and_a_tap_is_recorded(
    gateway: tuple[str, Engine], page: Page
) -> None:
    base, engine = gateway
    now = utcnow()
    with Session(engine) as session:
        ticket = HandoffTicket(
            channel="web",
            user_pseudonym=pseudonymize(SECRET, "web", SENDER),
            status=TicketStatus.CLOSED,
            reason=HandoffReason.REQUESTED,
            offered_at=now - timedelta(hours=2),
            opened_at=now - timedelta(hours=2),
            closed_at=now,
            resolution=Resolution.GUIDED_REMOTELY,
            satisfaction="waiting",
        )
        session.add(ticket)
        session.commit()
        number = ticket.id
    # A citizen coming back to a conversation with a hand-off under way.
    stored = {"v": 1, "sender": SENDER, "turns": [], "handoff": True}
    page.add_init_script(
        "if (!sessionStorage.getItem('seeded')) {"
        f"  localStorage.setItem('bdhvs-sender', {json.dumps(SENDER)});"
        f"  localStorage.setItem('bdhvs-log', JSON.stringify(Object.assign("
        f"{json.dumps(stored)}, {{at: Date.now()}})));"
        "  sessionStorage.setItem('seeded', '1');"
        "}"
    )
    problems = watch(page)
    page.goto(base + "/")

    question = page.locator(".msg.bot", has_text="có hài lòng với hỗ trợ")
    expect(question).to_contain_text(f"Yêu cầu số {number}")
    page.get_by_role("button", name="Hài lòng", exact=True).click()
    expect(page.locator(".msg.bot").last).to_have_text("Cảm ơn Anh/Chị đã đánh giá!")
    with Session(engine) as session:
        recorded = session.get(HandoffTicket, number)
        assert recorded is not None and recorded.satisfaction == "satisfied"
    # Shown once: not again after a reload.
    page.reload()
    expect(question).to_have_count(1)
    no_problems(page, problems)
