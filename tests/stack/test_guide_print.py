"""The printable step list of a guided procedure (issue #6) in headless Chromium: the
buttons work, print media hides them, the page prints to an A4 PDF, and nothing is
refused by its Content-Security-Policy. Only the gateway is needed (served here in a
thread on a fresh SQLite database), not Rasa or the action server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from api.cli import migrate
from api.core.db import make_engine
from api.knowledge.seeding import load_entries, seed_knowledge
from tests.conftest import ROOT
from tests.stack.conftest import ARTIFACTS
from tests.stack.inprocess import no_problems, served_gateway, watch

pytestmark = pytest.mark.stack

GUIDE = "vneid_register_level1"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The gateway alone on a spare loopback port, with seeds/ loaded."""
    workdir: Path = tmp_path_factory.mktemp("guides")
    url = f"sqlite:///{workdir / 'guides.sqlite3'}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_knowledge(session, ROOT / "seeds")
    engine.dispose()
    with served_gateway(url, "stack-guides-secret") as base:
        yield base


def test_guide_page_prints_to_an_a4_pdf_without_console_or_csp_errors(
    gateway: str, page: Page
) -> None:
    entries, _ = load_entries(ROOT / "seeds")
    [guide] = [e for e in entries if e.id == GUIDE]
    problems = watch(page)

    response = page.goto(f"{gateway}/huong-dan/{GUIDE}")
    assert response is not None
    assert response.status == 200
    expect(page.locator("h1")).to_have_text(guide.question)
    expect(page.locator("ol.steps > li")).to_have_text(guide.steps)
    # guide.js ran (it shows the buttons) and guide.css applied (large type).
    print_button = page.get_by_role("button", name="In trang này")
    expect(print_button).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "19px"
    page.evaluate("() => { window.print = () => { window.__printed = true; }; }")
    assert page.evaluate("window.__printed === undefined")
    print_button.click()
    assert page.evaluate("window.__printed === true")

    page.emulate_media(media="print")
    expect(print_button).to_be_hidden()
    expect(page.locator(".print-only")).to_be_visible()
    step_px = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('ol.steps li')).fontSize)"
    )
    assert step_px * 0.75 >= 14  # CSS px -> pt: at least 14 pt on paper
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"

    pdf = page.pdf(format="A4")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{GUIDE}.pdf").write_bytes(pdf)  # kept to look at
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 5_000
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 1 <= pages <= 2, pages

    no_problems(page, problems)
