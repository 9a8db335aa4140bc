"""The seeds/ validator: the real seeds pass; each kind of bad entry is rejected."""

from __future__ import annotations

import shutil
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.knowledge.seeding import validate_seeds
from tests.conftest import ROOT


def test_committed_seeds_are_valid() -> None:
    assert validate_seeds(ROOT / "seeds") == []


def test_committed_seeds_cover_every_answer_topic() -> None:
    entries = [
        entry
        for path in sorted((ROOT / "seeds" / "knowledge").glob("*.yml"))
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]
    ]
    taxonomy = yaml.safe_load((ROOT / "seeds" / "topics.yml").read_text("utf-8"))
    faq_topics = {t["code"] for t in taxonomy["topics"] if not t.get("intents")}
    faq_topics.add("community_support")  # also has request_human, and FAQ entries
    assert len(entries) >= 120
    assert {e["topic"] for e in entries} == faq_topics


def _entry(**overrides: Any) -> dict[str, Any]:
    entry = {
        "id": "vneid_sample",
        "topic": "vneid_account",
        "question": "Tài khoản định danh điện tử là gì?",
        "answer": "Anh/Chị có thể dùng tài khoản để đăng nhập dịch vụ công.",
        "source_url": "https://vneid.gov.vn/",
        "last_verified": "2026-11-01",
        "related": [],
    }
    entry.update(overrides)
    return entry


def _seeds_with(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    seeds = tmp_path / "seeds"
    (seeds / "knowledge").mkdir(parents=True)
    shutil.copy(ROOT / "seeds" / "topics.yml", seeds / "topics.yml")
    (seeds / "knowledge" / "sample.yml").write_text(
        yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8"
    )
    return seeds


def test_valid_sample_passes(tmp_path: Path) -> None:
    assert validate_seeds(_seeds_with(tmp_path, [_entry()]), date(2026, 11, 22)) == []


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        ([{k: v for k, v in _entry().items() if k != "source_url"}], "source_url"),
        ([_entry(topic="weather")], "unknown topic"),
        ([_entry(), _entry()], "duplicate id"),
        ([_entry(question=unicodedata.normalize("NFD", "Kích hoạt thế nào?"))], "NFC"),
        ([_entry(related=["does_not_exist"])], "related id"),
        ([_entry(last_verified=str(date(2026, 11, 22) + timedelta(days=1)))], "future"),
        ([_entry(source_url="https://example.com/vneid")], "not an official source"),
        ([_entry(source_url="http://vneid.gov.vn/")], "https"),
        ([_entry(answer="chữ " * 81)], "80 words"),
        ([_entry(id="Bad-Id")], "id"),
        ([_entry(extra="x")], "extra"),
    ],
)
def test_validator_rejects(
    tmp_path: Path, entries: list[dict[str, Any]], problem: str
) -> None:
    problems = validate_seeds(_seeds_with(tmp_path, entries), date(2026, 11, 22))
    assert any(problem in p for p in problems), problems
