"""Notices, helper-mode link codes and the community teams' figures on the staff
dashboard, in headless Chromium.

An admin previews a notice for a province (the counts per channel and the text as
citizens read it), sees the send button refuse an edited text or area, sends it after
a confirm step and reads the log; a community member gets the one-time code that links
their own chat; an analyst reads the "Hỗ trợ trực tiếp" figures of the period and area
and never sees the notices. Subscribers, tickets and helper sessions are written
straight into the database. Only the gateway is needed (served here in a thread on a
fresh SQLite database, Telegram and Zalo not connected), not Rasa or the action server.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.channels.models import ChannelContact
from api.citizen.models import CitizenProfile
from api.core.db import make_engine
from api.handoff.models import HandoffMessage, HandoffTicket, Resolution
from api.helper_mode.models import HelperSession, LinkCode, ResidentGroup
from api.knowledge.models import KnowledgeEntry
from api.notices.models import Notice, NoticeDelivery, NoticeSubscription
from api.notices.wording import notice_text
from api.staff.models import Role
from api.staff.service import create_staff
from tests import factories
from tests.stack.conftest import ARTIFACTS
from tests.stack.inprocess import (
    Gateway,
    no_problems,
    seeded_database,
    served_gateway,
    watch,
)

pytestmark = pytest.mark.stack

VIETNAM = timezone(timedelta(hours=7))
PASSWORD = secrets.token_urlsafe(12)
ADMIN, ANALYST, MEMBER = "cp-admin", "cp-analyst", "cp-thanh-sen"
HA_TINH, NGHE_AN, HA_NOI = "42", "40", "01"
THANH_SEN, TRAN_PHU = "18073", "18100"
LEVEL2 = "vneid_activate_level2"
WARNING = (
    "Cảnh báo: kẻ gian giả danh Công an gọi điện yêu cầu cài ứng dụng lạ. Không làm "
    "theo, không cung cấp mã OTP."
)
ZALO_RULE = "1 người theo dõi Zalo quá 48 giờ không gửi được theo quy định của Zalo"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """The gateway alone on a spare loopback port: seeds/ loaded (answers, places), an
    admin, an analyst and a member of the Thành Sen team; no messaging channel
    connected, so a notice's deliveries end as "failed:channel_off"."""
    workdir: Path = tmp_path_factory.mktemp("community-pages")
    url, engine = seeded_database(workdir, "community.sqlite3")
    with Session(engine) as session:
        create_staff(session, ADMIN, PASSWORD, Role.ADMIN)
        create_staff(session, ANALYST, PASSWORD, Role.ANALYST)
        create_staff(session, MEMBER, PASSWORD, Role.COMMUNITY, [THANH_SEN])
    engine.dispose()
    with served_gateway(url, "stack-community-pages-secret") as base:
        yield Gateway(base, url)


@pytest.fixture
def db(gateway: Gateway) -> Iterator[Session]:
    """A session on the gateway's database, with nothing left by an earlier test."""
    engine = make_engine(gateway.database_url)
    with Session(engine) as session:
        for model in (
            NoticeDelivery,
            Notice,
            NoticeSubscription,
            ChannelContact,
            CitizenProfile,
            HandoffMessage,
            HandoffTicket,
            HelperSession,
            LinkCode,
        ):
            session.execute(delete(model))
        session.commit()
        yield session
    engine.dispose()


def subscribe(
    session: Session,
    channel: str,
    citizen: str,
    province: str,
    last_wrote: timedelta = timedelta(hours=1),
) -> None:
    """A citizen who typed "nhận thông báo" and whose province the assistant knows."""
    now = datetime.now(timezone.utc)
    session.add(
        ChannelContact(
            channel=channel,
            user_pseudonym=citizen,
            address=f"{channel}-address-{citizen}",
            last_inbound_at=now - last_wrote,
        )
    )
    session.add(
        NoticeSubscription(channel=channel, user_pseudonym=citizen, subscribed_at=now)
    )
    session.add(CitizenProfile(user_pseudonym=citizen, province_code=province))
    session.commit()


def login(page: Page, gateway: Gateway, username: str, fragment: str = "") -> None:
    page.goto(f"{gateway.url}/staff{fragment}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login button[type=submit]").click()
    expect(page.locator("#dashboard")).to_be_visible()
    expect(page.locator("#me-name")).to_have_text(username)


def fits(page: Page, width: int) -> None:
    """Nothing wider than the screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def preview(page: Page) -> None:
    page.get_by_role("button", name="Xem trước (chạy thử)").click()


# ---------------------------------------------------------------- notices


def test_an_admin_previews_a_notice_sends_it_after_confirming_and_reads_the_log(
    gateway: Gateway, db: Session, wide_page: Page
) -> None:
    page = wide_page
    problems = watch(page)
    subscribe(db, "telegram", "notice-t1", HA_TINH)
    subscribe(db, "telegram", "notice-t2", NGHE_AN)
    # Last wrote to the OA three days ago: outside Zalo's 48-hour window.
    subscribe(db, "zalo", "notice-z1", NGHE_AN, last_wrote=timedelta(days=3))
    login(page, gateway, ADMIN)

    panel = page.locator("#notices-panel")
    expect(panel).to_be_visible()
    expect(page.locator("#notices-link")).to_be_visible()
    send = page.get_by_role("button", name="Gửi thông báo")
    expect(send).to_be_disabled()
    expect(page.locator("#notice-send-hint")).to_have_text(
        "Bấm “Xem trước (chạy thử)” trước khi gửi."
    )
    expect(panel.locator(".panel-body .empty")).to_have_text("Chưa gửi thông báo nào.")
    area = page.get_by_label("Gửi tới")
    expect(area.locator("option").first).to_have_text("Tất cả người đăng ký")
    # The provinces of the filters, once loaded.
    expect(area.locator(f'option[value="{HA_TINH}"]')).to_have_text("Hà Tĩnh")

    text = page.get_by_label("Nội dung thông báo")
    text.fill(WARNING)
    expect(page.locator("#notice-count")).to_contain_text(f"{len(WARNING)}/1.000 ký tự")
    area.select_option(HA_TINH)
    expect(send).to_be_disabled()
    preview(page)
    counts = page.locator("#notice-counts")
    expect(counts).to_have_text("Sẽ gửi tới 1 người: Telegram 1, Zalo 0.")
    as_sent = page.locator("#notice-as-sent")
    expect(as_sent).to_be_visible()
    assert as_sent.text_content() == notice_text(WARNING)
    expect(send).to_be_enabled()
    expect(page.locator("#notice-send-hint")).to_have_text(
        "Đã xem trước. Bấm “Gửi thông báo” để gửi tới 1 người."
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "notices-preview-1280.png"), full_page=True)

    # Another text, or another area, needs its own preview.
    text.press("End")
    text.press_sequentially("!")
    expect(send).to_be_disabled()
    expect(page.locator("#notice-send-hint")).to_contain_text(
        "đã thay đổi sau lần xem trước"
    )
    text.fill(WARNING)
    area.select_option("")
    expect(send).to_be_disabled()
    preview(page)
    expect(counts).to_have_text(f"Sẽ gửi tới 2 người: Telegram 2, Zalo 0; {ZALO_RULE}.")
    expect(send).to_be_enabled()

    # Nobody to send to: said, and the button stays off.
    area.select_option(HA_NOI)
    preview(page)
    expect(counts).to_have_text(
        "Không có ai để gửi: chưa có người dân nào ở Hà Nội đăng ký nhận thông "
        "báo trên Telegram hoặc Zalo. Nút “Gửi thông báo” chưa dùng được."
    )
    expect(send).to_be_disabled()

    area.select_option(HA_TINH)
    preview(page)
    expect(counts).to_have_text("Sẽ gửi tới 1 người: Telegram 1, Zalo 0.")
    # The confirm step can be declined: nothing is sent.
    send.click()
    confirm = page.locator("#notice-confirm")
    expect(confirm).to_be_visible()
    expect(page.locator("#notice-confirm-text")).to_have_text(
        "Gửi tới 1 người ở Hà Tĩnh?"
    )
    expect(page.get_by_role("button", name="Gửi tới 1 người")).to_be_focused()
    page.get_by_role("button", name="Chưa gửi").click()
    expect(confirm).to_be_hidden()
    expect(send).to_be_focused()
    assert db.scalars(select(Notice)).all() == []

    send.click()
    page.get_by_role("button", name="Gửi tới 1 người").click()
    status = page.locator("#notice-status")
    expect(status).to_contain_text("Đã bắt đầu gửi thông báo số")
    expect(status).to_contain_text("tới 1 người.")
    expect(text).to_have_value("")
    expect(send).to_be_disabled()
    expect(page.locator("#notice-result")).to_be_hidden()

    # The log refreshes until the notice has gone out (Telegram is not connected
    # here, so its one delivery fails).
    rows = page.locator("#notice-log tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    cells = row.locator("td")
    expect(cells.nth(5)).to_have_text("1", timeout=15_000)
    expect(cells.nth(1)).to_have_text("Hà Tĩnh")
    expect(cells.nth(2)).to_have_text(WARNING)
    expect(cells.nth(3)).to_have_text("1")  # recipients
    expect(cells.nth(4)).to_have_text("0")  # sent
    expect(cells.nth(6)).to_have_text("0")  # skipped
    expect(cells.nth(7)).to_have_text(ADMIN)
    [notice] = db.scalars(select(Notice)).all()
    assert (notice.province_code, notice.created_by) == (HA_TINH, ADMIN)
    assert db.scalars(select(NoticeDelivery.status)).all() == ["failed:channel_off"]
    created = notice.created_at.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")
    expect(cells.nth(0)).to_have_text(created)
    fits(page, 1280)
    no_problems(page, problems)


def test_a_notice_being_sent_shows_how_far_it_has_got(
    gateway: Gateway, db: Session, wide_page: Page
) -> None:
    """Issue #20, point 12: the log counts the deliveries dealt with so far, and the
    counts change as the sending goes on (the page looks again by itself)."""
    page = wide_page
    problems = watch(page)
    # Another worker is sending the last one: nothing here finishes the notice.
    notice = factories.notice_being_sent(db, WARNING, ADMIN, "progress-")
    login(page, gateway, ADMIN)
    page.locator("#notices-link").click()
    cells = page.locator("#notice-log tbody tr").first.locator("td")
    expect(cells.nth(4)).to_have_text("Đang gửi: 4/5")
    expect(cells.nth(5)).to_have_text("1")
    page.screenshot(path=str(ARTIFACTS / "notice-progress-1280.png"), full_page=True)

    # The last delivery goes out: the next look shows it.
    last = db.get(NoticeDelivery, (notice.id, "telegram", "progress-4"))
    assert last is not None
    last.status = "sent"
    db.commit()
    expect(cells.nth(4)).to_have_text("Đang gửi: 5/5", timeout=10_000)
    no_problems(page, problems)


def test_on_a_phone_an_empty_notice_is_refused_and_nobody_means_no_send(
    gateway: Gateway, db: Session, page: Page
) -> None:
    problems = watch(page)
    asked: list[str] = []
    page.on(
        "request",
        lambda r: asked.append(r.url) if "/notices/preview" in r.url else None,
    )
    login(page, gateway, ADMIN)
    page.locator("#notices-link").click()
    expect(page.locator("#notices-panel")).to_be_focused()
    expect(page.locator("#notices-panel")).to_be_in_viewport()

    preview(page)
    error = page.locator("#notice-text-error")
    expect(error).to_have_text("Anh/Chị nhập nội dung thông báo.")
    text = page.get_by_label("Nội dung thông báo")
    expect(text).to_have_attribute("aria-invalid", "true")
    expect(text).to_be_focused()
    assert asked == []

    text.fill(WARNING)
    preview(page)
    expect(error).to_be_hidden()
    expect(page.locator("#notice-counts")).to_have_text(
        "Không có ai để gửi: chưa có người dân nào đăng ký nhận thông báo trên "
        "Telegram hoặc Zalo. Nút “Gửi thông báo” chưa dùng được."
    )
    expect(page.get_by_role("button", name="Gửi thông báo")).to_be_disabled()
    expect(page.locator("#notice-send-hint")).to_have_text("Không có ai để gửi.")
    expect(page.locator("#notices-panel .panel-body .empty")).to_have_text(
        "Chưa gửi thông báo nào."
    )
    fits(page, 390)
    no_problems(page, problems)


# ---------------------------------------------------------------- helper mode


def test_a_community_member_gets_a_link_code_for_helper_mode(
    gateway: Gateway, db: Session, page: Page
) -> None:
    problems = watch(page)
    login(page, gateway, MEMBER)
    helper = page.locator("#helper")
    expect(helper).to_be_visible()
    expect(page.get_by_role("heading", name="Hỗ trợ người dân")).to_be_visible()
    expect(page.locator("#notices-panel")).to_be_hidden()
    expect(page.locator("#analytics")).to_be_hidden()
    steps = helper.locator(".helper-steps li")
    expect(steps).to_have_text(
        [
            "Mở cuộc trò chuyện với trợ lý trên Telegram, Zalo hoặc trang web.",
            "Gõ “liên kết <mã>”.",
            "Khi bắt đầu hỗ trợ một người dân, gõ /hotro; xong gõ /xong.",
        ]
    )

    with page.expect_response(re.compile(r"/api/staff/helper/link-code$")) as answer:
        page.get_by_role("button", name="Lấy mã liên kết").click()
    body = answer.value.json()
    code = body["code"]
    assert re.fullmatch(r"\d{6}", code)
    expect(page.locator("#link-code")).to_have_text(code)
    expect(page.locator("#link-code-instruction")).to_have_text(
        f"Gõ “liên kết {code}” trong cửa sổ trò chuyện với trợ lý."
    )
    expires = datetime.fromisoformat(body["expires_at"]).astimezone(VIETNAM)
    expect(page.locator("#link-code-expiry")).to_contain_text(
        f"hết hạn lúc {expires:%H:%M} (sau 10 phút)"
    )
    expect(steps.nth(1)).to_have_text(f"Gõ “liên kết {code}”.")
    expect(page.get_by_role("button", name="Lấy mã mới")).to_be_visible()
    [stored] = db.scalars(select(LinkCode)).all()
    assert stored.staff_username == MEMBER
    assert stored.code_hash == hashlib.sha256(code.encode()).hexdigest()
    fits(page, 390)
    no_problems(page, problems)


# ---------------------------------------------------------------- figures


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VIETNAM)


def ticket(
    commune: str,
    opened: datetime,
    reply_after: int | None = None,
    close_after: int | None = None,
    resolution: Resolution | None = None,
    escalated: bool = False,
) -> HandoffTicket:
    """A ticket of this page's citizen (see :func:`tests.factories.ticket`)."""
    return factories.ticket(
        commune,
        opened,
        reply_after,
        close_after,
        resolution,
        escalated,
        user="figures-citizen",
    )


def helped(
    commune: str, group: ResidentGroup, task: str, ended: datetime
) -> HelperSession:
    """A finished helper-mode session of this page's member."""
    return factories.helper_session(
        commune, group, task, ended, staff=MEMBER, user="figures-member"
    )


def test_an_analyst_reads_the_community_figures_and_never_sees_the_notices(
    gateway: Gateway, db: Session, wide_page: Page
) -> None:
    page = wide_page
    problems = watch(page)
    asked: list[str] = []

    def record(request: Request) -> None:
        # The API's notice and helper routes (the page's own scripts are loaded for
        # every role; static/staff/notices.js is one of them).
        if "/api/staff/notices" in request.url or "/api/staff/helper/" in request.url:
            asked.append(request.url)

    page.on("request", record)
    today = datetime.now(VIETNAM).date()
    days = [today - timedelta(days=n) for n in range(4)]
    db.add_all(
        [
            ticket(THANH_SEN, at(days[3], 9), 10, 60, Resolution.MET_IN_PERSON),
            ticket(THANH_SEN, at(days[2], 9), 30, 90, Resolution.NO_RESPONSE),
            ticket(TRAN_PHU, at(days[1], 15), 50),
            ticket(TRAN_PHU, at(days[1], 16), escalated=True),
            # Before the period.
            ticket(THANH_SEN, at(today - timedelta(days=45), 9), 5, 10),
            helped(THANH_SEN, ResidentGroup.ELDERLY, LEVEL2, at(days[2], 10)),
            helped(THANH_SEN, ResidentGroup.ELDERLY, LEVEL2, at(days[1], 10)),
            helped(TRAN_PHU, ResidentGroup.FARMER, "other", at(days[1], 11)),
        ]
    )
    db.commit()
    question = db.get(KnowledgeEntry, LEVEL2)
    assert question is not None
    period = f"#from={days[3].isoformat()}&to={today.isoformat()}"
    login(page, gateway, ANALYST, period)

    panel = page.locator("#community-panel")
    expect(
        panel.get_by_role("heading", name="Số liệu hỗ trợ trực tiếp")
    ).to_be_visible()
    expect(page.locator("#k-opened")).to_have_text("4")
    expect(page.locator("#k-opened-note")).to_have_text(
        "đang chờ 1 · đang xử lý 1 · đã đóng 2"
    )
    expect(page.locator("#k-resolved")).to_have_text("1/4")
    expect(page.locator("#k-resolved-note")).to_have_text("đạt 25,0\u00a0%")
    expect(page.locator("#k-escalated")).to_have_text("1")
    expect(page.locator("#k-first-reply")).to_have_text("30 phút")  # 10, 30, 50
    expect(page.locator("#k-first-reply-note")).to_have_text(
        "đóng yêu cầu sau 1 giờ 15 phút (trung vị)"  # 60, 90
    )
    expect(page.locator("#k-assisted")).to_have_text("3")

    groups = page.locator("#k-groups tbody tr")
    expect(groups).to_have_count(7)
    expect(groups.first).to_have_text(re.compile(r"Người cao tuổi\s*2"))
    expect(groups.nth(1)).to_have_text(re.compile(r"Nông dân\s*1"))
    expect(page.locator("#k-tasks tbody tr")).to_have_text(
        [
            re.compile(re.escape(question.question) + r"\s*2"),
            re.compile(r"Việc khác\s*1"),
        ]
    )
    expect(page.locator("#k-communes tbody tr")).to_have_text(
        [
            re.compile(r"Phường Thành Sen\s*2\s*2\s*2"),
            re.compile(r"Phường Trần Phú\s*2\s*0\s*1"),
        ]
    )
    resolutions = page.locator("#k-resolutions tbody tr")
    expect(
        resolutions.filter(has_text="Đã hỗ trợ trực tiếp tại điểm hỗ trợ")
    ).to_have_text(re.compile(r"1$"))
    expect(resolutions.filter(has_text="Không liên lạc được")).to_have_text(
        re.compile(r"1$")
    )

    # The page's filters apply: one commune.
    page.locator("#f-province").select_option(HA_TINH)
    expect(page.locator("#f-commune")).to_be_enabled()
    page.locator("#f-commune").select_option(TRAN_PHU)
    expect(page.locator("#k-opened")).to_have_text("2")
    expect(page.locator("#k-resolved")).to_have_text("0/2")
    expect(page.locator("#k-resolved-note")).to_have_text("đạt 0,0\u00a0%")
    expect(page.locator("#k-first-reply")).to_have_text("50 phút")
    expect(page.locator("#k-first-reply-note")).to_have_text(
        "đóng yêu cầu sau — (trung vị)"
    )
    expect(page.locator("#k-assisted")).to_have_text("1")
    expect(page.locator("#k-communes tbody tr")).to_have_text(
        [re.compile(r"Phường Trần Phú\s*2\s*0\s*1")]
    )
    expect(page.locator("#k-resolutions")).to_be_hidden()
    expect(page.locator("#k-resolutions + .empty")).to_have_text(
        "Chưa có yêu cầu nào được đóng trong kỳ này."
    )
    # A channel: the tickets follow it, the members' own sessions do not.
    page.locator("#f-channel").select_option("zalo")
    expect(page.locator("#k-opened")).to_have_text("0")
    expect(page.locator("#k-resolved-note")).to_have_text("đạt —")
    expect(page.locator("#k-first-reply")).to_have_text("—")
    expect(page.locator("#k-assisted")).to_have_text("1")
    expect(page.locator("#community-channel-note")).to_be_visible()

    fits(page, 1280)

    # Notices and link codes are not the analyst's.
    expect(page.locator("#notices-panel")).to_be_hidden()
    expect(page.locator("#notices-link")).to_be_hidden()
    expect(page.locator("#helper")).to_be_hidden()
    expect(page.get_by_role("heading", name="Thông báo cho người dân")).to_have_count(0)
    assert asked == []
    no_problems(page, problems)


def test_on_a_phone_an_admin_sees_every_section_and_empty_figures_say_so(
    gateway: Gateway, db: Session, page: Page
) -> None:
    problems = watch(page)
    # A period with nothing in it.
    login(page, gateway, ADMIN, "#from=2025-01-01&to=2025-01-31")
    expect(page.locator("#handoff")).to_be_visible()
    expect(page.locator("#helper")).to_be_visible()
    expect(page.locator("#notices-panel")).to_be_visible()
    expect(page.locator("#k-opened")).to_have_text("0")
    expect(page.locator("#k-resolved")).to_have_text("0/0")
    expect(page.locator("#k-resolved-note")).to_have_text("đạt —")
    expect(page.locator("#k-first-reply")).to_have_text("—")
    expect(page.locator("#k-first-reply-note")).to_have_text(
        "đóng yêu cầu sau — (trung vị)"
    )
    expect(page.locator("#k-assisted")).to_have_text("0")
    expect(page.locator("#k-groups")).to_be_hidden()
    expect(page.locator("#k-groups + .empty")).to_have_text(
        "Chưa có lượt hỗ trợ trực tiếp nào trong kỳ này."
    )
    expect(page.locator("#k-communes + .empty")).to_be_visible()
    page.locator("#community-panel").scroll_into_view_if_needed()
    fits(page, 390)
    no_problems(page, problems)
