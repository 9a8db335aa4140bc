"""Contracts between the gateway and the Rasa domain: every intent name the gateway
reads from Rasa's parse or sends as a payload exists in bot/, and the intents the
gateway logs for its own dialogues are not Rasa's.

The gateway is a separate process: renaming an intent in bot/domain/ would not break
an import, only the hand-off, the outcome of a turn or the place question, silently.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from api.channels.telegram import COMMANDS
from api.channels.zalo import FOLLOW_PAYLOAD
from api.citizen.profile import QUESTION_INTENTS
from api.conversation.dialogues.handoff import HANDOFF_INTENT, REQUEST_HUMAN
from api.conversation.dialogues.helper_mode import HELPER_INTENT
from api.conversation.dialogues.place import PLACE_INTENT
from api.conversation.dialogues.scam import ASK_A_PERSON_PAYLOAD, SCAM_INTENT
from api.conversation.dialogues.survey import SURVEY_INTENT
from api.conversation.replies import (
    CLARIFY_INTENTS,
    FALLBACK_INTENT,
    GUIDE_INTENTS,
    GUIDE_NEXT_PAYLOAD,
    OUT_OF_SCOPE_INTENT,
    choose_payload,
)
from api.notices.dialogue import NOTICES_INTENT
from tests.conftest import ROOT

# Intents the gateway reads in Rasa's parse of a message.
READ = {
    "request_human (the offer of a person)": {REQUEST_HUMAN},
    "questions (rating, place question, trip question)": QUESTION_INTENTS,
    "guided procedures (rating, trip question)": GUIDE_INTENTS,
    "the 'chưa chắc' reply (rating)": CLARIFY_INTENTS,
    "outcomes": {OUT_OF_SCOPE_INTENT, FALLBACK_INTENT},
}
# Payloads the gateway sends to Rasa as if the citizen had typed them.
SENT = [
    *COMMANDS.values(),
    FOLLOW_PAYLOAD,
    GUIDE_NEXT_PAYLOAD,
    ASK_A_PERSON_PAYLOAD,
    choose_payload("any_answer"),
]
# Intents the gateway logs for the turns it answers itself.
OWN = {
    PLACE_INTENT,
    HANDOFF_INTENT,
    HELPER_INTENT,
    NOTICES_INTENT,
    SCAM_INTENT,
    SURVEY_INTENT,
}


def _rasa_intents(bot: Path = ROOT / "bot") -> set[str]:
    """The domain's intents, and the one the FallbackClassifier predicts."""
    intents: set[str] = set()
    for path in sorted((bot / "domain").rglob("*.yml")):
        part: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        intents.update(
            i if isinstance(i, str) else next(iter(i)) for i in part.get("intents", [])
        )
    config = yaml.safe_load((bot / "config.yml").read_text(encoding="utf-8"))
    if any(c.get("name") == "FallbackClassifier" for c in config["pipeline"]):
        intents.add(FALLBACK_INTENT)
    return intents


def _unknown_reads(known: set[str]) -> dict[str, list[str]]:
    missing = {use: sorted(names - known) for use, names in READ.items()}
    return {use: names for use, names in missing.items() if names}


def test_every_intent_the_gateway_reads_is_in_the_domain() -> None:
    assert _unknown_reads(_rasa_intents()) == {}


def test_every_payload_the_gateway_sends_names_a_domain_intent() -> None:
    known = _rasa_intents()
    intents = {p: p.removeprefix("/").split("{")[0] for p in SENT}
    assert all(p.startswith("/") for p in SENT)
    assert {p: i for p, i in intents.items() if i not in known} == {}


def test_the_gateways_own_intents_are_not_rasas() -> None:
    # A shared name would mix the gateway's turns with Rasa's in the log and figures.
    assert OWN & _rasa_intents() == set()


def test_a_renamed_domain_intent_is_caught(tmp_path: Path) -> None:
    bot = tmp_path / "bot"
    shutil.copytree(ROOT / "bot" / "domain", bot / "domain")
    shutil.copy(ROOT / "bot" / "config.yml", bot / "config.yml")
    core = bot / "domain" / "core.yml"
    text = core.read_text(encoding="utf-8")
    core.write_text(text.replace("- request_human", "- ask_for_person"), "utf-8")
    assert _unknown_reads(_rasa_intents(bot)) == {
        "request_human (the offer of a person)": [REQUEST_HUMAN]
    }
