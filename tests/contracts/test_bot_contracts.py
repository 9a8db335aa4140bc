"""Contracts between the Rasa domain, the training data, the actions and seeds/."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk.executor import ActionExecutor

from api.knowledge.seeding import load_entries, load_taxonomy
from tests.conftest import ROOT
from textnorm import fold

# As written in the domain: doubled braces, which Rasa's response generator gives back
# as single ones (tests/bot/test_domain_responses.py renders them).
CHOOSE_TEMPLATE = re.compile(r'^/choose\{\{"answer_id":"([a-z0-9_]+)"\}\}$')
TELEGRAM_CALLBACK_LIMIT = 64


def _yaml_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.yml"))


def _domain() -> dict[str, Any]:
    merged: dict[str, Any] = {"intents": [], "actions": [], "responses": {}}
    for path in _yaml_files("bot/domain"):
        part = yaml.safe_load(path.read_text(encoding="utf-8"))
        merged["intents"] += part.get("intents", [])
        merged["actions"] += part.get("actions", [])
        merged["responses"].update(part.get("responses", {}))
    return merged


def _nlu() -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in _yaml_files("nlu_data"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                lines = [
                    line[2:].strip()
                    for line in block["examples"].splitlines()
                    if line.startswith("- ")
                ]
                examples.setdefault(block["intent"], []).extend(lines)
    return examples


def test_domain_actions_are_exactly_the_registered_actions() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(executor.actions) == set(_domain()["actions"])


def test_every_intent_has_exactly_one_topic() -> None:
    taxonomy = load_taxonomy(ROOT / "seeds")
    owners: dict[str, list[str]] = {}
    for topic in taxonomy.topics:
        for intent in topic.intents:
            owners.setdefault(intent, []).append(topic.code)
    for intent in _domain()["intents"]:
        topics = owners.get(intent, [])
        if intent in taxonomy.answer_intents:  # topic of the answer the turn leads to
            assert topics == [], intent
        else:
            assert len(topics) == 1, intent


def test_every_faq_answer_has_training_examples_and_vice_versa() -> None:
    entries, errors = load_entries(ROOT / "seeds")
    assert errors == []
    faq_intents = {i.removeprefix("faq/") for i in _nlu() if i.startswith("faq/")}
    assert faq_intents == {e.id for e in entries}


def test_training_examples_are_nfc_and_not_shared_between_intents() -> None:
    seen: dict[str, str] = {}
    for intent, lines in _nlu().items():
        for line in lines:
            assert unicodedata.is_normalized("NFC", line), (intent, line)
            key = " ".join(fold(line).split())
            assert seen.setdefault(key, intent) == intent, (line, intent, seen[key])


def test_button_payloads_name_existing_answers_and_fit_telegram() -> None:
    entries, _ = load_entries(ROOT / "seeds")
    ids = {e.id for e in entries}
    for name, variants in _domain()["responses"].items():
        for variant in variants:
            for button in variant.get("buttons", []):
                match = CHOOSE_TEMPLATE.match(button["payload"])
                assert match, (name, button)
                assert match.group(1) in ids, (name, button)
                sent = button["payload"].replace("{{", "{").replace("}}", "}")
                assert len(sent.encode()) <= TELEGRAM_CALLBACK_LIMIT


def test_longest_answer_id_fits_telegram_callback_data() -> None:
    entries, _ = load_entries(ROOT / "seeds")
    longest = max((e.id for e in entries), key=len)
    assert (
        len(('/choose{"answer_id":"' + longest + '"}').encode())
        <= TELEGRAM_CALLBACK_LIMIT
    )


def test_every_intent_has_at_least_15_examples_many_without_diacritics() -> None:
    examples = _nlu()
    short = {i: len(lines) for i, lines in examples.items() if len(lines) < 15}
    assert not short, short
    faq_lines = [
        line for i, lines in examples.items() if i.startswith("faq/") for line in lines
    ]
    unaccented = [line for line in faq_lines if fold(line) == line.lower()]
    assert len(unaccented) >= 0.3 * len(faq_lines)


def test_the_training_data_has_rules_only_as_the_policies_expect() -> None:
    """bot/config.yml has RulePolicy alone: a story added to the training data would
    be learnt by nothing (MemoizationPolicy or TEDPolicy would have to come back)."""
    config = yaml.safe_load((ROOT / "bot" / "config.yml").read_text(encoding="utf-8"))
    assert [p["name"] for p in config["policies"]] == ["RulePolicy"]
    files = _yaml_files("bot/data") + _yaml_files("nlu_data")
    assert files
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        assert "stories" not in data, path
