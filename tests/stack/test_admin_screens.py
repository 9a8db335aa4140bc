"""The admin screens of the staff dashboard (admin.js), in headless Chromium: staff
accounts (create with role and communes, change communes, lock), the community
teams' directory (edit, create, a refusal explained in Vietnamese) and the queue of
training examples (accept, reject), at phone and desktop widths, with axe-core finding
nothing serious. Only the gateway is needed (served in a thread on a fresh SQLite
database), not Rasa or the action server."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.core.db import make_engine
from api.querylog.models import ExampleDecision, Outcome, TrainingExample, Turn
from api.staff.models import Role, StaffUser
from api.staff.service import create_staff
from api.teams import seed_teams
from api.teams.models import CommunityTeam
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

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = secrets.token_urlsafe(12)
ADMIN, ANALYST = "qt-admin", "qt-analyst"
THANH_SEN, TRAN_PHU, KY_ANH = "18073", "18100", "18775"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """The gateway alone: seeds/ loaded (answers, places, the sample teams), an admin
    and an analyst."""
    workdir: Path = tmp_path_factory.mktemp("admin-screens")
    url, engine = seeded_database(workdir, "admin.sqlite3")
    with Session(engine) as session:
        seed_teams(session, ROOT / "seeds")
        create_staff(session, ADMIN, PASSWORD, Role.ADMIN)
        create_staff(session, ANALYST, PASSWORD, Role.ANALYST)
    engine.dispose()
    with served_gateway(url, "stack-admin-screens-secret") as base:
        yield Gateway(base, url)


@pytest.fixture
def db(gateway: Gateway) -> Iterator[Session]:
    """A session on the gateway's database, without examples left by another test."""
    engine = make_engine(gateway.database_url)
    with Session(engine) as session:
        session.execute(delete(TrainingExample))
        session.commit()
        yield session
    engine.dispose()


def login(page: Page, gateway: Gateway, username: str) -> None:
    page.goto(f"{gateway.url}/staff")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login button[type=submit]").click()
    expect(page.locator("#me-name")).to_have_text(username)


def fits(page: Page, width: int) -> None:
    """Nothing wider than the screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def serious_axe_violations(page: Page, name: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings in the admin panel (the rest of the
    dashboard is checked by its own tests); the full result is kept in artifacts."""
    # Evaluated through the driver, not added as a <script>: the dashboard's
    # Content-Security-Policy (kept on here) refuses inline scripts.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result: dict[str, Any] = page.evaluate(
        "async () => { const r = await axe.run('#admin-panel',"
        " {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}__axe.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def _account(db: Session, username: str) -> StaffUser:
    db.expire_all()
    user = db.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user is not None
    return user


# ---------------------------------------------------------------- accounts


def test_an_admin_creates_a_community_account_changes_its_communes_and_locks_it(
    gateway: Gateway, db: Session, wide_page: Page
) -> None:
    page = wide_page
    # The taken user name below is refused on purpose (the browser logs the 409).
    problems = watch(page, allowed=("status of 409",))
    login(page, gateway, ADMIN)
    panel = page.locator("#admin-panel")
    expect(panel).to_be_visible()
    rows = page.locator("#accounts tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=ANALYST).locator("td").nth(1)).to_have_text("Phân tích")

    page.get_by_role("button", name="Thêm tài khoản").click()
    form = page.locator("#account-form")
    expect(page.locator("#account-form-title")).to_have_text("Thêm tài khoản cán bộ")
    # Nothing filled in: every problem is said next to its field, nothing is sent.
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#account-username-error")).to_contain_text(
        "Tên đăng nhập cần 3–80 ký tự"
    )
    expect(page.locator("#account-password-error")).to_have_text(
        "Mật khẩu cần ít nhất 10 ký tự."
    )
    expect(page.locator("#account-places-error")).to_have_text(
        "Tài khoản của Tổ công nghệ số cộng đồng cần ít nhất một xã, phường phụ trách."
    )
    expect(form.get_by_label("Tên đăng nhập", exact=True)).to_be_focused()

    form.get_by_label("Tên đăng nhập", exact=True).fill("to.thanhsen")
    page.locator("#account-password").fill("một mật khẩu đủ dài")
    page.locator("#account-province").select_option(label="Hà Tĩnh")
    page.get_by_label("Tìm xã, phường").first.fill("thanh sen")
    communes = page.locator("#account-communes li")
    expect(communes).to_have_count(1)
    page.get_by_role("checkbox", name="Phường Thành Sen", exact=True).check()
    expect(page.locator("#account-places-chosen")).to_contain_text("Phường Thành Sen")
    violations = serious_axe_violations(page, "admin_account_form_desktop")
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#accounts-status")).to_have_text(
        "Đã tạo tài khoản to.thanhsen."
    )
    expect(form).to_be_hidden()
    row = rows.filter(has_text="to.thanhsen")
    expect(row.locator("td").nth(1)).to_have_text("Tổ công nghệ số cộng đồng")
    expect(row.locator("td").nth(2)).to_have_text("Phường Thành Sen")
    expect(row.locator("td").nth(3)).to_have_text("Đang hoạt động")
    user = _account(db, "to.thanhsen")
    assert (user.role, user.communes, user.active) == (
        Role.COMMUNITY,
        [THANH_SEN],
        True,
    )

    # A second commune, then the account is locked.
    row.get_by_role("button", name="Sửa tài khoản to.thanhsen").click()
    expect(page.locator("#account-form-title")).to_have_text(
        "Sửa tài khoản to.thanhsen"
    )
    expect(page.locator("#account-province")).to_have_value("42")
    page.locator("#account-commune-search").fill("tran phu")
    page.get_by_role("checkbox", name="Phường Trần Phú", exact=True).check()
    page.get_by_label("Tài khoản đang hoạt động", exact=False).uncheck()
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#accounts-status")).to_have_text(
        "Đã lưu tài khoản to.thanhsen."
    )
    expect(row.locator("td").nth(2)).to_have_text("Phường Thành Sen, Phường Trần Phú")
    expect(row.locator("td").nth(3)).to_have_text("Đã khóa")
    user = _account(db, "to.thanhsen")
    assert (user.communes, user.active) == ([THANH_SEN, TRAN_PHU], False)

    # A name already taken: the API's Vietnamese message, shown as it is.
    page.get_by_role("button", name="Thêm tài khoản").click()
    form.get_by_label("Tên đăng nhập", exact=True).fill(ANALYST)
    page.locator("#account-password").fill("một mật khẩu đủ dài")
    page.locator("#account-role").select_option("analyst")
    expect(page.locator("#account-places")).to_be_hidden()
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#account-form-error")).to_have_text(
        f"Tên đăng nhập “{ANALYST}” đã có. Anh/Chị chọn tên khác."
    )
    # The admin's own account cannot be locked or re-roled from here.
    page.get_by_role("button", name="Hủy").first.click()
    rows.filter(has_text=ADMIN).get_by_role("button").click()
    expect(page.locator("#account-role")).to_be_disabled()
    expect(page.locator("#account-active")).to_be_disabled()
    violations += serious_axe_violations(page, "admin_accounts_desktop")
    assert violations == []
    fits(page, 1280)
    no_problems(page, problems)


# ---------------------------------------------------------------- teams


def test_on_a_phone_an_admin_edits_a_team_adds_one_and_reads_a_refusal(
    gateway: Gateway, db: Session, page: Page
) -> None:
    # The commune another team serves is refused on purpose (the browser logs the 422).
    problems = watch(page, allowed=("status of 422",))
    login(page, gateway, ADMIN)
    page.locator("#admin-link").click()
    expect(page.locator("#admin-panel")).to_be_focused()
    teams = page.locator("#teams tbody tr")
    expect(teams).to_have_count(5)
    thanh_sen = teams.filter(has_text="Tổ công nghệ số cộng đồng phường Thành Sen")
    expect(thanh_sen.locator("td").nth(2)).to_have_text("Phường Thành Sen")
    expect(thanh_sen.locator("td").nth(1)).to_have_text("Hà Tĩnh")

    thanh_sen.get_by_role("button").click()
    form = page.locator("#team-form")
    expect(page.locator("#team-province")).to_be_disabled()
    expect(page.locator("#team-hours-sat")).to_have_value("07:30-11:30")
    page.locator("#team-hours-sun").fill("7:30 - 10:30")
    page.get_by_label("Điểm hỗ trợ (nơi người dân đến gặp tổ)").fill(
        "Nhà văn hóa tổ dân phố 1, phường Thành Sen"
    )
    violations = serious_axe_violations(page, "admin_team_form_phone")
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#teams-status")).to_have_text(
        "Đã lưu Tổ công nghệ số cộng đồng phường Thành Sen."
    )
    db.expire_all()
    team = db.get(CommunityTeam, "ha-tinh-thanh-sen")
    assert team is not None
    assert team.office_hours["sun"] == ["07:30-10:30"]
    assert team.meeting_point == "Nhà văn hóa tổ dân phố 1, phường Thành Sen"
    assert team.updated_by == ADMIN

    # A new team for a commune another team serves: refused, said in Vietnamese.
    page.get_by_role("button", name="Thêm tổ").click()
    page.get_by_label("Mã tổ").fill("ha-tinh-ky-anh")
    page.get_by_label("Tên tổ").fill("Tổ công nghệ số cộng đồng xã Kỳ Anh")
    page.locator("#team-province").select_option(label="Hà Tĩnh")
    page.locator("#team-commune-search").fill("ky anh")
    page.get_by_role("checkbox", name="Xã Kỳ Anh", exact=True).check()
    page.locator("#team-commune-search").fill("tran phu")
    page.get_by_role("checkbox", name="Phường Trần Phú", exact=True).check()
    page.locator("#team-hours-mon").fill("7:30-11:30, 13:30-17:00")
    page.locator("#team-hours-tue").fill("sáng thứ ba")
    page.get_by_label("Điểm hỗ trợ (nơi người dân đến gặp tổ)").fill(
        "Trung tâm Phục vụ hành chính công xã Kỳ Anh"
    )
    page.get_by_label("Đầu mối liên hệ").fill("Bộ phận một cửa, UBND xã Kỳ Anh")
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#team-hours-error")).to_contain_text(
        "Giờ làm việc chưa hợp lệ"
    )
    expect(page.locator("#team-hours-tue")).to_have_attribute("aria-invalid", "true")
    page.locator("#team-hours-tue").fill("")
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#team-form-error")).to_have_text(
        f"Xã, phường mã {TRAN_PHU} đã do Tổ công nghệ số cộng đồng phường Trần Phú "
        "phụ trách."
    )
    page.get_by_role("button", name="Bỏ Phường Trần Phú").click()
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#teams-status")).to_have_text(
        "Đã thêm Tổ công nghệ số cộng đồng xã Kỳ Anh."
    )
    expect(teams).to_have_count(6)
    db.expire_all()
    created = db.get(CommunityTeam, "ha-tinh-ky-anh")
    assert created is not None
    assert (created.communes, created.province_code) == ([KY_ANH], "42")
    assert created.office_hours == {"mon": ["07:30-11:30", "13:30-17:00"]}
    violations += serious_axe_violations(page, "admin_teams_phone")
    assert violations == []
    fits(page, 390)
    no_problems(page, problems)


# ---------------------------------------------------------------- training examples


@pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
def test_an_admin_accepts_and_rejects_queued_examples(
    gateway: Gateway, db: Session, browser: Browser, width: int
) -> None:
    db.add_all(
        [
            TrainingExample(
                text="kich hoat muc 2 o dau vay",
                answer_id="vneid_activate_level2",
                created_by=ANALYST,
            ),
            TrainingExample(
                text="con meo nha toi bi om",
                answer_id="vneid_activate_level2",
                created_by=ANALYST,
            ),
        ]
    )
    db.commit()
    context = browser.new_context(
        locale="en-US", viewport={"width": width, "height": 844}
    )
    page = context.new_page()
    try:
        problems = watch(page)
        login(page, gateway, ADMIN)
        items = page.locator("#examples li")
        expect(items).to_have_count(2)
        expect(page.locator("#examples-count")).to_have_text("(2)")
        first = items.filter(has_text="kich hoat muc 2 o dau vay")
        expect(first).to_contain_text("Cho câu trả lời:")
        # dd/mm/yyyy whatever the browser's language (this one is en-US).
        expect(first).to_contain_text(f"Do {ANALYST} thêm lúc")
        assert first.locator(".hint").nth(1).text_content() is not None
        stamp = (first.locator(".hint").nth(1).text_content() or "").rsplit(" ", 1)[-1]
        assert len(stamp) == 10 and stamp[2] == "/" and stamp[5] == "/", stamp
        violations = serious_axe_violations(page, f"admin_examples_{width}")

        first.get_by_role("button", name="Nhận").click()
        expect(page.locator("#examples-status")).to_contain_text(
            "Đã nhận câu mẫu “kich hoat muc 2 o dau vay”."
        )
        expect(items).to_have_count(1)
        items.first.get_by_role("button", name="Bỏ").click()
        expect(items).to_have_count(0)
        expect(page.locator("#examples-empty")).to_have_text(
            "Không có câu mẫu nào chờ duyệt."
        )
        db.expire_all()
        decided = {e.text: e.decision for e in db.scalars(select(TrainingExample))}
        assert decided == {
            "kich hoat muc 2 o dau vay": ExampleDecision.ACCEPTED,
            "con meo nha toi bi om": ExampleDecision.REJECTED,
        }
        assert violations == []
        fits(page, width)
        no_problems(page, problems)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / f"admin_examples_{width}.png"), full_page=True
        )
    finally:
        context.close()


def test_an_analyst_never_sees_the_admin_screens_and_reads_the_checked_confidence(
    gateway: Gateway, db: Session, page: Page
) -> None:
    # An unsure FAQ turn: the intent is certain (1,00), the answer was not (0,41).
    db.add(
        Turn(
            channel="web",
            user_pseudonym="p-unsure",
            conversation_id="c-unsure",
            text_masked="kich hoat muc 2 the nao",
            intent="faq",
            confidence=1.0,
            answer_id="vneid_activate_level2",
            answer_confidence=0.41,
            outcome=Outcome.UNSURE,
            latency_ms=120,
        )
    )
    db.commit()
    problems = watch(page)
    login(page, gateway, ANALYST)
    expect(page.locator("#overview-panel")).to_be_visible()
    expect(page.locator("#admin-panel")).to_be_hidden()
    expect(page.locator("#admin-link")).to_be_hidden()
    row = page.locator("#turns tbody tr").filter(has_text="kich hoat muc 2 the nao")
    expect(row.locator("td").nth(4)).to_have_text("Chưa chắc")
    expect(row.locator("td").nth(5)).to_have_text("0,41")
    no_problems(page, problems)
