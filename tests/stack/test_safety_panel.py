"""The dashboard's scam-warning panel in headless Chromium, against the running stack.

Scam warnings are written straight into the stack's database over two weeks about
four months ago (no other test writes turns there): one commune's warnings rise in
the second week. Staff see the count by kind, the commune that rises, and an admin
drafts the warning notice for that commune in one click (it is only prefilled:
sending stays the notices panel's preview-then-send).
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time, timedelta, timezone

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.querylog.models import Outcome, Turn
from api.querylog.rollup_refresh import rebuild_all
from api.staff.models import Role
from api.staff.service import create_staff
from tools.stack import Stack

pytestmark = pytest.mark.stack

VIETNAM = timezone(timedelta(hours=7))
PASSWORD = secrets.token_urlsafe(12)
ADMIN, ANALYST = "safety-admin", "safety-analyst"
NGHE_AN, THANH_VINH = "40", "16681"
HA_TINH, THANH_SEN = "42", "18073"
# (day of the period, channel, province, commune, kind)
WARNINGS = [
    (2, "web", HA_TINH, THANH_SEN, "fake_bank"),
    (8, "zalo", NGHE_AN, THANH_VINH, "code_request"),
    (9, "telegram", NGHE_AN, THANH_VINH, "code_request"),
    (11, "zalo", NGHE_AN, THANH_VINH, "identity_update"),
    (13, "web", NGHE_AN, THANH_VINH, "code_request"),
]


@pytest.fixture(scope="module")
def period(stack: Stack) -> tuple[date, date]:
    """Two staff accounts and the scam warnings of two Monday-to-Sunday weeks."""
    start = datetime.now(VIETNAM).date() - timedelta(days=120)
    start -= timedelta(days=start.weekday())
    engine = create_engine(stack.env["BDHVS_DATABASE_URL"])
    with Session(engine) as session:
        create_staff(session, ADMIN, PASSWORD, Role.ADMIN)
        create_staff(session, ANALYST, PASSWORD, Role.ANALYST)
        session.add_all(
            Turn(
                created_at=datetime.combine(
                    start + timedelta(days=day), time(9), VIETNAM
                ),
                channel=channel,
                user_pseudonym=f"safety-{i}",
                conversation_id=f"safety-{i}",
                text_masked="có người gọi xưng công an xin mã OTP",
                reply_masked="…",
                intent="scam_alert",
                detail=f"scam:{kind}",
                confidence=1.0,
                topic="scam_safety",
                outcome=Outcome.ANSWERED,
                latency_ms=20,
                province_code=province,
                commune_code=commune,
            )
            for i, (day, channel, province, commune, kind) in enumerate(WARNINGS)
        )
        session.commit()
        rebuild_all(session)
    engine.dispose()
    return start, start + timedelta(days=13)


def _open(page: Page, stack: Stack, username: str, period: tuple[date, date]) -> None:
    start, end = period
    page.goto(f"{stack.api_url}/staff#from={start.isoformat()}&to={end.isoformat()}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login button[type=submit]").click()
    expect(page.locator("#me-name")).to_have_text(username)


def test_staff_see_warnings_by_kind_and_the_commune_where_they_rise(
    stack: Stack, wide_page: Page, period: tuple[date, date]
) -> None:
    _open(wide_page, stack, ANALYST, period)
    panel = wide_page.locator("#safety-panel")

    expect(panel.locator("#safety-total")).to_have_text(
        "Trợ lý đã cảnh báo 5 lượt người dân kể về tình huống nghi lừa đảo trong kỳ."
    )
    rows = panel.locator("#safety-kinds tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Xin mã OTP, mật khẩu, ảnh căn cước")
    expect(rows.nth(0)).to_contain_text("3")
    rising = panel.locator("#safety-rising li")
    expect(rising).to_have_count(1)  # Thành Sen had one, in the first week
    expect(rising.first).to_contain_text("Thành Vinh")
    expect(rising.first).to_contain_text(
        "4 lượt trong 7 ngày gần nhất (7 ngày trước: 0)"
    )
    expect(rising.first).to_contain_text("nhiều nhất: Xin mã OTP")
    # Drafting a notice to citizens is an admin's job.
    expect(rising.first.get_by_role("button")).to_have_count(0)


def test_an_admin_drafts_the_warning_notice_for_that_commune_in_one_click(
    stack: Stack, wide_page: Page, period: tuple[date, date]
) -> None:
    _open(wide_page, stack, ADMIN, period)
    wide_page.get_by_role(
        "button", name=re.compile("^Soạn thông báo cảnh báo cho .*Thành Vinh")
    ).click()

    expect(wide_page.locator("#notices-panel")).to_be_visible()
    text = wide_page.locator("#notice-text")
    expect(text).to_be_focused()
    expect(text).to_have_value(re.compile(r"^Cảnh báo lừa đảo tại .*Thành Vinh.*OTP"))
    expect(wide_page.locator("#notice-province")).to_have_value(NGHE_AN)
    # Nothing was sent: the notice waits for the admin's preview.
    with httpx.Client(base_url=stack.api_url, timeout=30) as client:
        token = client.post(
            "/api/staff/login", json={"username": ADMIN, "password": PASSWORD}
        ).json()["access_token"]
        notices = client.get(
            "/api/staff/notices", headers={"Authorization": f"Bearer {token}"}
        )
    assert notices.status_code == 200, notices.text
    assert not [n for n in notices.json() if "Thành Vinh" in str(n)]


def test_the_report_says_how_many_residents_asked_about_a_suspected_scam(
    stack: Stack, period: tuple[date, date]
) -> None:
    start, end = period
    with httpx.Client(base_url=stack.api_url, timeout=30) as client:
        token = client.post(
            "/api/staff/login", json={"username": ANALYST, "password": PASSWORD}
        ).json()["access_token"]
        summary = client.get(
            "/api/staff/reports/summary",
            params={"from": start.isoformat(), "to": end.isoformat()},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert summary.status_code == 200, summary.text
    assert "Trợ lý đã cảnh báo 5 lượt người dân hỏi về tình huống nghi lừa đảo" in str(
        summary.json()
    )
