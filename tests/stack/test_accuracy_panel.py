"""The dashboard's accuracy check in headless Chromium, against the running stack:
staff open a past week's random sample of answered turns, judge each answer, and
the month's accuracy appears with its sample size and interval.

The answered turns are written straight into the stack's database six weeks back,
a week no other test writes to."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.querylog.models import Outcome, Turn
from api.staff.models import Role
from api.staff.service import create_staff
from tools.stack import Stack

pytestmark = pytest.mark.stack

VIETNAM = timezone(timedelta(hours=7))
PASSWORD = secrets.token_urlsafe(12)
ANALYST = "accuracy-analyst"
WEEKS_BACK = 6


@pytest.fixture(scope="module")
def week(stack: Stack) -> date:
    """Five answered turns and one unsure turn in a week six weeks back (its Monday)."""
    today = datetime.now(VIETNAM).date()
    monday = today - timedelta(days=today.weekday() + 7 * WEEKS_BACK)
    engine = create_engine(stack.env["BDHVS_DATABASE_URL"])
    with Session(engine) as session:
        create_staff(session, ANALYST, PASSWORD, Role.ANALYST)
        session.add_all(
            Turn(
                created_at=datetime.combine(monday, time(9, i), VIETNAM),
                channel="web",
                user_pseudonym=f"accuracy-{i}",
                conversation_id=f"accuracy-{i}",
                text_masked=f"kích hoạt vneid mức 2 ở đâu (lượt {i})",
                reply_masked="Anh/Chị mang thẻ căn cước đến Công an cấp xã…",
                intent="faq" if i < 5 else "nlu_fallback",
                confidence=0.9,
                topic="vneid_account",
                answer_id="vneid_activate_level2" if i < 5 else None,
                outcome=Outcome.ANSWERED if i < 5 else Outcome.UNSURE,
                latency_ms=40,
            )
            for i in range(6)
        )
        session.commit()
    engine.dispose()
    return monday


def test_staff_judge_the_weekly_sample_and_see_the_month_accuracy(
    stack: Stack, wide_page: Page, week: date
) -> None:
    page = wide_page
    page.goto(f"{stack.api_url}/staff")
    page.locator("#username").fill(ANALYST)
    page.locator("#password").fill(PASSWORD)
    # The first page a freshly started stack serves: the login's password check and
    # the dashboard's first requests can take longer than Playwright's 5 s on a busy
    # machine, so wait for the request that fills the panel itself.
    with page.expect_response(
        lambda response: "/api/staff/accuracy/sample" in response.url, timeout=60_000
    ) as sample:
        page.locator("#login button[type=submit]").click()
    assert sample.value.ok
    panel = page.locator("#accuracy-panel")
    expect(panel.locator("#accuracy-week")).to_contain_text("Tuần ")
    for _ in range(WEEKS_BACK - 1):  # the panel opens on last week
        shown = panel.locator("#accuracy-week").inner_text()
        panel.get_by_role("button", name="‹ Tuần trước").click()
        expect(panel.locator("#accuracy-week")).not_to_have_text(shown)
    expect(panel.locator("#accuracy-week")).to_have_text(
        f"Tuần {week:%d/%m/%Y} – {week + timedelta(days=6):%d/%m/%Y}"
    )
    items = panel.locator("#accuracy-list > li")
    expect(items).to_have_count(5)  # the unsure turn is not an answer to judge
    expect(panel.locator("#accuracy-progress")).to_have_text("Đã kiểm tra 0/5 lượt.")
    expect(items.first).to_contain_text("kích hoạt vneid mức 2 ở đâu")
    expect(items.first).to_contain_text("Công an cấp xã")

    for i, verdict in enumerate(["Đúng", "Đúng", "Đúng", "Đúng một phần", "Sai"]):
        button = items.nth(i).get_by_role("button", name=verdict, exact=True)
        button.click()
        expect(
            items.nth(i).get_by_role("button", name=verdict, exact=True)
        ).to_have_attribute("aria-pressed", "true")
    expect(panel.locator("#accuracy-progress")).to_have_text("Đã kiểm tra 5/5 lượt.")

    month = panel.locator("#accuracy-months tbody tr").filter(has_text=f"{week:%m/%Y}")
    expect(month).to_have_count(1)
    expect(month.locator("td").nth(1)).to_have_text("5")
    expect(month.locator("td").nth(5)).to_contain_text("60,0\u00a0% (")
