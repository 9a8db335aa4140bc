"""The citizens' web chat in headless Chromium against the real stack: old buttons,
a conversation kept across reloads (and the team's reply shown when the citizen comes
back), where a new answer opens, sizes for elderly users, where feedback is asked,
the privacy notice, the lazy embed, and an axe-core accessibility check.

Screenshots go to tests/artifacts/ (the page fixtures keep each test's last screen;
the steps in between are saved as <test>__<step>.png)."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, Request, expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.staff.models import Role
from api.staff.service import create_staff
from tests.stack.conftest import ARTIFACTS
from tests.stack.test_pages import portal_page  # noqa: F401 (fixture)
from tools.stack import Stack

pytestmark = pytest.mark.stack

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
THANH_SEN = "18073"
LONG_ANSWER = "lam sao kich hoat vneid muc 2"
HANDOFF_YES = "Có, nhờ Tổ hỗ trợ"


def _shot(page: Page, request: pytest.FixtureRequest, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}__{step}.png"))


def _open(stack: Stack, page: Page) -> None:
    page.goto(stack.api_url + "/")
    expect(page.locator(".msg.bot").first).to_contain_text("Xin chào Anh/Chị")


def _ask(page: Page, text: str) -> Locator:
    """Types ``text``, sends it with Enter; returns the bot turn that answers it."""
    turns = page.locator("#log > .turn")
    before = turns.count()
    page.locator("#input").fill(text)
    page.locator("#input").press("Enter")
    expect(turns).to_have_count(before + 2, timeout=30000)
    return turns.nth(before + 1)


def _tap(page: Page, button: Locator) -> Locator:
    """Taps a reply button; returns the bot turn that answers it."""
    turns = page.locator("#log > .turn")
    before = turns.count()
    button.click()
    expect(turns).to_have_count(before + 2, timeout=30000)
    return turns.nth(before + 1)


def _stored(page: Page) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        page.evaluate("localStorage.getItem('bdhvs-log')") or "{}"
    )
    return data


@pytest.fixture
def small_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A small phone (360 × 740); its last screen is kept in tests/artifacts/."""
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 360, "height": 740}, has_touch=True
    )
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


# 1. A button answers only the turn it belongs to.


def test_old_buttons_are_disabled_when_a_newer_turn_arrives(
    stack: Stack, page: Page, request: pytest.FixtureRequest
) -> None:
    _open(stack, page)
    offer = _ask(page, "toi muon gap can bo ho tro truc tiep")
    yes = offer.get_by_role("button", name=HANDOFF_YES)
    expect(yes).to_be_visible()
    expect(yes).not_to_have_attribute("aria-disabled", "true")
    live_border = yes.evaluate("b => getComputedStyle(b).borderStyle")

    answer = _ask(page, "chữ ký số là gì")
    expect(answer.locator(".msg.bot").first).to_contain_text("Nguồn:")
    # Every button of the earlier turn is now off, and looks it; the new turn's are on.
    for button in offer.locator(".buttons button").all():
        expect(button).to_have_attribute("aria-disabled", "true")
    assert yes.evaluate("b => getComputedStyle(b).borderStyle") != live_border
    for button in answer.locator(".buttons button").all():
        expect(button).not_to_have_attribute("aria-disabled", "true")
    _shot(page, request, "old_offer_disabled")

    # Tapping the old "Có, nhờ Tổ hỗ trợ" sends nothing.
    sent = page.locator(".msg.user").count()
    yes.click(force=True)
    page.wait_for_timeout(1500)
    expect(page.locator(".msg.user")).to_have_count(sent)
    expect(page.locator("#log > .turn").last).to_contain_text("Nguồn:")


# 2. The conversation survives reloads and days; a new one can be started.


def test_the_conversation_is_kept_across_reloads_and_days_until_a_new_one_starts(
    stack: Stack, wide_page: Page, request: pytest.FixtureRequest
) -> None:
    page = wide_page
    _open(stack, page)
    answer = _ask(page, LONG_ANSWER)
    expect(answer.locator('[data-answer-id="vneid_activate_level2"]')).to_be_visible()
    sender = page.evaluate("localStorage.getItem('bdhvs-sender')")

    page.reload()
    expect(page.locator(".msg.user")).to_have_text([LONG_ANSWER])
    restored = page.locator("#log > .turn").last
    expect(restored.locator(".msg.bot").first).to_contain_text("Nguồn: https://")
    expect(restored.locator(".feedback button")).to_have_count(2)
    # Still the same conversation: its last buttons still answer.
    expect(restored.locator(".buttons button").first).not_to_have_attribute(
        "aria-disabled", "true"
    )
    assert page.evaluate("localStorage.getItem('bdhvs-sender')") == sender

    # Three days later: the messages are there; the old buttons no longer answer.
    page.evaluate(
        "() => { const s = JSON.parse(localStorage.getItem('bdhvs-log'));"
        " s.at = Date.now() - 3 * 24 * 3600 * 1000;"
        " localStorage.setItem('bdhvs-log', JSON.stringify(s)); }"
    )
    page.reload()
    expect(page.locator(".msg.user")).to_have_text([LONG_ANSWER])
    expect(
        page.locator("#log > .turn").last.locator(".buttons button").first
    ).to_have_attribute("aria-disabled", "true")
    _shot(page, request, "three_days_later")

    page.get_by_role("button", name="Bắt đầu cuộc trò chuyện mới").click()
    expect(page.locator("#log > .turn")).to_have_count(1)  # the greeting only
    assert page.evaluate("localStorage.getItem('bdhvs-sender')") != sender
    page.reload()
    expect(page.locator("#log > .turn")).to_have_count(1)
    expect(page.locator(".msg.user")).to_have_count(0)


def test_a_team_reply_that_came_while_away_is_shown_when_the_citizen_returns(
    stack: Stack, page: Page, request: pytest.FixtureRequest
) -> None:
    member, password = "tk-chat-thanh-sen", secrets.token_urlsafe(12)
    engine = create_engine(stack.env["BDHVS_DATABASE_URL"])
    with Session(engine) as session:
        create_staff(session, member, password, Role.COMMUNITY, [THANH_SEN])
    engine.dispose()

    _open(stack, page)
    offer = _ask(page, "toi muon gap can bo ho tro truc tiep")
    asked = _tap(page, offer.get_by_role("button", name=HANDOFF_YES))
    expect(asked).to_contain_text("xã/phường nào")
    described = _ask(page, "phuong thanh sen ha tinh")
    expect(described).to_contain_text("mô tả ngắn gọn")
    opened = _ask(page, "chua kich hoat duoc vneid muc 2, khong nhan duoc ma")
    expect(opened).to_contain_text("yêu cầu số")
    expect(opened.locator(".msg.notice")).to_contain_text(
        "mở lại trang này trên cùng máy"
    )
    number = int(re.findall(r"yêu cầu số (\d+)", opened.inner_text())[0])
    assert _stored(page)["handoff"] is True
    # None of the hand-off dialogue asks for a rating.
    for turn in (offer, asked, described, opened):
        expect(turn.locator(".feedback")).to_have_count(0)

    page.goto("about:blank")  # the citizen leaves; the team answers meanwhile
    api = stack.api_url
    token = httpx.post(
        f"{api}/api/staff/login", json={"username": member, "password": password}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.post(
        f"{api}/api/staff/tickets/{number}/claim", headers=headers
    ).is_success
    reply = "Chào Anh/Chị, mời Anh/Chị mang CCCD đến nhà văn hóa phường sáng mai."
    sent = httpx.post(
        f"{api}/api/staff/tickets/{number}/reply", json={"text": reply}, headers=headers
    )
    assert sent.json()["delivery"] == "waiting"

    _open(stack, page)
    expect(page.locator("#log")).to_contain_text(f"yêu cầu số {number}")
    team = page.locator(".msg.bot.team")
    expect(team).to_contain_text(reply)
    expect(team).to_contain_text(f"trả lời yêu cầu số {number}")
    box = team.bounding_box()
    assert box is not None and 0 <= box["y"] < 844  # scrolled into view
    _shot(page, request, "team_reply_after_return")
    # Shown once, and kept with the conversation.
    page.reload()
    expect(page.locator(".msg.bot.team")).to_have_count(1)


# 3. A long answer opens at its start on a phone.


def test_a_long_answer_opens_at_its_start_on_a_phone(stack: Stack, page: Page) -> None:
    _open(stack, page)
    page.get_by_role("button", name="Chữ to").click()
    answer = _ask(page, LONG_ANSWER)
    first = answer.locator(".msg.bot").first
    expect(first).to_contain_text("1. ")
    view = page.locator("#scroller").evaluate(
        "s => { const v = s.getBoundingClientRect();"
        " const a = s.querySelector('#log > .turn:last-child .msg').getBoundingClientRect();"
        " return {top: v.top, bottom: v.bottom, answer: a.top, answerBottom: a.bottom,"
        " atEnd: s.scrollTop + s.clientHeight >= s.scrollHeight - 1}; }"
    )
    # The answer is longer than the view (so the old scroll-to-bottom hid its start) ...
    assert view["answerBottom"] > view["bottom"]
    assert not view["atEnd"]
    # ... and its first line is what the citizen sees.
    assert view["top"] <= view["answer"] < view["top"] + 200


# 4. Sized for elderly eyes and fingers.

SIZES = """() => {
  const visible = e => { const r = e.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && getComputedStyle(e).visibility !== 'hidden'; };
  const controls = [...document.querySelectorAll('button, textarea, summary')]
    .filter(visible)
    .map(e => ({text: (e.textContent || e.placeholder).trim().slice(0, 30),
                height: e.getBoundingClientRect().height}));
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !visible(el) || el.closest('.visually-hidden')) continue;
    texts.push({text: node.textContent.trim().slice(0, 30),
                size: parseFloat(getComputedStyle(el).fontSize)});
  }
  const body = getComputedStyle(document.body).fontFamily;
  const fonts = [...document.querySelectorAll('button, textarea')]
    .filter(e => getComputedStyle(e).fontFamily !== body).map(e => e.textContent);
  const links = [...document.querySelectorAll('.msg a')]
    .map(a => getComputedStyle(a).textDecorationLine);
  return {controls, texts, fonts, links};
}"""


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_controls_are_44px_text_16px_page_font_and_links_underlined(
    stack: Stack, page: Page, large: bool
) -> None:
    _open(stack, page)
    if large:
        page.get_by_role("button", name="Chữ to").click()
    _ask(page, LONG_ANSWER)
    page.locator("#privacy summary").click()
    found = page.evaluate(SIZES)
    assert len(found["controls"]) >= 8
    small = [c for c in found["controls"] if c["height"] < 44]
    assert small == []
    tiny = [t for t in found["texts"] if t["size"] < 16]
    assert tiny == []
    assert found["fonts"] == []
    assert found["links"] and all("underline" in d for d in found["links"])


def test_the_large_text_toggle_shows_its_state_is_kept_and_leaves_the_title_whole(
    stack: Stack, small_page: Page
) -> None:
    page = small_page
    _open(stack, page)
    toggle = page.get_by_role("button", name="Chữ to")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(toggle).to_contain_text("Tắt")
    off_background = toggle.evaluate("b => getComputedStyle(b).backgroundColor")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_contain_text("Bật")
    assert toggle.evaluate("b => getComputedStyle(b).backgroundColor") != off_background

    page.reload()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator("body")).to_have_class("large")
    title, button = page.locator("h1").bounding_box(), toggle.bounding_box()
    assert title is not None and button is not None
    overlap = not (
        title["y"] + title["height"] <= button["y"]
        or button["y"] + button["height"] <= title["y"]
        or title["x"] + title["width"] <= button["x"]
        or button["x"] + button["width"] <= title["x"]
    )
    assert not overlap
    assert page.locator("h1").evaluate("h => h.scrollWidth <= h.clientWidth")


def test_suggestion_labels_wrap_whole_and_the_whole_label_is_echoed(
    stack: Stack, page: Page, request: pytest.FixtureRequest
) -> None:
    _open(stack, page)
    answer = _ask(page, LONG_ANSWER)
    labels = answer.locator(".buttons button").all_inner_texts()
    longest = max(labels, key=len)
    assert len(longest) > 60  # once cut at 60 characters mid-word
    assert not any(label.endswith("…") for label in labels)
    fits = answer.locator(".buttons button").evaluate_all(
        "bs => bs.map(b => b.scrollWidth <= b.clientWidth + 1"
        " && b.getBoundingClientRect().right <= innerWidth)"
    )
    assert all(fits)
    _shot(page, request, "wrapped_labels")

    _tap(page, answer.get_by_role("button", name=longest, exact=True))
    expect(page.locator(".msg.user").last).to_have_text(longest)


def test_speakers_are_named_for_screen_readers(stack: Stack, page: Page) -> None:
    _open(stack, page)
    _ask(page, "chữ ký số là gì")
    user = page.locator(".turn.from-user .visually-hidden")
    bot = page.locator(".turn.from-bot > .visually-hidden")
    expect(user).to_have_text(["Anh/Chị:"])
    expect(bot).to_have_text(["Trợ lý:", "Trợ lý:"])
    box = user.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1
    expect(page.get_by_role("log")).to_contain_text("Anh/Chị:chữ ký số là gì")


def test_enter_does_not_send_while_an_input_method_is_composing(
    stack: Stack, page: Page
) -> None:
    _open(stack, page)
    page.locator("#input").fill("kich hoat vneid")
    page.locator("#input").evaluate(
        "i => { i.dispatchEvent(new KeyboardEvent('keydown',"
        " {key: 'Enter', isComposing: true, bubbles: true, cancelable: true}));"
        " const e = new KeyboardEvent('keydown', {key: 'Enter', bubbles: true, cancelable: true});"
        " Object.defineProperty(e, 'keyCode', {get: () => 229});"
        " i.dispatchEvent(e); }"
    )
    page.wait_for_timeout(500)
    expect(page.locator(".msg.user")).to_have_count(0)
    expect(page.locator("#input")).to_have_value("kich hoat vneid")
    page.locator("#input").press("Enter")
    expect(page.locator(".msg.user")).to_have_text(["kich hoat vneid"])


# 5. Feedback under answers, the end of a guide and "chưa chắc" replies only.


def test_feedback_is_asked_under_answers_only(
    stack: Stack, wide_page: Page, request: pytest.FixtureRequest
) -> None:
    page = wide_page
    _open(stack, page)
    first = _ask(page, LONG_ANSWER)
    expect(first.locator(".feedback")).to_have_count(1)

    # The second answer is followed by the place question: the rating sits under the
    # answer, above the question.
    second = _ask(page, "quen mat khau vneid")
    expect(second.locator(".msg.bot").last).to_contain_text("xã/phường nào")
    order = second.evaluate(
        "t => [...t.children].map(c => c.classList.contains('feedback') ? 'rate'"
        " : c.classList.contains('msg') ? 'msg' : c.className)"
    )
    assert order.index("rate") < len(order) - 1 and order[-1] == "msg"
    _shot(page, request, "rating_above_place_question")

    expect(_ask(page, "phuong thanh sen ha tinh").locator(".feedback")).to_have_count(0)
    expect(_ask(page, "cam on").locator(".feedback")).to_have_count(0)
    unsure = _ask(page, "vneid")
    expect(unsure.locator(".buttons button")).to_have_count(3)
    expect(unsure.locator(".feedback")).to_have_count(1)

    # A guided procedure: no rating under its steps, one at its end.
    guide = _ask(page, LONG_ANSWER)
    step = _tap(page, guide.get_by_role("button", name="Hướng dẫn từng bước"))
    steps = 0
    while step.get_by_role("button", name="Tiếp", exact=True).count():
        expect(step).to_contain_text("Bước")
        expect(step.locator(".feedback")).to_have_count(0)
        step = _tap(page, step.get_by_role("button", name="Tiếp", exact=True))
        steps += 1
    assert steps >= 2
    expect(step).to_contain_text("đi hết các bước")
    expect(step.locator(".feedback")).to_have_count(1)

    step.get_by_role("button", name="Hữu ích", exact=True).click()
    expect(step.locator(".feedback")).to_have_text("Cảm ơn Anh/Chị đã góp ý!")


# 6. The privacy notice.


def test_the_privacy_notice_says_what_is_kept_masked_and_for_how_long(
    stack: Stack, page: Page, request: pytest.FixtureRequest
) -> None:
    _open(stack, page)
    notice = page.locator("#privacy")
    expect(notice.locator("ul")).to_be_hidden()
    notice.get_by_text("Trợ lý lưu gì về Anh/Chị?").click()
    expect(notice.locator("ul")).to_be_visible()
    for said in (
        "số CCCD, số điện thoại",
        "mã OTP, mật khẩu",
        "xóa sau 180 ngày",
        "cán bộ biết người dân cần hỗ trợ gì",
        "Tên và địa chỉ không được che",
        "Bắt đầu cuộc trò chuyện mới",
    ):
        expect(notice).to_contain_text(said)
    _shot(page, request, "open")


# 7. The embed loads the chat only when it is opened.


def test_the_embed_loads_nothing_until_the_chat_is_opened(
    stack: Stack,
    page: Page,
    portal_page: str,  # noqa: F811 (fixture)
) -> None:
    asked: list[str] = []

    def record(req: Request) -> None:
        if req.url.startswith(stack.api_url):
            asked.append(req.url.removeprefix(stack.api_url))

    page.on("request", record)
    page.goto(portal_page)
    button = page.locator("#bdhvs-chat-button")
    expect(button).to_have_text("Hỏi trợ lý số")
    page.wait_for_timeout(2000)
    assert asked == ["/static/embed.js"]
    expect(page.locator("iframe")).to_have_count(0)

    button.click()
    frame = page.frame_locator("#bdhvs-chat-frame")
    expect(frame.locator(".msg.bot").first).to_contain_text("Xin chào Anh/Chị")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(button).to_have_text("Đóng")
    page.wait_for_timeout(1000)
    # The chat itself asks for team replies only once a hand-off is under way.
    assert not [url for url in asked if url.startswith("/api/chat/updates")]

    frame.locator("#input").press("Escape")
    expect(page.locator("#bdhvs-chat-frame")).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(page.locator("#bdhvs-chat-frame")).to_be_visible()
    expect(page.locator("iframe")).to_have_count(1)  # the same frame, not a second


# Accessibility: axe-core (vendored in tests/stack/vendor) finds nothing serious.


def _axe(page: Page, name: str) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async () => { const r = await axe.run(document,"
        " {resultTypes: ['violations']});"
        " return {violations: r.violations.map(v => ({id: v.id, impact: v.impact,"
        " help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))}; }"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}__axe.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


@pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
def test_the_chat_page_has_no_serious_accessibility_violations(
    stack: Stack, browser: Browser, request: pytest.FixtureRequest, width: int
) -> None:
    context = browser.new_context(
        locale="vi-VN", viewport={"width": width, "height": 844}
    )
    page = context.new_page()
    try:
        _open(stack, page)
        _ask(page, LONG_ANSWER)
        _ask(page, "vneid")  # older buttons disabled, a "chưa chắc" reply rated
        page.locator("#privacy summary").click()
        found = _axe(page, request.node.name)
        page.get_by_role("button", name="Chữ to").click()
        time.sleep(0.2)
        found += _axe(page, request.node.name + "_large")
        page.screenshot(
            path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True
        )
    finally:
        context.close()
    serious = [v for v in found if v["impact"] in ("serious", "critical")]
    assert serious == []
