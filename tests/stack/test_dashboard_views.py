"""Charts and lists of the staff dashboard that must not mislead (issue #20, point 9),
in headless Chromium at phone and desktop widths: the unknown topic / place buckets
are grey, last and off the bars' scale; table headers sit over their columns; the
unanswered inbox shows 20 groups at a time with a count; dates are dd/mm/yyyy in an
English browser too; answer search ranks by the question's words, diacritics
optional. Only the gateway is needed (served in a thread on a fresh SQLite
database), not Rasa or the action server."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from api.querylog.models import Outcome, Turn
from api.querylog.rollup_refresh import rebuild_all
from api.staff.models import Role
from api.staff.service import create_staff
from tests.stack.conftest import ARTIFACTS
from tests.stack.inprocess import (
    no_problems,
    seeded_database,
    served_gateway,
    watch,
)

pytestmark = pytest.mark.stack

VIETNAM = timezone(timedelta(hours=7))
PASSWORD = secrets.token_urlsafe(12)
ADMIN = "views-admin"
HA_TINH, THANH_SEN, NGHE_AN = "42", "18073", "40"
UNANSWERED = 45  # more than two pages of the inbox (20 a page)
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
# Made-up words, one set per message, so that each message is a group of its own.
SYLLABLES = ("ba", "ce", "di", "fo", "gu", "ha", "ke", "li", "mo")


@dataclass(frozen=True)
class Gateway:
    """The gateway's address and the period its known turns were written in."""

    url: str
    start: date
    end: date

    def hash(self) -> str:
        return f"#from={self.start.isoformat()}&to={self.end.isoformat()}"


def vn_date(day: date) -> str:
    """A date as the dashboard must print it (dd/mm/yyyy)."""
    return day.strftime("%d/%m/%Y")


def _turn(day: date, n: int, **fields: object) -> Turn:
    values: dict[str, object] = {
        "created_at": datetime.combine(day, time(10, n % 60), VIETNAM),
        "channel": "web",
        "user_pseudonym": f"views-{n}",
        "conversation_id": f"views-{n}",
        "reply_masked": "…",
        "intent": "faq",
        "confidence": 0.9,
        "latency_ms": 100,
        **fields,
    }
    return Turn(**values)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """Answers and places from seeds/, an admin, and fourteen days of turns in which
    the unknown buckets are far bigger than any real one: 45 unanswered messages of
    unknown topic and place, against 5 about VNeID in Hà Tĩnh and 3 about the public
    service portal in Nghệ An."""
    today = datetime.now(VIETNAM).date()
    start = today - timedelta(days=40)
    while start.day < 13:  # a day an English mm/dd reading cannot take for a month
        start -= timedelta(days=1)
    workdir: Path = tmp_path_factory.mktemp("dashboard-views")
    url, engine = seeded_database(workdir, "views.sqlite3")
    with Session(engine) as session:
        create_staff(session, ADMIN, PASSWORD, Role.ADMIN)
        rows = []
        for n in range(5):
            rows.append(
                _turn(
                    start + timedelta(days=2),
                    n,
                    text_masked="kich hoat vneid muc 2",
                    topic="vneid_account",
                    answer_id="vneid_activate_level2",
                    outcome=Outcome.ANSWERED,
                    province_code=HA_TINH,
                    commune_code=THANH_SEN,
                )
            )
        for n in range(5, 8):
            rows.append(
                _turn(
                    start + timedelta(days=3),
                    n,
                    text_masked="cong dich vu cong la gi",
                    topic="public_service_portal",
                    answer_id="dvc_what_is",
                    outcome=Outcome.ANSWERED,
                    province_code=NGHE_AN,
                )
            )
        for n in range(UNANSWERED):
            a, b = SYLLABLES[n % 9], SYLLABLES[n // 9]
            rows.append(
                _turn(
                    start + timedelta(days=1),
                    100 + n,
                    text_masked=f"z{a}{b}q x{b}{a}w k{a}{a}{b}",
                    intent="nlu_fallback",
                    outcome=Outcome.UNSURE,
                )
            )
        session.add_all(rows)
        session.commit()
        rebuild_all(session)
    engine.dispose()
    # Every test signs in afresh (17 times): more than the login limit per user name.
    with served_gateway(
        url, "stack-dashboard-views-secret", login_attempts_per_user=100
    ) as base:
        yield Gateway(base, start, start + timedelta(days=13))


def _open(
    browser: Browser,
    request: pytest.FixtureRequest,
    width: str,
    locale: str = "vi-VN",
) -> Iterator[Page]:
    w, h = WIDTHS[width]
    context = browser.new_context(locale=locale, viewport={"width": w, "height": h})
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(params=sorted(WIDTHS))
def any_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A Vietnamese browser, once at a phone's width and once at a desktop's."""
    yield from _open(browser, request, request.param)


@pytest.fixture
def desktop_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A Vietnamese browser at a desktop's width."""
    yield from _open(browser, request, "desktop")


@pytest.fixture(params=sorted(WIDTHS))
def english_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """An English (en-US) browser, where a date picker would read mm/dd/yyyy."""
    yield from _open(browser, request, request.param, locale="en-US")


def login(page: Page, gateway: Gateway) -> None:
    page.goto(f"{gateway.url}/staff{gateway.hash()}")
    page.locator("#username").fill(ADMIN)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login button[type=submit]").click()
    expect(page.locator("#me-name")).to_have_text(ADMIN)


def fits(page: Page) -> None:
    """Nothing wider than the screen; the message names what sticks out."""
    wider = page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
          .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
          .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)"""
    )
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wider


# ---------------------------------------------------------------- unknown buckets


def _bars(page: Page, chart: str) -> list[dict[str, object]]:
    """Each bar row of a chart: its classes, title, bar and track widths."""
    result: list[dict[str, object]] = page.evaluate(
        """(chart) => Array.from(document.querySelectorAll(chart + ' .bar-row'))
          .map(g => ({cls: g.getAttribute('class'),
                      title: g.querySelector('title').textContent.replace(/\\s+/g, ' '),
                      bar: Number(g.querySelector('.bar').getAttribute('width')),
                      track: Number(g.querySelector('.track').getAttribute('width'))}))""",
        chart,
    )
    return result


@pytest.mark.parametrize(
    ("chart", "unknown", "longest"),
    [
        ("#topics-chart", "Chưa xác định: 45 lượt hỏi", "Tài khoản định danh"),
        ("#pillars-chart", "Chưa xác định: 45 lượt hỏi", "Danh tính số: 5"),
        ("#places-chart", "Chưa rõ địa bàn: 45 lượt hỏi", "Hà Tĩnh: 5"),
    ],
)
def test_the_unknown_bucket_is_grey_last_and_off_the_scale(
    gateway: Gateway, any_page: Page, chart: str, unknown: str, longest: str
) -> None:
    page = any_page
    problems = watch(page)
    login(page, gateway)
    expect(page.locator(f"{chart} .bar-row").first).to_be_visible()
    bars = _bars(page, chart)

    # Listed after every real bucket, and the only grey one.
    assert str(bars[-1]["title"]).startswith(unknown)
    assert "unknown" in str(bars[-1]["cls"]).split()
    assert not any("unknown" in str(b["cls"]).split() for b in bars[:-1])
    # The longest real bar fills its track: the unknown bucket did not set the scale.
    assert str(bars[0]["title"]).startswith(longest)
    assert bars[0]["bar"] == pytest.approx(bars[0]["track"], abs=0.5)
    # The unknown bar, bigger than the scale, is cut at the track's end and says so.
    assert "cut" in str(bars[-1]["cls"]).split()
    assert bars[-1]["bar"] == pytest.approx(bars[-1]["track"], abs=0.5)
    expect(page.locator(f"{chart} .bar-row.unknown text").first).to_contain_text(
        "(vượt thang đo)"
    )
    expect(page.locator(f"{chart} .chart-note")).to_be_visible()
    # The table below the chart lists it last too.
    panel = page.locator(chart).locator("xpath=..")
    panel.locator("summary").click()
    rows = panel.locator("tbody tr")
    expect(rows.last).to_have_class("unknown")
    expect(rows.last.locator("td").first).to_have_text(unknown.split(":")[0])
    fits(page)
    no_problems(page, problems)


# ---------------------------------------------------------------- table headers


def test_table_headers_sit_over_their_columns(
    gateway: Gateway, desktop_page: Page
) -> None:
    # Desktop only: on a phone the .stack tables show each row as a labelled block.
    page = desktop_page
    problems = watch(page)
    login(page, gateway)
    expect(page.locator("#places-table tbody tr")).to_have_count(3)
    expect(page.locator("#volume-table tbody tr")).to_have_count(14)
    for summary in page.locator("details.table-fallback summary").all():
        summary.click()
    expect(page.locator("#turns tbody tr").first).to_be_attached()
    # Every table with rows: each header aligned like the cells of its column.
    misaligned = page.evaluate(
        """() => {
          const out = [];
          for (const table of document.querySelectorAll('#analytics table')) {
            const head = table.tHead && table.tHead.rows[0];
            const row = table.tBodies[0] && table.tBodies[0].rows[0];
            if (!head || !row || row.cells.length !== head.cells.length) continue;
            if (!table.offsetParent) continue;
            Array.from(head.cells).forEach((th, i) => {
              const a = getComputedStyle(th).textAlign;
              const b = getComputedStyle(row.cells[i]).textAlign;
              if (a !== b) out.push(`${table.id} column ${i + 1}: ${a} over ${b}`);
            });
          }
          return out;
        }"""
    )
    assert misaligned == []
    no_problems(page, problems)


# ---------------------------------------------------------------- inbox


def test_the_inbox_shows_twenty_groups_at_a_time_with_a_count(
    gateway: Gateway, any_page: Page
) -> None:
    page = any_page
    problems = watch(page)
    login(page, gateway)
    groups = page.locator("#inbox-list > .inbox-group")
    more = page.locator("#inbox-more")
    expect(page.locator("#inbox-count")).to_have_text(f"({UNANSWERED} nhóm)")
    expect(groups).to_have_count(20)
    expect(page.locator("#inbox-shown")).to_have_text(
        f"Đang hiện 20 trong {UNANSWERED} nhóm."
    )
    expect(more).to_have_text("Xem thêm 20 nhóm")

    more.click()
    expect(groups).to_have_count(40)
    # The keyboard goes on from the first group just shown.
    expect(groups.nth(20).locator("h3")).to_be_focused()
    expect(more).to_have_text(f"Xem thêm {UNANSWERED - 40} nhóm")

    more.click()
    expect(groups).to_have_count(UNANSWERED)
    expect(more).to_be_hidden()
    expect(page.locator("#inbox-shown")).to_have_text(
        f"Đang hiện {UNANSWERED} trong {UNANSWERED} nhóm."
    )
    fits(page)
    no_problems(page, problems)


# ---------------------------------------------------------------- dates


def test_dates_are_day_month_year_in_an_english_browser(
    gateway: Gateway, english_page: Page
) -> None:
    page = english_page
    # Two filter changes below are refused on purpose; nothing is asked for them.
    problems = watch(page)
    login(page, gateway)
    # The browser really is English: its own date format is month first.
    assert page.evaluate("new Date(2026, 1, 3).toLocaleDateString()") == "2/3/2026"
    assert page.locator("input[type=date]").count() == 0

    start, end = gateway.start, gateway.end
    expect(page.locator("#f-from")).to_have_value(vn_date(start))
    expect(page.locator("#f-to")).to_have_value(vn_date(end))
    expect(page.locator("#filter-summary")).to_contain_text(
        f"từ {vn_date(start)} đến {vn_date(end)}"
    )
    # Dates the dashboard prints, e.g. when an inbox group was asked.
    asked = vn_date(start + timedelta(days=1))
    expect(page.locator(".inbox-group .hint").first).to_contain_text(f"Ngày {asked}")

    # A day typed as day/month/year, without leading zeros, is taken as such.
    later = start + timedelta(days=1)
    page.locator("#f-from").fill(f"{later.day}/{later.month}/{later.year}")
    page.locator("#f-from").press("Enter")
    expect(page).to_have_url(re.compile(f"from={later.isoformat()}"))
    expect(page.locator("#f-from")).to_have_value(vn_date(later))
    expect(page.locator("#filter-summary")).to_contain_text(f"từ {vn_date(later)}")

    # Not a day of the calendar, or month first: said in Vietnamese, nothing changes.
    for typed in (f"31/02/{start.year}", f"{later.month}/{later.day}/{later.year}"):
        page.locator("#f-from").fill(typed)
        page.locator("#f-from").press("Enter")
        expect(page.locator("#filter-error")).to_have_text(
            "“Từ ngày” chưa đúng. Anh/Chị gõ ngày có thật theo dạng ngày/tháng/năm, "
            "ví dụ 05/12/2026."
        )
        expect(page.locator("#f-from")).to_have_attribute("aria-invalid", "true")
        expect(page).to_have_url(re.compile(f"from={later.isoformat()}"))

    # A quick range puts the form right again.
    page.get_by_role("button", name="7 ngày").click()
    today = datetime.now(VIETNAM).date()
    expect(page.locator("#f-from")).to_have_value(vn_date(today - timedelta(days=6)))
    expect(page.locator("#f-to")).to_have_value(vn_date(today))
    expect(page.locator("#filter-error")).to_be_hidden()
    expect(page.locator("#f-from")).not_to_have_attribute("aria-invalid", "true")
    fits(page)
    no_problems(page, problems)


# ---------------------------------------------------------------- answer search


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("kich hoat muc 2", "vneid_activate_level2"),
        ("kích hoạt mức 2", "vneid_activate_level2"),
        ("quen mat khau vneid", "vneid_forgot_password"),
    ],
)
def test_answer_search_ranks_by_the_question_words(
    gateway: Gateway, any_page: Page, query: str, first: str
) -> None:
    page = any_page
    problems = watch(page)
    login(page, gateway)
    rows = page.locator("#answer-list tbody tr")
    expect(rows.first).to_be_attached()
    page.locator("#answer-search").fill(query)
    expect(page.locator("#answer-count")).to_contain_text("Tìm thấy")
    expect(rows.first).to_have_attribute("data-id", first)
    no_problems(page, problems)
