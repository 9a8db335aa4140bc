"""The staff dashboard (issue #5) in headless Chromium, against the running stack.

A known set of query-log turns is written straight into the stack's database, over
fourteen Vietnam-local days about two months ago (two Monday-to-Sunday weeks), so that
no turn of another test (they are all from today) falls into the period the tests look
at. The daily figures are then rebuilt, as after an import of past turns.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Locator, Page, Route, expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.analytics.inbox import SCAN_LIMIT
from api.core.clock import today_local
from api.knowledge.models import KnowledgeEntry
from api.querylog.models import Outcome, Turn
from api.querylog.rollup_refresh import rebuild_all
from api.staff.models import Role
from api.staff.service import create_staff
from tests.conftest import ROOT
from tools.stack import Stack

pytestmark = pytest.mark.stack

VIETNAM = timezone(timedelta(hours=7))
PASSWORD = secrets.token_urlsafe(12)
ADMIN, ANALYST, COMMUNITY = "dash-admin", "dash-analyst", "dash-community"
HA_TINH, NGHE_AN = "42", "40"
THANH_SEN, TRAN_PHU, THANH_VINH = "18073", "18100", "16681"
LEVEL2, DVC, OTP = "vneid_activate_level2", "dvc_what_is", "scam_otp_theft"
FORGOT = "vneid_forgot_password"
EDITED = "scam_online_job"  # no other stack test reads this answer
BUSINESS = ("đăng ký hộ kinh doanh online", "đăng ký hộ kinh doanh online ở đâu")
# Five clearly different unanswered questions (five groups in the inbox).
OFF_TOPIC = (
    "giá xăng hôm nay bao nhiêu",
    "đặt vé tàu tết ở đâu",
    "công thức nấu phở bò",
    "kết quả xổ số miền bắc",
    "lịch thi đấu bóng đá tối nay",
)

# (day in the period, citizen, channel, province, commune, topic, answer id, outcome,
#  feedback, masked text). Citizen c1 also wrote before the period: "quay lại".
# fmt: off
TURNS: list[tuple[Any, ...]] = [
    (-20, "c1", "web", HA_TINH, THANH_SEN, "vneid_account", LEVEL2, "answered", None, "kich hoat vneid"),
    (0, "c1", "web", HA_TINH, THANH_SEN, "vneid_account", LEVEL2, "answered", "helpful", "kích hoạt vneid mức 2"),
    (0, "c1", "web", HA_TINH, THANH_SEN, "vneid_account", LEVEL2, "answered", "not_helpful", "kich hoat vneid muc 2 the nao"),
    (1, "c2", "web", HA_TINH, TRAN_PHU, "public_service_portal", DVC, "answered", "helpful", "cổng dịch vụ công là gì"),
    (2, "c3", "zalo", NGHE_AN, THANH_VINH, "vneid_account", LEVEL2, "answered", "helpful", "làm sao lên mức 2"),
    (2, "c3", "zalo", NGHE_AN, THANH_VINH, "scam_safety", OTP, "answered", "not_helpful", "có nên đưa mã otp không"),
    (3, "c4", "telegram", None, None, None, None, "unsure", None, BUSINESS[0]),
    (4, "c5", "zalo", HA_TINH, THANH_SEN, None, None, "unsure", None, BUSINESS[1]),
    (5, "c2", "web", HA_TINH, TRAN_PHU, "out_of_scope", None, "out_of_scope", None, "thời tiết hôm nay thế nào"),
    (7, "c1", "web", HA_TINH, THANH_SEN, None, None, "unsure", None, "dang ky ho kinh doanh online"),
    (9, "c5", "zalo", HA_TINH, THANH_SEN, "smalltalk", None, "answered", None, "xin chào"),
    (11, "c4", "telegram", None, None, "public_service_portal", DVC, "answered", None, "dvc dùng để làm gì"),
    (12, "c2", "web", HA_TINH, TRAN_PHU, None, FORGOT, "unsure", None, "quen mk vneid lay lai sao"),
    (17, "c2", "web", HA_TINH, TRAN_PHU, "vneid_account", LEVEL2, "answered", None, "vneid muc 2"),
]
# fmt: on


@dataclass(frozen=True)
class Period:
    """The fourteen days the known turns were written in."""

    start: date
    end: date
    turn_ids: dict[str, int]  # masked text -> turn id

    def day(self, offset: int) -> date:
        return self.start + timedelta(days=offset)

    def hash(self, **extra: str) -> str:
        """The dashboard's URL fragment for this period (and more filters)."""
        parts = {"from": self.start.isoformat(), "to": self.end.isoformat(), **extra}
        return "#" + "&".join(f"{k}={v}" for k, v in parts.items())

    def query(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def vn_date(day: date) -> str:
    """A date as the dashboard writes it (dd/mm/yyyy)."""
    return day.strftime("%d/%m/%Y")


@pytest.fixture(scope="module")
def period(stack: Stack) -> Period:
    """Staff accounts and the known turns in the stack's database."""
    today = datetime.now(VIETNAM).date()
    start = today - timedelta(days=60)
    start -= timedelta(days=start.weekday())  # a Monday
    engine = create_engine(stack.env["BDHVS_DATABASE_URL"])
    with Session(engine) as session:
        for username, role in (
            (ADMIN, Role.ADMIN),
            (ANALYST, Role.ANALYST),
            (COMMUNITY, Role.COMMUNITY),
        ):
            create_staff(session, username, PASSWORD, role)
        rows = []
        for offset, citizen, channel, province, commune, *rest in TURNS:
            topic, answer_id, outcome, feedback, text = rest
            day = start + timedelta(days=offset)
            rows.append(
                Turn(
                    created_at=datetime.combine(day, time(12), VIETNAM),
                    channel=channel,
                    user_pseudonym=f"dashboard-{citizen}",
                    conversation_id=f"dashboard-{citizen}",
                    text_masked=text,
                    reply_masked="…",
                    intent="faq" if outcome == "answered" else "nlu_fallback",
                    confidence=0.9,
                    topic=topic,
                    answer_id=answer_id,
                    outcome=Outcome(outcome),
                    latency_ms=120,
                    feedback=feedback,
                    province_code=province,
                    commune_code=commune,
                )
            )
        session.add_all(rows)
        session.commit()
        turn_ids = {t.text_masked: t.id for t in rows}
        # Past days are normally rolled up the day after; these were written late.
        rebuild_all(session)
    engine.dispose()
    return Period(start, start + timedelta(days=13), turn_ids)


def _question(stack: Stack, answer_id: str) -> str:
    engine = create_engine(stack.env["BDHVS_DATABASE_URL"])
    with Session(engine) as session:
        entry = session.get(KnowledgeEntry, answer_id)
        assert entry is not None
        question = entry.question
    engine.dispose()
    return question


@pytest.fixture(scope="module")
def api_as() -> Iterator[Any]:
    """``api_as(stack, username)``: an HTTP client with that staff member's token."""
    clients: list[httpx.Client] = []

    def make(stack: Stack, username: str) -> httpx.Client:
        login = httpx.post(
            f"{stack.api_url}/api/staff/login",
            json={"username": username, "password": PASSWORD},
            timeout=30,
        )
        assert login.status_code == 200, login.text
        client = httpx.Client(
            base_url=stack.api_url,
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
            timeout=30,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _login(page: Page, stack: Stack, username: str, fragment: str = "") -> None:
    page.goto(f"{stack.api_url}/staff{fragment}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login button[type=submit]").click()
    expect(page.locator("#dashboard")).to_be_visible()
    expect(page.locator("#me-name")).to_have_text(username)


def _titles(page: Page, selector: str) -> list[str]:
    """The <title> of each bar or point of a chart (no-break spaces as spaces)."""
    return [
        " ".join(t.split())
        for t in page.locator(f"{selector} > title").all_text_contents()
    ]


def _expect_titles(page: Page, selector: str, expected: list[str]) -> None:
    """Waits until the chart's bars or points have exactly these titles, in order."""
    expect(page.locator(f"{selector} > title")).to_have_text(expected)


def _group(page: Page, sample: str) -> Locator:
    return page.locator(".inbox-group").filter(has_text=f"“{sample}”")


def test_cards_and_charts_show_the_figures_of_the_period(
    stack: Stack, period: Period, wide_page: Page
) -> None:
    page = wide_page
    _login(page, stack, ADMIN, period.hash())

    expect(page.locator("#me-role")).to_have_text("Quản trị")
    expect(page.locator("#c-turns")).to_have_text("12")
    expect(page.locator("#c-citizens")).to_have_text("5")
    expect(page.locator("#c-citizens-note")).to_have_text("4 mới · 1 quay lại")
    expect(page.locator("#c-answered")).to_have_text("58,3 %")
    expect(page.locator("#c-unsure")).to_have_text("33,3 %")
    expect(page.locator("#c-out-of-scope")).to_have_text("8,3 %")
    expect(page.locator("#c-helpful")).to_have_text("60,0 %")
    expect(page.locator("#c-helpful-note")).to_have_text("3 hữu ích · 2 chưa hữu ích")
    expect(page.locator("#filter-summary")).to_contain_text(
        f"từ {vn_date(period.start)} đến {vn_date(period.end)}"
    )

    # Volume: one point per day, then per week (weeks start on Monday).
    points = page.locator("#volume-chart .point")
    expect(points).to_have_count(14)
    assert _titles(page, "#volume-chart .point")[0] == (
        f"{vn_date(period.start)}: 2 lượt hỏi, 2 trả lời được, 0 chưa chắc, "
        "0 ngoài phạm vi, 1 người dân"
    )
    page.locator("#volume-interval").select_option("week")
    _expect_titles(
        page,
        "#volume-chart .point",
        [
            f"Tuần từ {vn_date(period.start)}: 8 lượt hỏi, 5 trả lời được, "
            "2 chưa chắc, 1 ngoài phạm vi, 5 người dân",
            f"Tuần từ {vn_date(period.day(7))}: 4 lượt hỏi, 2 trả lời được, "
            "2 chưa chắc, 0 ngoài phạm vi, 4 người dân",
        ],
    )
    assert "interval=week" in page.url

    bars = "#topics-chart .bar-row"
    expect(page.locator(bars)).to_have_count(6)
    topics = _titles(page, bars)
    # The unknown topic comes last, whatever its size (test_dashboard_views.py).
    assert topics[-1].startswith("Chưa xác định: 4 lượt hỏi (33,3 %)")
    assert (
        "Tài khoản định danh điện tử VNeID: 3 lượt hỏi (25,0 %); trả lời được 3, "
        "chưa chắc 0, ngoài phạm vi 0"
    ) in topics
    assert any(t.startswith("Cổng Dịch vụ công quốc gia: 2 lượt hỏi") for t in topics)

    taxonomy = yaml.safe_load((ROOT / "seeds" / "topics.yml").read_text("utf-8"))
    bars = "#pillars-chart .bar-row"
    expect(page.locator(bars)).to_have_count(len(taxonomy["pillars"]) + 1)
    pillars = _titles(page, bars)
    for expected in (
        "Danh tính số: 3 lượt hỏi (25,0 %)",
        "Phương tiện số: 0 lượt hỏi (0,0 %)",
        "Kỹ năng số: 0 lượt hỏi (0,0 %)",
        "Tài khoản số: 0 lượt hỏi (0,0 %)",
        "Dịch vụ công trực tuyến: 2 lượt hỏi (16,7 %)",
        "An toàn trên không gian mạng: 1 lượt hỏi (8,3 %)",
    ):
        assert expected in pillars

    _expect_titles(
        page,
        "#channels-chart .bar-row",
        [
            "Trang web: 6 lượt hỏi (50,0 %), 2 người dân",
            "Zalo: 4 lượt hỏi (33,3 %), 2 người dân",
            "Telegram: 2 lượt hỏi (16,7 %), 1 người dân",
        ],
    )

    bars = "#places-chart .bar-row"
    expect(page.locator(bars)).to_have_count(3)
    places = _titles(page, bars)
    assert places[0] == "Hà Tĩnh: 8 lượt hỏi, 3 người dân"
    assert sorted(places[1:]) == [
        "Chưa rõ địa bàn: 2 lượt hỏi, 1 người dân",
        "Nghệ An: 2 lượt hỏi, 1 người dân",
    ]

    rows = page.locator("#top-questions tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(_question(stack, LEVEL2))
    expect(rows.first.locator("td").nth(1)).to_have_text("3")
    page.locator("#top-topic").select_option("scam_safety")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(_question(stack, OTP))

    worst = page.locator("#worst-answers tbody tr")
    expect(worst).to_have_count(3)
    expect(worst.first).to_contain_text(_question(stack, OTP))
    expect(worst.first.locator("td").last).to_have_text("0,0 %")
    expect(worst.nth(1).locator("td").last).to_have_text("66,7 %")

    # Every chart has its table: the figures stay readable without the drawing.
    page.locator("#channels-panel summary").click()
    expect(page.locator("#channels-table tbody tr")).to_have_count(3)
    expect(page.locator("#channels-table tbody tr").first).to_have_text(
        re.compile(r"Trang web\s*6\s*2")
    )


def test_filters_change_every_panel_and_stay_in_the_url(
    stack: Stack, period: Period, wide_page: Page
) -> None:
    page = wide_page
    _login(page, stack, ANALYST, period.hash())
    expect(page.locator("#c-turns")).to_have_text("12")

    page.locator("#f-channel").select_option("zalo")
    assert "channel=zalo" in page.url
    expect(page.locator("#c-turns")).to_have_text("4")
    expect(page.locator("#c-citizens-note")).to_have_text("2 mới · 0 quay lại")
    expect(page.locator("#c-answered")).to_have_text("75,0 %")
    expect(page.locator("#c-unsure")).to_have_text("25,0 %")
    expect(page.locator("#c-helpful")).to_have_text("50,0 %")
    _expect_titles(
        page, "#channels-chart .bar-row", ["Zalo: 4 lượt hỏi (100,0 %), 2 người dân"]
    )
    expect(page.locator("#volume-chart .point")).to_have_count(14)
    expect(page.locator(".inbox-group")).to_have_count(1)
    expect(page.locator("#top-questions tbody tr")).to_have_count(2)

    # A province: its communes become choosable and rank the places.
    page.locator("#f-province").select_option(HA_TINH)
    expect(page.locator("#f-commune")).to_be_enabled()
    expect(page.locator(f'#f-commune option[value="{THANH_SEN}"]')).to_have_text(
        "Phường Thành Sen"
    )
    expect(page.locator("#c-turns")).to_have_text("2")
    _expect_titles(
        page, "#places-chart .bar-row", ["Phường Thành Sen: 2 lượt hỏi, 1 người dân"]
    )
    expect(page.locator("#filter-summary")).to_contain_text("· Hà Tĩnh · kênh Zalo")

    # The URL is the view: reloading (or opening a bookmark) shows the same figures.
    page.reload()
    expect(page.locator("#c-turns")).to_have_text("2")
    expect(page.locator("#f-channel")).to_have_value("zalo")
    expect(page.locator("#f-province")).to_have_value(HA_TINH)
    expect(page.locator("#places-level")).to_have_value("commune")
    _expect_titles(
        page, "#places-chart .bar-row", ["Phường Thành Sen: 2 lượt hỏi, 1 người dân"]
    )

    page.locator("#f-channel").select_option("")
    page.locator("#f-commune").select_option(TRAN_PHU)
    expect(page.locator("#c-turns")).to_have_text("3")
    assert f"commune={TRAN_PHU}" in page.url
    expect(page.locator("#filter-summary")).to_contain_text(
        "· Phường Trần Phú, Hà Tĩnh · mọi kênh"
    )

    # A start after the end is refused before anything is asked.
    # Dates are typed as dd/mm/yyyy and count on Enter or when the field is left.
    page.locator("#f-from").fill(vn_date(period.day(12)))
    page.locator("#f-from").press("Enter")
    expect(page.locator("#c-turns")).to_have_text("1")
    page.locator("#f-to").fill(vn_date(period.day(1)))
    page.locator("#f-to").press("Enter")
    expect(page.locator("#filter-error")).to_have_text(
        "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."
    )
    expect(page.locator("#f-to")).to_have_value(vn_date(period.end))
    expect(page.locator("#c-turns")).to_have_text("1")

    quick = page.get_by_role("button", name="7 ngày")
    quick.click()
    today = datetime.now(VIETNAM).date()
    expect(quick).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#f-from")).to_have_value(vn_date(today - timedelta(days=6)))
    expect(page.locator("#f-to")).to_have_value(vn_date(today))
    expect(page.locator("#filter-error")).to_be_hidden()


def test_inbox_actions_take_groups_off_the_open_list(
    stack: Stack, period: Period, wide_page: Page, api_as: Any
) -> None:
    page = wide_page
    _login(page, stack, ANALYST, period.hash())

    groups = page.locator(".inbox-group")
    expect(groups).to_have_count(3)
    expect(page.locator("#inbox-count")).to_have_text("(3 nhóm)")
    business = _group(page, BUSINESS[0])
    expect(business.locator("h3")).to_have_text("3 câu hỏi tương tự")
    expect(business).to_contain_text("chưa chắc: 3")

    # Keyboard only: focus "Đã xem" and press Enter.
    business.get_by_role("button", name="Đã xem").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#inbox-status")).to_have_text(
        "Đã đánh dấu “Đã xem” cho 3 câu hỏi."
    )
    expect(groups).to_have_count(2)
    expect(_group(page, BUSINESS[0])).to_have_count(0)

    # The group of one message with a suggested answer: queued as an example of it.
    forgot = _group(page, "quen mk vneid lay lai sao")
    select = forgot.get_by_label("Thêm làm câu mẫu cho câu trả lời…")
    expect(select).to_have_value(FORGOT)
    expect(select.locator("option:checked")).to_contain_text("(gợi ý)")
    forgot.get_by_role("button", name="Thêm câu mẫu").click()
    expect(page.locator("#inbox-status")).to_contain_text(
        f"Đã thêm 1 câu làm câu mẫu cho “{_question(stack, FORGOT)}”"
    )
    expect(groups).to_have_count(1)

    _group(page, "thời tiết hôm nay thế nào").get_by_role(
        "button", name="Cần câu trả lời mới"
    ).click()
    expect(page.locator("#inbox-status")).to_have_text(
        "Đã ghi nhận 1 câu hỏi cần câu trả lời mới."
    )
    expect(groups).to_have_count(0)
    expect(page.locator("#inbox-panel .empty")).to_be_visible()

    api = api_as(stack, ANALYST)
    reviewed = api.get(
        "/api/staff/inbox", params={**period.query(), "status": "all"}
    ).json()["groups"]
    statuses = {
        frozenset(g["turn_ids"]): g["status"] for g in reviewed if g["status"] != "open"
    }
    business_ids = frozenset(
        period.turn_ids[t] for t in (*BUSINESS, "dang ky ho kinh doanh online")
    )
    assert statuses[business_ids] == "reviewed"
    assert statuses[frozenset({period.turn_ids["quen mk vneid lay lai sao"]})] == (
        "add_example"
    )
    assert (
        statuses[frozenset({period.turn_ids["thời tiết hôm nay thế nào"]})]
        == "needs_answer"
    )
    still_open = api.get("/api/staff/inbox", params=period.query()).json()
    assert still_open["groups"] == []
    examples = api.get("/api/staff/training-examples").json()["items"]
    assert {"text": "quen mk vneid lay lai sao", "answer_id": FORGOT} in [
        {"text": e["text"], "answer_id": e["answer_id"]} for e in examples
    ]


def test_the_inbox_says_when_it_grouped_only_the_newest_messages(
    stack: Stack, period: Period, wide_page: Page
) -> None:
    """A day with more unanswered messages than the inbox groups at a time."""
    day = period.start - timedelta(days=400)  # no other test looks at it
    first = datetime.combine(day, time(9), VIETNAM)
    engine = create_engine(stack.env["BDHVS_DATABASE_URL"])
    with Session(engine) as session:
        session.add_all(
            Turn(
                created_at=first + timedelta(seconds=i),
                channel="web",
                user_pseudonym=f"many-{i % 40}",
                conversation_id=f"many-{i % 40}",
                text_masked=OFF_TOPIC[i % len(OFF_TOPIC)],
                reply_masked="…",
                intent="nlu_fallback",
                confidence=0.3,
                outcome=Outcome.UNSURE,
                latency_ms=120,
            )
            for i in range(SCAN_LIMIT + 1)
        )
        session.commit()
    engine.dispose()
    page = wide_page
    _login(page, stack, ANALYST, f"#from={day}&to={day}")
    note = page.locator("#inbox-partial")
    expect(note).to_have_text(
        "Kỳ này có hơn 2.000 câu hỏi chưa giải đáp; các nhóm được gom từ 2.000 câu gần"
        " nhất. Anh/Chị xử lý bớt hoặc thu hẹp thời gian, địa bàn để xem các câu cũ hơn."
    )
    expect(page.locator("#inbox-count")).to_have_text("(5 nhóm)")
    page.locator("#f-to").fill(vn_date(period.end))
    page.locator("#f-to").press("Enter")
    page.locator("#f-from").fill(vn_date(period.start))
    page.locator("#f-from").press("Enter")
    # The first change asked for 2 001 messages' groups, which can take a loaded
    # 2-core machine more than the default 5 s; the page drops that late answer and
    # shows the second one's, so this waits for the second.
    expect(note).to_be_hidden(timeout=30_000)


def test_admin_edits_an_answer_and_the_assistant_uses_it(
    stack: Stack, period: Period, wide_page: Page, api_as: Any
) -> None:
    page = wide_page
    api = api_as(stack, ADMIN)
    original = api.get(f"/api/staff/answers/{EDITED}").json()
    new_text = (
        "Anh/Chị cần cảnh giác: việc làm thật không bắt nộp tiền. "
        "Đừng nạp tiền, đừng gửi ảnh căn cước cho người lạ."
    )
    _login(page, stack, ADMIN, period.hash())
    try:
        page.locator("#answer-search").fill("tuyen cong tac vien viec nhe luong cao")
        row = page.locator(f'#answer-list tr[data-id="{EDITED}"]')
        expect(page.locator("#answer-list tbody tr")).to_have_count(1)
        row.get_by_role("button", name=re.compile("^Sửa")).click()
        form = page.locator("#answer-form")
        expect(form).to_be_visible()
        expect(page.locator("#a-question")).to_have_value(original["question"])

        # A homepage is not a source: refused, said next to the field. (Verifying
        # against a page outside the accepted sites is refused too: the API test.)
        page.locator("#a-source-url").fill("https://vneid.gov.vn/")
        form.get_by_role("button", name="Lưu").click()
        error = page.locator("#a-source-url-error")
        expect(error).to_be_visible()
        expect(error).to_contain_text("trang chủ")
        expect(page.locator("#a-source-url")).to_have_attribute("aria-invalid", "true")
        assert api.get(f"/api/staff/answers/{EDITED}").json() == original

        page.locator("#a-source-url").fill(original["source_url"])
        page.locator("#a-answer").fill(new_text)
        form.get_by_role("button", name="Lưu").click()
        expect(page.locator("#a-verified")).not_to_be_checked()
        form.get_by_role("button", name="Lưu").click()
        expect(page.locator("#answer-status")).to_have_text(
            "Đã lưu. Trợ lý dùng nội dung mới từ câu trả lời tiếp theo. Câu trả lời"
            " là bản nháp cho đến khi được kiểm tra với trang nguồn."
        )
        expect(error).to_be_hidden()
        expect(page.locator("#a-check-state")).to_contain_text("Bản nháp")
        expect(page.locator("#answer-meta")).to_contain_text(f"bởi {ADMIN}")

        edited = api.get(f"/api/staff/answers/{EDITED}").json()
        assert edited["answer"] == new_text
        assert edited["updated_by"] == ADMIN
        assert edited["steps"] == original["steps"]
        chat = httpx.post(
            f"{stack.api_url}/api/chat",
            json={
                "sender": "dashboard-edit",
                "text": f'/choose{{"answer_id":"{EDITED}"}}',
            },
            timeout=60,
        ).json()
        assert chat["answer_id"] == EDITED
        assert new_text in chat["messages"][0]["text"]
        # a draft says so, and where to check
        assert "đang chờ cán bộ kiểm tra lại" in chat["messages"][0]["text"]
    finally:
        _restore(api, original)


def _restore(api: Any, original: dict[str, Any]) -> None:
    fields = ("question", "answer", "steps", "source_url", "sources", "source_ref")
    restored = api.put(
        f"/api/staff/answers/{original['id']}",
        json={
            **{key: original[key] for key in fields},
            "verified": original["status"] == "verified",
        },
    )
    assert restored.status_code == 200, restored.text


def test_admin_marks_an_answer_verified_and_reverts_an_edit(
    stack: Stack, period: Period, wide_page: Page, api_as: Any
) -> None:
    page = wide_page
    api = api_as(stack, ADMIN)
    original = api.get(f"/api/staff/answers/{LEVEL2}").json()
    edited_text = "Anh/Chị mở ứng dụng VNeID để kích hoạt tài khoản mức 2 (bản thử)."
    _login(page, stack, ADMIN, period.hash())
    try:
        page.locator("#answer-search").fill(LEVEL2)
        row = page.locator(f'#answer-list tr[data-id="{LEVEL2}"]')
        row.get_by_role("button", name=re.compile("^Sửa")).click()
        form = page.locator("#answer-form")
        page.locator("#a-answer").fill(edited_text)
        form.get_by_role("button", name="Lưu").click()
        expect(page.locator("#a-check-state")).to_contain_text("Bản nháp")
        expect(row).to_contain_text("Bản nháp, chưa kiểm tra")

        # "Đã kiểm tra hôm nay với trang nguồn"
        form.get_by_role("button", name="Đã kiểm tra hôm nay với trang nguồn").click()
        expect(page.locator("#answer-status")).to_have_text(
            "Đã ghi nhận: câu trả lời được kiểm tra hôm nay với trang nguồn."
        )
        today = vn_date(today_local())
        expect(page.locator("#a-check-state")).to_contain_text(today)
        expect(row).to_contain_text("Đã kiểm tra " + today)
        assert api.get(f"/api/staff/answers/{LEVEL2}").json()["verified_by"] == ADMIN

        # The history names who changed what; undoing the edit brings the text back.
        history = page.locator("#answer-history li")
        expect(history).to_have_count(2)
        expect(history.nth(0)).to_contain_text("xác nhận đã kiểm tra")
        expect(history.nth(1)).to_contain_text(f"{ADMIN} · sửa: Nội dung trả lời")
        history.nth(1).get_by_role("button", name=re.compile("^Hoàn tác")).click()
        expect(page.locator("#answer-status")).to_have_text(
            "Đã khôi phục nội dung trước thay đổi này."
        )
        expect(page.locator("#a-answer")).to_have_value(original["answer"])
        restored = api.get(f"/api/staff/answers/{LEVEL2}").json()
        assert restored["answer"] == original["answer"]
        assert restored["status"] == original["status"]
        expect(history.first).to_contain_text("khôi phục")
    finally:
        _restore(api, original)


def test_an_analyst_reads_answers_but_cannot_edit_them(
    stack: Stack, period: Period, wide_page: Page, api_as: Any
) -> None:
    page = wide_page
    _login(page, stack, ANALYST, period.hash())
    expect(page.locator("#me-role")).to_have_text("Phân tích")
    expect(page.locator("#answers-readonly")).to_be_visible()
    expect(page.locator("#handoff")).to_be_hidden()  # the community teams' queue
    expect(page.locator("#answer-list tbody tr").first).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Sửa"))).to_have_count(0)

    page.locator(f'#answer-list tr[data-id="{LEVEL2}"]').get_by_role(
        "button", name=re.compile("^Xem")
    ).click()
    expect(page.locator("#answer-form")).to_be_visible()
    expect(page.locator("#a-answer")).not_to_be_editable()
    expect(
        page.locator("#answer-form").get_by_role("button", name="Lưu")
    ).to_be_hidden()

    answer = api_as(stack, ANALYST).get(f"/api/staff/answers/{LEVEL2}").json()
    fields = ("question", "answer", "steps", "source_url", "source_ref")
    refused = api_as(stack, ANALYST).put(
        f"/api/staff/answers/{LEVEL2}", json={k: answer[k] for k in fields}
    )
    assert refused.status_code == 403


def test_report_downloads_for_the_current_filters_and_summary_copies(
    stack: Stack, period: Period, wide_page: Page
) -> None:
    page = wide_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _login(page, stack, ANALYST, period.hash(channel="zalo"))
    expect(page.locator("#c-turns")).to_have_text("4")

    with page.expect_download() as xlsx:
        page.get_by_role("button", name="Tải tệp Excel (XLSX)").click()
    download = xlsx.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as file:
        assert file.read(2) == b"PK"  # an XLSX file is a zip archive
    expect(page.locator("#export-status")).to_contain_text("Đã tải tệp XLSX")

    with page.expect_download() as csv:
        page.get_by_role("button", name="Tải tệp CSV").click()
    assert csv.value.suggested_filename.endswith(".csv")
    with open(csv.value.path(), "rb") as file:
        assert file.read().strip()

    summary = page.locator("#summary-text")
    expect(summary).not_to_be_empty()
    page.get_by_role("button", name="Sao chép").click()
    expect(page.locator("#summary-status")).to_have_text("Đã sao chép đoạn tóm tắt.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == summary.text_content()


def test_a_community_member_sees_the_hand_off_queue_and_no_statistics(
    stack: Stack, period: Period, page: Page
) -> None:
    _login(page, stack, COMMUNITY)
    # Their main view (tests/stack/test_tickets_page.py goes through it); this account
    # serves no commune, so the queue is empty.
    expect(
        page.get_by_role("heading", name=re.compile("^Hỗ trợ trực tiếp"))
    ).to_be_visible()
    expect(page.locator("#tickets-queue .empty")).to_have_text(
        "Không có yêu cầu nào đang chờ."
    )
    expect(page.locator("#no-access")).to_be_hidden()
    expect(page.locator("#analytics")).to_be_hidden()
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#dashboard")).to_be_hidden()


def test_on_a_phone_a_failing_panel_says_so_and_the_others_work(
    stack: Stack, period: Period, page: Page
) -> None:
    def broken(route: Route) -> None:
        route.fulfill(status=500, json={"detail": {"code": "error", "message": "x"}})

    topics = re.compile(r"/api/staff/analytics/topics\?")
    page.route(topics, broken)
    _login(page, stack, ADMIN, period.hash())

    error = page.locator("#topics-panel .panel-error")
    expect(error).to_contain_text("Máy chủ đang gặp sự cố.")
    expect(page.locator("#topics-chart")).to_be_hidden()
    expect(page.locator("#c-turns")).to_have_text("12")
    expect(page.locator("#channels-chart .bar-row")).to_have_count(3)

    page.unroute(topics, broken)
    error.get_by_role("button", name="Thử lại").click()
    expect(error).to_be_hidden()
    expect(page.locator("#topics-chart .bar-row")).to_have_count(6)

    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
