"""Printable step lists of the guided procedures (issue #6): /huong-dan/{id} and
/api/guides/{id}, on SQLite and PostgreSQL. Expected content comes from seeds/ (what
the test database was seeded with) or from the edit each test makes."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.knowledge.models import KnowledgeEntry
from api.knowledge.schemas import EntrySeed
from api.knowledge.seeding import load_entries
from api.knowledge.store import KnowledgeStore
from api.routes.guides import (
    FOOTER_HELP,
    FOOTER_PRINTED,
    NOT_FOUND_DETAIL,
    NOT_FOUND_TEXT,
    PRINT_BUTTON,
)
from tests.api.conftest import staff_token
from tests.conftest import ROOT

GUIDE = "vneid_register_level1"  # a procedure with several steps
VERIFIED_GUIDE = "vneid_activate_level2"  # one checked against its official page
NO_STEPS = "vneid_what_is"  # an answer without steps
VOID_TAGS = {"meta", "link", "br", "img", "input", "hr"}


def admin() -> dict[str, str]:
    """A fresh admin token (module-level ones expire in long runs)."""
    return {"Authorization": f"Bearer {staff_token('admin1', 'admin')}"}


def seed_entry(answer_id: str) -> EntrySeed:
    """The entry as written in seeds/knowledge/*.yml."""
    entries, errors = load_entries(ROOT / "seeds")
    assert not errors
    return next(e for e in entries if e.id == answer_id)


def dd_mm_yyyy(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


class Page(HTMLParser):
    """The parts of a guide page the tests look at, as text (entities decoded)."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.h1 = ""
        self.steps: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.scripts: list[dict[str, str | None]] = []
        self.tags: list[str] = []
        self.elements_with_style: list[str] = []
        self._in: list[str] = []
        self._ol_steps = False
        self._href: str | None = None
        self._link_text = ""
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append(tag)
        if "style" in attributes or any(k.startswith("on") for k in attributes):
            self.elements_with_style.append(tag)
        if tag == "ol" and attributes.get("class") == "steps":
            self._ol_steps = True
        elif tag == "li" and self._ol_steps:
            self.steps.append("")
        elif tag == "a":
            self._href = attributes.get("href") or ""
            self._link_text = ""
        elif tag == "script":
            self.scripts.append(attributes)
        if tag not in VOID_TAGS:
            self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "ol":
            self._ol_steps = False
        elif tag == "a" and self._href is not None:
            self.links.append((self._href, self._link_text))
            self._href = None
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "h1":
            self.h1 += data
        if self._ol_steps and self.steps and "li" in self._in:
            self.steps[-1] += data
        if self._href is not None:
            self._link_text += data


def text_of(markup: str) -> str:
    """The visible text of a page with tags removed and entities decoded."""
    parser = HTMLParser(convert_charrefs=True)
    chunks: list[str] = []
    parser.handle_data = chunks.append  # type: ignore[method-assign]
    parser.feed(markup)
    parser.close()
    return re.sub(r"\s+", " ", "".join(chunks))


def test_guide_page_lists_exactly_the_steps_of_the_entry_in_order(
    client: TestClient,
) -> None:
    seed = seed_entry(GUIDE)
    response = client.get(f"/huong-dan/{GUIDE}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in response.text
    page = Page(response.text)
    assert page.h1 == seed.question
    assert page.steps == seed.steps
    assert len(seed.steps) >= 3
    assert seed.answer in text_of(response.text)


def test_guide_page_shows_the_official_source_and_the_check_date(
    client: TestClient,
) -> None:
    seed = seed_entry(VERIFIED_GUIDE)
    response = client.get(f"/huong-dan/{VERIFIED_GUIDE}")
    page = Page(response.text)
    [(href, label)] = [link for link in page.links if link[0] == seed.source_url]
    assert href == "https://dean06.hanam.gov.vn/tailieu/dk_t5.html"
    assert label == "dean06.hanam.gov.vn/tailieu/dk_t5.html"
    assert seed.status == "verified" and seed.verified_on is not None
    assert (
        f"Đã kiểm tra với trang nguồn ngày: {dd_mm_yyyy(seed.verified_on)}"
        in text_of(response.text)
    )


def test_guide_page_has_a_print_button_and_says_where_to_get_help(
    client: TestClient,
) -> None:
    response = client.get(f"/huong-dan/{GUIDE}")
    text = text_of(response.text)
    assert PRINT_BUTTON in text
    assert FOOTER_PRINTED in text
    assert FOOTER_HELP in text
    page = Page(response.text)
    assert ("http://testserver/", "http://testserver/") in page.links
    # No telephone numbers the data does not hold.
    assert "tel:" not in response.text
    assert not re.search(r"\b0\d{9}\b", text)


def test_every_seeded_procedure_has_a_page_with_all_its_steps(
    client: TestClient,
) -> None:
    entries, _ = load_entries(ROOT / "seeds")
    procedures = [e for e in entries if e.steps]
    assert len(procedures) >= 30
    for entry in procedures:
        response = client.get(f"/huong-dan/{entry.id}")
        assert response.status_code == 200, entry.id
        assert Page(response.text).steps == entry.steps, entry.id


def test_guide_page_shows_an_admin_edit_at_once_and_escapes_it(
    client: TestClient,
) -> None:
    current = client.get(f"/api/staff/answers/{GUIDE}", headers=admin()).json()
    edit = {
        "question": "Đăng ký <script>alert('q')</script> tài khoản?",
        "answer": 'Làm theo các bước "dưới đây" & <b>giữ</b> mã OTP bí mật.',
        "steps": [
            "Mở ứng dụng <img src=x onerror=alert(1)>",
            "Chọn </li></ol><script>alert(2)</script>",
            "Xong & kiểm tra",
        ],
        "source_url": "https://dichvucong.gov.vn/p/home/dvc-huong-dan.html?a=1&b=<2>",
        "verified": True,
    }
    saved = client.put(
        f"/api/staff/answers/{GUIDE}",
        json={**edit, "source_ref": current["source_ref"]},
        headers=admin(),
    )
    assert saved.status_code == 200, saved.text

    response = client.get(f"/huong-dan/{GUIDE}")
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "<img" not in response.text
    assert "<b>" not in response.text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in response.text
    page = Page(response.text)
    assert page.h1 == edit["question"]
    assert page.steps == edit["steps"]
    assert [s for s in page.scripts if s.get("src") != "/static/guide.js"] == []
    assert page.tags.count("img") == 0
    assert page.elements_with_style == []
    assert (
        edit["source_url"],
        "Cổng Dịch vụ công quốc gia – dichvucong.gov.vn/p/home/dvc-huong-dan.html",
    ) in page.links
    today = saved.json()["verified_on"]
    assert (
        f"Đã kiểm tra với trang nguồn ngày: {today[8:]}/{today[5:7]}/{today[:4]}"
        in (text_of(response.text))
    )
    assert edit["answer"] in text_of(response.text)


def test_guide_page_never_links_a_non_web_source(
    client: TestClient, seeded_engine: Any
) -> None:
    # The edit route refuses such a source; the page must not trust the data anyway.
    with Session(seeded_engine) as session:
        session.execute(
            update(KnowledgeEntry)
            .where(KnowledgeEntry.id == GUIDE)
            .values(source_url="javascript:alert(document.cookie)")
        )
        session.commit()
    response = client.get(f"/huong-dan/{GUIDE}")
    assert response.status_code == 200
    page = Page(response.text)
    assert page.links
    assert all(href.startswith("http") for href, _ in page.links)
    assert 'href="javascript:' not in response.text
    assert "Nguồn: javascript:alert(document.cookie)" in text_of(response.text)


@pytest.mark.parametrize(
    "path",
    [
        "/huong-dan/khong_co_huong_dan",  # well-formed, unknown
        f"/huong-dan/{NO_STEPS}",  # an answer, but not a procedure
        "/huong-dan/..%2Fetc%2Fpasswd",
        "/huong-dan/..%2F..%2Fseeds%2Ftopics.yml",
        f"/huong-dan/{GUIDE}%0A",
        "/huong-dan/vneid%0Aregister",
        "/huong-dan/%00",
        f"/huong-dan/{GUIDE.upper()}",
        "/huong-dan/" + "a" * 33,
        "/huong-dan/" + "a" * 5000,
        "/huong-dan/",
    ],
)
def test_guide_page_is_a_polite_404_for_anything_but_a_procedure(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in response.text
    assert NOT_FOUND_TEXT in text_of(response.text)
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "answer_id",
    [
        "..%2Fetc%2Fpasswd",
        "a" * 5000,
        "A_B_C",
        f"{GUIDE}%0A",
        "vneid%0Aregister",
        "x%00yz",
        "ab",
        "%20" + GUIDE,
    ],
)
def test_malformed_ids_are_refused_before_the_database_is_asked(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, answer_id: str
) -> None:
    asked: list[object] = []
    original = KnowledgeStore.get_many

    def spy(self: KnowledgeStore, ids: Any) -> Any:
        asked.append(ids)
        return original(self, ids)

    monkeypatch.setattr(KnowledgeStore, "get_many", spy)
    assert client.get(f"/huong-dan/{answer_id}").status_code == 404
    assert client.get(f"/api/guides/{answer_id}").status_code == 404
    assert asked == []
    # A well-formed id does reach the store (the spy works).
    assert client.get(f"/huong-dan/{GUIDE}").status_code == 200
    assert asked == [[GUIDE]]


def test_guide_json_has_the_steps_source_date_and_print_address(
    client: TestClient,
) -> None:
    seed = seed_entry(GUIDE)
    response = client.get(f"/api/guides/{GUIDE}")
    assert response.status_code == 200
    assert response.json() == {
        "id": GUIDE,
        "question": seed.question,
        "answer": seed.answer,
        "steps": seed.steps,
        "source_url": seed.source_url,
        "verified_on": seed.verified_on.isoformat() if seed.verified_on else None,
        "print_url": f"http://testserver/huong-dan/{GUIDE}",
    }
    printed = client.get(response.json()["print_url"])
    assert printed.status_code == 200
    assert Page(printed.text).steps == seed.steps


@pytest.mark.parametrize(
    "answer_id", ["khong_co_huong_dan", NO_STEPS, "..%2Fetc%2Fpasswd", "a" * 5000]
)
def test_guide_json_is_a_404_with_a_detail_for_anything_but_a_procedure(
    client: TestClient, answer_id: str
) -> None:
    response = client.get(f"/api/guides/{answer_id}")
    assert response.status_code == 404
    assert response.json() == {"detail": NOT_FOUND_DETAIL}


def test_guide_json_is_described_in_the_openapi_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/guides/{answer_id}" in spec["paths"]
    assert not [p for p in spec["paths"] if p.startswith("/huong-dan")]


def test_guide_page_sends_a_strict_content_security_policy(
    client: TestClient,
) -> None:
    response = client.get(f"/huong-dan/{GUIDE}")
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in response.headers["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-cache"
    # Everything the page loads is on the gateway and is there.
    page = Page(response.text)
    assert [s.get("src") for s in page.scripts] == ["/static/guide.js"]
    assert "<style" not in response.text
    assert page.elements_with_style == []
    for asset in ("/static/guide.js", "/static/guide.css"):
        assert asset in response.text
        assert client.get(asset).status_code == 200


def test_print_button_script_and_print_stylesheet(client: TestClient) -> None:
    script = client.get("/static/guide.js").text
    assert "window.print()" in script
    css = client.get("/static/guide.css").text
    print_rules = css[css.index("@media print") :]
    assert "size: A4" in print_rules
    assert ".actions { display: none !important; }" in print_rules
    assert "color: #000" in print_rules
    sizes = [float(s) for s in re.findall(r"font-size:\s*([\d.]+)pt", print_rules)]
    assert sizes
    assert min(sizes) >= 14
