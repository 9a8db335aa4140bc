"""The lexical retrieval index over the knowledge base (actions/retrieval.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.retrieval import (
    MAX_EXAMPLE_WORDS,
    RetrievalIndex,
    get_index,
    knowledge_texts,
    terms,
)
from tests.conftest import ROOT

TEXTS = {
    "vneid_forgot_password": [
        "Quên mật khẩu tài khoản VNeID thì làm thế nào?",
        "quên mk vneid",
        "lấy lại mật khẩu định danh điện tử",
    ],
    "vneid_activate_level2": [
        "Làm sao kích hoạt tài khoản định danh điện tử mức 2?",
        "kích hoạt vneid mức 2",
    ],
    "digsig_what_is": ["Chữ ký số là gì?", "chữ ký số dùng để làm gì"],
}


def test_terms_fold_like_the_nlu_and_pair_neighbours() -> None:
    assert terms("Quên MK?") == ["quen", "mat", "khau", "quen mat", "mat khau"]
    assert terms("quên mật khẩu") == terms("quen mat khau")


def test_the_answer_sharing_the_messages_words_ranks_first() -> None:
    index = RetrievalIndex(TEXTS)
    ranking = index.rank("em quên mật khẩu vneid rồi, giờ sao ạ")
    assert ranking[0][0] == "vneid_forgot_password"
    assert all(0 < score <= 1 for _, score in ranking)
    assert [s for _, s in ranking] == sorted((s for _, s in ranking), reverse=True)


def test_diacritics_and_shorthand_do_not_change_the_ranking() -> None:
    index = RetrievalIndex(TEXTS)
    assert index.rank("Quên mật khẩu VNeID") == index.rank("quen mk vneid")


def test_unknown_words_rank_nothing_and_the_limit_holds() -> None:
    index = RetrievalIndex(TEXTS)
    assert index.rank("...") == []
    assert index.rank("thời tiết hôm nay") == []
    assert len(index.rank("tài khoản định danh điện tử mật khẩu", limit=1)) == 1


def _knowledge(tmp_path: Path, nlu_blocks: str) -> tuple[Path, Path]:
    """A seeds/ with the one entry x_one and an nlu_data/faq/ with ``nlu_blocks``."""
    seeds, nlu = tmp_path / "seeds", tmp_path / "nlu"
    seeds.mkdir()
    nlu.mkdir()
    (seeds / "a.yml").write_text(
        yaml.safe_dump({"entries": [{"id": "x_one", "question": "Câu hỏi một?"}]}),
        encoding="utf-8",
    )
    (nlu / "a.yml").write_text('version: "3.1"\nnlu:\n' + nlu_blocks, encoding="utf-8")
    return seeds, nlu


def test_knowledge_texts_reads_questions_and_faq_examples_only(tmp_path: Path) -> None:
    seeds, nlu = _knowledge(
        tmp_path,
        "  - intent: faq/x_one\n    examples: |\n      - ví dụ một\n      - vi du mot\n"
        "  - intent: greet\n    examples: |\n      - xin chào\n",
    )
    assert knowledge_texts(seeds, nlu) == {
        "x_one": ["Câu hỏi một?", "ví dụ một", "vi du mot"]
    }


def test_a_story_example_stays_out_of_the_index(tmp_path: Path) -> None:
    story = " ".join(["chuyện"] * MAX_EXAMPLE_WORDS) + " thì sao ạ"
    seeds, nlu = _knowledge(
        tmp_path,
        f"  - intent: faq/x_one\n    examples: |\n      - {story}\n      - ví dụ\n",
    )

    assert knowledge_texts(seeds, nlu) == {"x_one": ["Câu hỏi một?", "ví dụ"]}


def test_examples_staff_linked_and_exported_are_indexed(tmp_path: Path) -> None:
    # `python -m api export-examples` writes nlu_data/reviewed/<day>.yml.
    seeds, nlu = _knowledge(
        tmp_path, "  - intent: faq/x_one\n    examples: |\n      - ví dụ\n"
    )
    (nlu / "reviewed").mkdir()
    (nlu / "reviewed" / "2026-12-06.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: faq/x_one\n    examples: |\n'
        "      - câu một người dân viết\n",
        encoding="utf-8",
    )

    assert knowledge_texts(seeds, nlu) == {
        "x_one": ["Câu hỏi một?", "ví dụ", "câu một người dân viết"]
    }


def test_the_real_index_covers_every_answer_from_seeds_and_nlu_data_only() -> None:
    texts = knowledge_texts()
    seeded = {
        entry["id"]
        for path in (ROOT / "seeds" / "knowledge").glob("*.yml")
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]
    }
    assert set(texts) == seeded
    # Every phrasing is written in seeds/ or nlu_data/: nothing under tests/ (the
    # development and test sets measure the assistant and are never trained on).
    sources = "".join(
        path.read_text(encoding="utf-8")
        for folder in ("seeds/knowledge", "nlu_data")
        for path in (ROOT / folder).rglob("*.yml")
    )
    assert all(text in sources for phrasings in texts.values() for text in phrasings)


@pytest.mark.parametrize(
    ("text", "answer_id"),
    [
        ("lam sao kich hoat vneid muc 2", "vneid_activate_level2"),
        ("quên mật khẩu VNeID", "vneid_forgot_password"),
        ("chữ ký số là gì", "digsig_what_is"),
    ],
)
def test_the_real_index_ranks_canonical_questions_first(
    text: str, answer_id: str
) -> None:
    assert get_index().rank(text)[0][0] == answer_id
