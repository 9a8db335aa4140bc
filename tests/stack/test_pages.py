"""The web chat and the staff dashboard in a real browser (Debian's Chromium, headless)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.core.db import utcnow
from api.querylog.models import Turn
from api.staff.models import Role
from api.staff.service import create_staff
from tests.stack.conftest import EMBED_HOST_PORT
from tools.stack import Stack

pytestmark = pytest.mark.stack


def _ask(page: Page, text: str) -> None:
    page.locator("#input").fill(text)
    page.locator("#input").press("Enter")


def test_web_chat_answers_an_unaccented_question_with_its_source(
    stack: Stack, page: Page
) -> None:
    page.goto(stack.api_url + "/")
    expect(page.locator(".msg.bot").first).to_contain_text("Xin chào Anh/Chị")

    _ask(page, "lam sao kich hoat vneid muc 2")

    expect(page.locator(".msg.user").last).to_have_text("lam sao kich hoat vneid muc 2")
    answer = page.locator('.msg.bot[data-answer-id="vneid_activate_level2"]')
    expect(answer).to_contain_text("Nguồn: https://")
    expect(answer).to_contain_text("1. ")


def test_web_chat_follows_a_procedure_step_by_step_with_buttons(
    stack: Stack, page: Page
) -> None:
    page.goto(stack.api_url + "/")
    _ask(page, "làm sao kích hoạt tài khoản định danh điện tử mức 2")
    page.get_by_role("button", name="Hướng dẫn từng bước").click()
    expect(page.locator(".msg.bot").last).to_contain_text("Bước 1")
    page.get_by_role("button", name="Tiếp", exact=True).last.click()
    expect(page.locator(".msg.bot").last).to_contain_text("Bước 2")
    page.get_by_role("button", name="Quay lại", exact=True).last.click()
    expect(page.locator(".msg.bot").last).to_contain_text("Bước 1")


def test_web_chat_explains_a_rejected_message(stack: Stack, page: Page) -> None:
    page.goto(stack.api_url + "/")
    _ask(page, "   ")
    expect(page.locator(".msg.user")).to_have_count(0)  # nothing sent
    page.evaluate(
        "fetch('/api/chat', {method: 'POST', headers: {'Content-Type': 'application/json'},"
        " body: '{not json'}).then(r => r.json()).then(b => {"
        " const d = document.createElement('div'); d.id = 'err';"
        " d.textContent = b.detail.message; document.body.appendChild(d); })"
    )
    expect(page.locator("#err")).not_to_be_empty()


def test_staff_dashboard_shows_masked_questions_after_login(
    stack: Stack, page: Page
) -> None:
    password = secrets.token_urlsafe(12)
    engine = create_engine(stack.env["BDHVS_DATABASE_URL"])
    with Session(engine) as session:
        create_staff(session, "page-test-admin", password, Role.ADMIN)
    engine.dispose()

    page.goto(stack.api_url + "/")
    _ask(page, "số cccd của tôi là 001203004567, sao chưa kích hoạt được vneid")
    expect(page.locator(".msg.bot").nth(1)).to_be_visible()

    page.goto(stack.api_url + "/staff")
    page.locator("#username").fill("page-test-admin")
    page.locator("#password").fill("wrong-" + password)
    page.locator("#login button[type=submit]").click()
    expect(page.locator("#login-error")).to_be_visible()

    page.locator("#password").fill(password)
    page.locator("#login button[type=submit]").click()
    expect(page.locator("#dashboard")).to_be_visible()
    rows = page.locator("#turns tbody tr")
    expect(rows.first).to_be_visible()
    text = page.locator("#turns").inner_text()
    assert "001203004567" not in text
    assert "sao chưa kích hoạt được vneid" in text


def test_web_chat_feedback_is_stored_with_the_turn(stack: Stack, page: Page) -> None:
    page.goto(stack.api_url + "/")
    _ask(page, "chu ky so la gi")
    expect(page.locator(".msg.bot").nth(1)).to_be_visible()

    page.get_by_role("button", name="Hữu ích", exact=True).last.click()

    expect(page.locator(".feedback").last).to_have_text("Cảm ơn Anh/Chị đã góp ý!")
    engine = create_engine(stack.env["BDHVS_DATABASE_URL"])
    with Session(engine) as session:
        turn = session.query(Turn).filter(Turn.text_masked == "chu ky so la gi").one()
    engine.dispose()
    assert turn.feedback == "helpful"


def test_web_chat_keeps_a_message_typed_offline_and_sends_it_when_back(
    stack: Stack, page: Page
) -> None:
    page.goto(stack.api_url + "/")
    page.context.set_offline(True)

    _ask(page, "quen mat khau vneid")

    expect(page.locator("#status")).to_be_visible()
    expect(page.locator(".msg.user.queued")).to_have_text("quen mat khau vneid")
    page.context.set_offline(False)
    expect(page.locator("#status")).to_be_hidden(timeout=15000)
    expect(page.locator(".msg.user.queued")).to_have_count(0)
    expect(page.locator(".msg.bot").nth(1)).to_contain_text("mật khẩu")


def test_web_chat_sent_again_after_a_lost_reply_is_answered_and_logged_once(
    stack: Stack, page: Page
) -> None:
    """The gateway answers, the reply is lost on the way (the page sees a network
    failure) and the page sends the message again: the reply it already got, one turn."""
    text = "chu ky so la gi"
    started = utcnow()
    sent: list[dict[str, object]] = []

    def lose_the_first_reply(route: Route) -> None:
        sent.append(route.request.post_data_json)
        if len(sent) == 1:
            route.fetch()  # the gateway handles it ...
            route.abort("connectionreset")  # ... and the reply never arrives
        else:
            route.continue_()

    page.route("**/api/chat", lose_the_first_reply)
    page.goto(stack.api_url + "/")
    _ask(page, text)

    expect(page.locator(".msg.bot").nth(1)).to_contain_text(
        "chữ ký số", ignore_case=True, timeout=20000
    )
    assert len(sent) == 2
    assert sent[0]["message_id"] == sent[1]["message_id"]
    expect(page.locator(".msg.bot")).to_have_count(2)  # the greeting and one answer
    engine = create_engine(stack.env["BDHVS_DATABASE_URL"])
    with Session(engine) as session:
        turns = (
            session.query(Turn)
            .filter(Turn.text_masked == text, Turn.created_at >= started)
            .count()
        )
    engine.dispose()
    assert turns == 1


@pytest.fixture
def portal_page(stack: Stack, tmp_path: Path) -> Iterator[str]:
    """A province portal page on another origin that embeds the chat."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Cổng tỉnh</title>'
        "<h1>Cổng thông tin điện tử tỉnh</h1>"
        f'<script src="{stack.api_url}/static/embed.js" defer></script></html>',
        encoding="utf-8",
    )
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", EMBED_HOST_PORT), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{EMBED_HOST_PORT}/"
    server.shutdown()
    server.server_close()


def test_the_embed_snippet_puts_the_chat_on_a_portal_page(
    stack: Stack, page: Page, portal_page: str
) -> None:
    page.goto(portal_page)

    page.get_by_role("button", name="Hỏi trợ lý số").click()

    frame = page.frame_locator("#bdhvs-chat-frame")
    expect(frame.locator(".msg.bot").first).to_contain_text("Xin chào Anh/Chị")
    frame.locator("#input").fill("lam sao kich hoat vneid muc 2")
    frame.locator("#input").press("Enter")
    expect(frame.locator(".msg.bot").nth(1)).to_contain_text("Nguồn:")
