"""The hand-off queue of the staff dashboard (issue #6) in headless Chromium.

A community team member sees the open tickets of their commune, opens one, reads the
citizen's masked conversation, claims it, replies and closes it with a resolution; an
overdue ticket carries its badge; a Zalo reply outside the consultation window says it
was not sent; an analyst never sees the queue. Tickets are written straight into the
database, as the gateway's hand-off dialogue leaves them. Only the gateway is needed
(served here in a thread on a fresh SQLite database, with Zalo on and its API never
reached), not Rasa or the action server.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import (
    Locator,
    Page,
    Request,
    Route,
    expect,
)
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.channels.models import ChannelContact
from api.core.db import make_engine
from api.handoff.models import (
    HandoffMessage,
    HandoffReason,
    HandoffTicket,
    TicketStatus,
)
from api.querylog.models import Outcome, Turn
from api.staff.models import Role
from api.staff.service import create_staff
from api.teams import seed_teams
from tests.conftest import ROOT
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
MEMBER, COLLEAGUE = "tk-thanh-sen", "tk-thanh-sen-2"
ANALYST, ADMIN = "tk-analyst", "tk-admin"
HA_TINH, THANH_SEN, TRAN_PHU = "42", "18073", "18100"
TEAM = "ha-tinh-thanh-sen"
WAITING = "Đang chờ người dân mở lại trang trò chuyện"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """The gateway alone on a spare loopback port: seeds/ loaded (places, the sample
    teams of Hà Tĩnh), two members of the Thành Sen team, an analyst and an admin."""
    workdir: Path = tmp_path_factory.mktemp("tickets")
    url, engine = seeded_database(workdir, "tickets.sqlite3")
    with Session(engine) as session:
        seed_teams(session, ROOT / "seeds")
        for username in (MEMBER, COLLEAGUE):
            create_staff(session, username, PASSWORD, Role.COMMUNITY, [THANH_SEN])
        create_staff(session, ANALYST, PASSWORD, Role.ANALYST)
        create_staff(session, ADMIN, PASSWORD, Role.ADMIN)
    engine.dispose()
    with served_gateway(
        url,
        "stack-tickets-secret",
        # Zalo on, so a reply to a Zalo citizen goes through its window check.
        zalo_app_id="1000200030004000",
        zalo_oa_secret_key="stack-tickets-zalo-secret",
        zalo_access_token="stack-tickets-zalo-token",
        zalo_api_url="http://127.0.0.1:9",
    ) as base:
        yield Gateway(base, url)


@pytest.fixture
def db(gateway: Gateway) -> Iterator[Session]:
    """A session on the gateway's database, with no tickets, turns or contacts left
    by an earlier test."""
    engine = make_engine(gateway.database_url)
    with Session(engine) as session:
        for model in (HandoffMessage, HandoffTicket, Turn, ChannelContact):
            session.execute(delete(model))
        session.commit()
        yield session
    engine.dispose()


def add_ticket(
    session: Session,
    citizen: str,
    commune: str,
    description: str,
    *,
    channel: str = "web",
    reason: HandoffReason = HandoffReason.REQUESTED,
    waited: timedelta = timedelta(minutes=20),
    due_in: timedelta = timedelta(hours=3),
    conversation: tuple[tuple[str, str, Outcome], ...] = (),
) -> int:
    """An open ticket as the hand-off dialogue leaves it, with the citizen's earlier
    turns (masked text, masked reply, outcome); returns its number."""
    now = datetime.now(timezone.utc)
    opened = now - waited
    for index, (text, reply, outcome) in enumerate(conversation):
        session.add(
            Turn(
                created_at=opened - timedelta(minutes=len(conversation) - index),
                channel=channel,
                user_pseudonym=citizen,
                conversation_id=citizen,
                text_masked=text,
                reply_masked=reply,
                intent="faq" if outcome is Outcome.ANSWERED else "nlu_fallback",
                confidence=0.9,
                outcome=outcome,
                latency_ms=120,
                province_code=HA_TINH,
                commune_code=commune,
            )
        )
    ticket = HandoffTicket(
        channel=channel,
        user_pseudonym=citizen,
        status=TicketStatus.OPEN,
        reason=reason,
        province_code=HA_TINH,
        commune_code=commune,
        team_id=TEAM if commune == THANH_SEN else None,
        description=description,
        offered_at=opened - timedelta(minutes=1),
        opened_at=opened,
        claim_due_at=now + due_in,
    )
    session.add(ticket)
    session.flush()
    session.add(
        HandoffMessage(
            ticket_id=ticket.id,
            created_at=opened,
            author="citizen",
            text_masked=description,
            delivery="sent",
        )
    )
    session.commit()
    return ticket.id


def login(page: Page, gateway: Gateway, username: str) -> None:
    page.goto(f"{gateway.url}/staff")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login button[type=submit]").click()
    expect(page.locator("#dashboard")).to_be_visible()
    expect(page.locator("#me-name")).to_have_text(username)


def row(page: Page, number: int) -> Locator:
    return page.locator(f'#ticket-list button[data-id="{number}"]')


def vn_time(moment: datetime) -> str:
    """A moment as the dashboard writes it (hh:mm dd/mm/yyyy, Vietnam time)."""
    return moment.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


def test_a_team_member_claims_replies_to_and_closes_a_ticket_of_their_commune(
    gateway: Gateway, db: Session, wide_page: Page
) -> None:
    page = wide_page
    problems = watch(page)
    number = add_ticket(
        db,
        "tickets-c1",
        THANH_SEN,
        "Không nhận được mã kích hoạt VNeID mức 2, số [SĐT]",
        reason=HandoffReason.NOT_UNDERSTOOD,
        waited=timedelta(hours=2, minutes=15, seconds=20),
        conversation=(
            (
                "kich hoat vneid muc 2 ko dc, sdt [SĐT]",
                "Để kích hoạt tài khoản định danh điện tử mức 2, Anh/Chị…",
                Outcome.ANSWERED,
            ),
            (
                "van ko nhan dc ma, so dinh danh [SỐ ĐỊNH DANH]",
                "Xin lỗi, trợ lý chưa hiểu câu hỏi của Anh/Chị.",
                Outcome.UNSURE,
            ),
        ),
    )
    elsewhere = add_ticket(db, "tickets-c2", TRAN_PHU, "Cần hỗ trợ cài VNeID cho bố mẹ")
    login(page, gateway, MEMBER)

    # The queue is the member's view; statistics are not theirs.
    queue = page.locator("#handoff")
    expect(queue).to_be_visible()
    expect(page.locator("#analytics")).to_be_hidden()
    expect(page.locator("#no-access")).to_be_hidden()
    expect(page.locator("#ticket-list li")).to_have_count(1)
    expect(row(page, elsewhere)).to_have_count(0)
    expect(queue).not_to_contain_text("Trần Phú")
    item = row(page, number)
    expect(item).to_contain_text(f"Số {number}")
    expect(item).to_contain_text("Phường Thành Sen, Hà Tĩnh")
    expect(item).to_contain_text("Trợ lý chưa hiểu 2 lần · Trang web")
    expect(item).to_contain_text("chờ 2 giờ 15 phút")
    expect(item).not_to_contain_text("Quá hạn")
    expect(page.get_by_role("button", name="Đang chờ (1)")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#handoff-count")).to_have_text("(1 đang chờ)")

    item.click()
    detail = page.locator("#ticket")
    expect(page.locator("#ticket-title")).to_have_text(f"Yêu cầu số {number}")
    expect(page.locator("#ticket-title")).to_be_focused()
    expect(page.locator("#ticket-description")).to_have_text(
        "Không nhận được mã kích hoạt VNeID mức 2, số [SĐT]"
    )
    expect(detail.locator(".masked-note")).to_contain_text(
        "Thông tin cá nhân đã được che"
    )
    citizen = page.locator("#ticket-conversation .bubble.citizen .text")
    expect(citizen).to_have_text(
        [
            "kich hoat vneid muc 2 ko dc, sdt [SĐT]",
            "van ko nhan dc ma, so dinh danh [SỐ ĐỊNH DANH]",
        ]
    )
    assistant = page.locator("#ticket-conversation .bubble.assistant")
    expect(assistant).to_have_count(2)
    expect(assistant.last).to_contain_text("Chưa chắc")
    expect(page.locator("#ticket-thread .message")).to_have_count(1)
    # Not claimed yet: nothing to answer or close.
    expect(page.locator("#reply-form")).to_be_hidden()
    expect(page.locator("#close-form")).to_be_hidden()

    page.get_by_role("button", name="Nhận xử lý").click()
    expect(page.locator("#ticket-status")).to_have_text(
        f"Anh/Chị đã nhận yêu cầu số {number}. Hãy trả lời người dân bên dưới."
    )
    reply = page.get_by_label("Trả lời người dân")
    expect(reply).to_be_focused()
    expect(page.get_by_role("button", name="Nhận xử lý")).to_be_hidden()
    expect(page.get_by_role("button", name="Đang chờ (0)")).to_be_visible()
    expect(page.get_by_role("button", name="Đã nhận (1)")).to_be_visible()
    expect(page.locator("#reply-channel-hint")).to_contain_text(
        "khi người dân mở lại trang trò chuyện"
    )

    answer = "Chào Anh/Chị, mời Anh/Chị mang CCCD đến Bộ phận một cửa sáng mai."
    reply.fill(answer)
    expect(page.locator("#reply-hint")).to_contain_text(f"{len(answer)}/2.000 ký tự")
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.locator("#ticket-status")).to_contain_text(WAITING)
    expect(reply).to_have_value("")
    sent = page.locator("#ticket-thread .message").last
    expect(sent).to_contain_text(answer)
    expect(sent).to_contain_text(f"Anh/Chị ({MEMBER})")
    expect(sent.locator(".delivery")).to_have_text(WAITING)
    [delivery] = db.scalars(
        select(HandoffMessage.delivery).where(
            HandoffMessage.ticket_id == number, HandoffMessage.author == MEMBER
        )
    ).all()
    assert delivery == "waiting"
    # The ticket being handled, as at a district office (the test's last screen is
    # the closed list).
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tickets-detail-1280.png"), full_page=True)

    # Closing needs a resolution.
    page.get_by_role("button", name="Đóng yêu cầu").click()
    expect(page.locator("#close-error")).to_have_text(
        "Anh/Chị chọn kết quả xử lý trước khi đóng yêu cầu."
    )
    page.get_by_label("Kết quả xử lý").select_option(label="Đã hướng dẫn qua tin nhắn")
    page.get_by_role("button", name="Đóng yêu cầu").click()
    expect(page.locator("#ticket-status")).to_have_text(
        f"Đã đóng yêu cầu số {number}. Kết quả: Đã hướng dẫn qua tin nhắn."
    )
    expect(page.locator("#reply-form")).to_be_hidden()
    expect(page.locator("#ticket-badges")).to_contain_text("Đã đóng")
    db.expire_all()
    closed = db.get(HandoffTicket, number)
    assert closed is not None
    assert (closed.status, closed.closed_by) == (TicketStatus.CLOSED, MEMBER)
    assert closed.resolution is not None
    assert closed.resolution.value == "guided_remotely"

    # The queue is empty, and the ticket is among the closed ones.
    expect(page.get_by_role("button", name="Đang chờ (0)")).to_be_visible()
    expect(page.get_by_role("button", name="Đã nhận (0)")).to_be_visible()
    page.get_by_role("button", name="Quay lại danh sách").click()
    expect(page.locator("#ticket")).to_be_hidden()
    expect(page.locator("#ticket-list li")).to_have_count(0)
    expect(page.locator("#tickets-queue .empty")).to_have_text(
        "Không có yêu cầu nào đang chờ."
    )
    page.get_by_role("button", name=re.compile("^Đã đóng")).click()
    expect(page.locator("#ticket-list li")).to_have_count(1)
    expect(row(page, number)).to_contain_text("Đã hướng dẫn qua tin nhắn")
    no_problems(page, problems)


def test_on_a_phone_an_overdue_ticket_comes_first_with_its_badge(
    gateway: Gateway, db: Session, page: Page
) -> None:
    problems = watch(page)
    recent = add_ticket(db, "tickets-c3", THANH_SEN, "Hỏi cách nộp thuế đất online")
    overdue = add_ticket(
        db,
        "tickets-c4",
        THANH_SEN,
        "Không đăng nhập được Cổng dịch vụ công",
        reason=HandoffReason.UNHELPFUL,
        channel="telegram",
        waited=timedelta(hours=5, minutes=3),
        due_in=-timedelta(hours=1),
    )
    login(page, gateway, MEMBER)

    rows = page.locator("#ticket-list .ticket-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-id", str(overdue))
    expect(rows.first.locator(".badge.overdue")).to_have_text(
        "Quá hạn — đã báo lên tỉnh"
    )
    expect(rows.first).to_contain_text("Người dân đánh giá chưa hữu ích 2 lần")
    expect(rows.first).to_contain_text("Telegram")
    expect(rows.first).to_contain_text("chờ 5 giờ 3 phút")
    expect(rows.nth(1)).to_have_attribute("data-id", str(recent))
    expect(rows.nth(1).locator(".badge")).to_have_count(0)
    expect(rows.nth(1)).to_contain_text("chờ 20 phút · hạn nhận")

    # Keyboard only; on a phone the ticket takes the list's place.
    rows.first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-title")).to_have_text(f"Yêu cầu số {overdue}")
    expect(page.locator("#ticket-badges")).to_contain_text("Quá hạn — đã báo lên tỉnh")
    expect(page.locator("#ticket-meta")).to_contain_text("đã quá hạn, tỉnh đã được báo")
    expect(page.locator("#tickets-queue")).to_be_hidden()
    expect(page.get_by_role("button", name="Nhận xử lý")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("button", name="Quay lại danh sách").click()
    expect(page.locator("#tickets-queue")).to_be_visible()
    expect(rows.first).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    no_problems(page, problems)


def test_a_reply_to_a_zalo_citizen_outside_the_window_says_it_was_not_sent(
    gateway: Gateway, db: Session, page: Page
) -> None:
    problems = watch(page)
    number = add_ticket(
        db,
        "tickets-c5",
        THANH_SEN,
        "Nhờ hướng dẫn ký số trên điện thoại",
        channel="zalo",
        conversation=(
            ("chu ky so la gi", "Chữ ký số là…", Outcome.ANSWERED),
            ("gặp cán bộ", "Anh/Chị có muốn trợ lý chuyển yêu cầu…", Outcome.ANSWERED),
        ),
    )
    # The citizen last wrote to the OA three days ago: the 48-hour window is closed.
    db.add(
        ChannelContact(
            channel="zalo",
            user_pseudonym="tickets-c5",
            address="zalo-user-5",
            last_inbound_at=datetime.now(timezone.utc) - timedelta(days=3),
        )
    )
    db.commit()
    login(page, gateway, MEMBER)
    row(page, number).click()
    page.get_by_role("button", name="Nhận xử lý").click()
    expect(page.locator("#reply-channel-hint")).to_have_text(
        "Zalo chỉ cho gửi trong 48 giờ kể từ tin nhắn cuối của người dân."
    )
    page.get_by_label("Trả lời người dân").fill("Mời Anh/Chị đến UBND phường.")
    page.get_by_role("button", name="Gửi trả lời").click()
    failure = (
        "Chưa gửi được: đã quá thời hạn 48 giờ của Zalo, hãy liên hệ người dân qua "
        "đầu mối khác"
    )
    expect(page.locator("#reply-error")).to_contain_text(
        failure[0].lower() + failure[1:]
    )
    sent = page.locator("#ticket-thread .message.from-team")
    expect(sent.locator(".delivery.failed")).to_have_text(failure)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    no_problems(page, problems)


def test_a_ticket_a_colleague_claimed_first_says_who_has_it(
    gateway: Gateway, db: Session, wide_page: Page
) -> None:
    page = wide_page
    # The browser reports the refused claim (409) on its console.
    problems = watch(page, allowed=("409",))
    number = add_ticket(db, "tickets-c6", THANH_SEN, "Cần cài ứng dụng ngân hàng")
    login(page, gateway, MEMBER)
    row(page, number).click()
    expect(page.get_by_role("button", name="Nhận xử lý")).to_be_visible()

    colleague = page.request.post(
        f"{gateway.url}/api/staff/login",
        data={"username": COLLEAGUE, "password": PASSWORD},
    ).json()["access_token"]
    taken = page.request.post(
        f"{gateway.url}/api/staff/tickets/{number}/claim",
        headers={"Authorization": f"Bearer {colleague}"},
    )
    assert taken.ok

    page.get_by_role("button", name="Nhận xử lý").click()
    expect(page.locator("#claim-error")).to_have_text(
        f"Yêu cầu này đã được người khác nhận hoặc đã đóng. Người nhận: {COLLEAGUE}."
    )
    expect(page.locator("#ticket-holder")).to_contain_text(
        f"{COLLEAGUE} đã nhận yêu cầu này"
    )
    expect(page.get_by_role("button", name="Nhận xử lý")).to_be_hidden()
    expect(page.locator("#reply-form")).to_be_hidden()
    expect(page.get_by_role("button", name="Đã nhận (1)")).to_be_visible()
    no_problems(page, problems)


def test_the_queue_refreshes_every_minute_and_announces_new_tickets(
    gateway: Gateway, db: Session, wide_page: Page
) -> None:
    page = wide_page
    problems = watch(page)
    page.clock.install()
    login(page, gateway, MEMBER)
    expect(page.locator("#tickets-queue .empty")).to_have_text(
        "Không có yêu cầu nào đang chờ."
    )
    number = add_ticket(db, "tickets-c7", THANH_SEN, "Hỏi về chữ ký số")
    page.clock.run_for(61_000)
    expect(row(page, number)).to_be_visible()
    expect(page.locator("#tickets-status")).to_have_text("Có 1 yêu cầu mới đang chờ.")
    expect(page).to_have_title(re.compile(r"^\(1\) Bảng điều khiển cán bộ"))
    no_problems(page, problems)


def test_a_queue_that_fails_to_load_says_so_and_loads_again(
    gateway: Gateway, db: Session, page: Page
) -> None:
    # The browser reports the refused request (500) on its console.
    problems = watch(page, allowed=("500",))
    number = add_ticket(db, "tickets-c10", THANH_SEN, "Cần hỗ trợ cài VNeID")

    def broken(route: Route) -> None:
        route.fulfill(status=500, json={"detail": {"code": "error", "message": "x"}})

    tickets = re.compile(r"/api/staff/tickets\?")
    page.route(tickets, broken)
    login(page, gateway, MEMBER)
    error = page.locator("#tickets-queue .panel-error")
    expect(error).to_contain_text(
        "Không tải được danh sách yêu cầu. Máy chủ đang gặp sự cố."
    )
    expect(page.locator("#ticket-list")).to_be_hidden()

    page.unroute(tickets, broken)
    error.get_by_role("button", name="Thử lại").click()
    expect(error).to_be_hidden()
    expect(row(page, number)).to_be_visible()
    no_problems(page, problems)


def test_an_analyst_sees_statistics_but_not_the_queue(
    gateway: Gateway, db: Session, wide_page: Page
) -> None:
    page = wide_page
    problems = watch(page)
    asked: list[str] = []

    def record(request: Request) -> None:
        if "/api/staff/tickets" in request.url:
            asked.append(request.url)

    page.on("request", record)
    add_ticket(db, "tickets-c8", THANH_SEN, "Cần hỗ trợ cài VNeID")
    login(page, gateway, ANALYST)
    expect(page.locator("#analytics")).to_be_visible()
    expect(page.locator("#c-turns")).to_have_text("0")
    expect(page.locator("#handoff")).to_be_hidden()
    # The queue's heading; the analysts' own "Số liệu hỗ trợ trực tiếp" is a figure.
    expect(
        page.get_by_role("heading", name=re.compile("^Hỗ trợ trực tiếp"))
    ).to_have_count(0)
    assert asked == []
    no_problems(page, problems)


def test_an_admin_sees_the_queue_above_the_statistics(
    gateway: Gateway, db: Session, wide_page: Page
) -> None:
    page = wide_page
    problems = watch(page)
    number = add_ticket(db, "tickets-c9", TRAN_PHU, "Cần hỗ trợ cài VNeID")
    login(page, gateway, ADMIN)
    expect(page.locator("#handoff")).to_be_visible()
    expect(page.locator("#analytics")).to_be_visible()
    expect(row(page, number)).to_contain_text("Phường Trần Phú, Hà Tĩnh")
    queue_top = page.locator("#handoff").bounding_box()
    stats_top = page.locator("#analytics").bounding_box()
    assert queue_top is not None and stats_top is not None
    assert queue_top["y"] < stats_top["y"]
    no_problems(page, problems)
