"""Actions answering FAQ questions from the knowledge store.

The answer classifier (bot/components/linear_selector.py, in Rasa's ResponseSelector's
place) predicts ``faq/<answer_id>``; the answer itself is read from the knowledge store
at run time, so an answer edited by staff takes effect at once. FallbackClassifier does
not look at a response selector's confidence (RasaHQ/rasa#9751), so
:class:`ActionAnswerFaq` applies its own threshold and margin and falls back to offering
the closest questions. Both the answer and the offer weigh the classifier's ranking with a lexical retrieval over the knowledge base
(actions/decision.py says why).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.decision import (
    Ranking,
    answer_to_give,
    message_words,
    needs_retrieval,
    offer_ranking,
    selector_ranking,
)
from actions.guide import GUIDE_RESUME_TITLE, GUIDE_START_TITLE, guide_payload
from actions.knowledge import Answer, answer_facts, citation, get_store
from actions.retrieval import get_index
from actions.settings import get_settings
from actions.turn import ANSWERED, UNSURE, latest_intent, report_turn
from textnorm import fold

logger = logging.getLogger(__name__)

CHOICES_OFFERED = 3
BUTTON_TITLE_MAX = 60


def choose_payload(answer_id: str) -> str:
    """Button payload that answers ``answer_id`` directly (bypasses NLU)."""
    return '/choose{"answer_id":"' + answer_id + '"}'


def _button_title(question: str) -> str:
    if len(question) <= BUTTON_TITLE_MAX:
        return question
    return question[: BUTTON_TITLE_MAX - 1].rstrip() + "…"


def format_steps(steps: list[str]) -> str:
    """Numbered steps on their own lines, or nothing."""
    if not steps:
        return ""
    return "\n" + "\n".join(f"{n}. {step}" for n, step in enumerate(steps, 1))


def utter_answer(
    dispatcher: CollectingDispatcher,
    answer: Answer,
    extra_buttons: list[dict[str, str]] | None = None,
) -> None:
    """Sends a stored answer with its steps, source and related questions."""
    dispatcher.utter_message(
        response="utter_faq_answer",
        answer=answer.answer,
        steps=format_steps(answer.steps),
        **citation(answer),
        buttons=(extra_buttons or [])
        + [
            {
                "title": _button_title(related.question),
                "payload": choose_payload(related.id),
            }
            for related in answer.related_answers
        ],
    )


async def retrieval_ranking(tracker: Tracker) -> Ranking:
    """The retrieval's ranking of the latest message. The index is built on first use
    (about a second) and scoring is CPU work: both off the event loop."""
    text = tracker.latest_message.get("text") or ""
    return await asyncio.to_thread(lambda: get_index().rank(text))


async def rankings(tracker: Tracker) -> tuple[Ranking, Ranking]:
    """The classifier's and the retrieval's rankings of the latest message."""
    return selector_ranking(tracker.latest_message), await retrieval_ranking(tracker)


async def offer_choices(
    dispatcher: CollectingDispatcher, selector: Ranking, retrieval: Ranking
) -> list[dict[str, Any]]:
    """Says the assistant is unsure and offers the closest questions: the best by the
    combined score of the two rankings."""
    ranking = offer_ranking(selector, retrieval, get_settings().policy().offer_weight)
    candidate_ids = [answer_id for answer_id, _ in ranking]
    # The classifier's confidence, as before the retrieval: the turn log compares it.
    confidence = selector[0][1] if selector else None
    answers = await asyncio.to_thread(get_store().get_many, candidate_ids)
    offered = [answers[i] for i in candidate_ids if i in answers][:CHOICES_OFFERED]
    if not offered:
        dispatcher.utter_message(response="utter_default")
        report_turn(dispatcher, UNSURE, confidence=confidence)
        return []
    choices = "\n".join(f"{n}. {a.question}" for n, a in enumerate(offered, 1))
    dispatcher.utter_message(
        response="utter_clarify",
        choices=choices,
        buttons=[
            {"title": _button_title(a.question), "payload": choose_payload(a.id)}
            for a in offered
        ],
    )
    report_turn(
        dispatcher, UNSURE, confidence=confidence, candidates=[a.id for a in offered]
    )
    return [SlotSet("offered_answers", [a.id for a in offered])]


OPTION_WORDS = {"mot": 1, "nhat": 1, "hai": 2, "nhi": 2, "ba": 3}


# Words that may surround a typed option number ("số 2", "chọn câu 3", "cái thứ hai").
OPTION_FILLERS = frozenset({"so", "chon", "cau", "thu", "cai", "y"})


def _first_option(words: list[str]) -> int | None:
    for word in words:
        if word.isdigit():
            return int(word)
        if word in OPTION_WORDS:
            return OPTION_WORDS[word]
    return None


def option_number(text: str) -> int | None:
    """The option a citizen picked: "2", "số 2", "câu thứ hai" -> 2; else None."""
    return _first_option(fold(text).replace(".", " ").split())


def bare_option_number(text: str) -> int | None:
    """The option number when the message is nothing else ("2", "số 2", "chọn câu
    thứ hai"); None for a message that only contains a number ("quên mật khẩu 2
    lần")."""
    words = fold(text).replace(".", " ").replace(",", " ").split()
    if not words or not all(
        w.isdigit() or w in OPTION_WORDS or w in OPTION_FILLERS for w in words
    ):
        return None
    return _first_option(words)


def offered_pick(tracker: Tracker, number: int | None) -> str | None:
    """The offered answer (slot ``offered_answers``) that ``number`` picks, if any."""
    offered = tracker.get_slot("offered_answers") or []
    if number is not None and 1 <= number <= len(offered):
        return str(offered[number - 1])
    return None


def guide_buttons(tracker: Tracker, answer: Answer) -> list[dict[str, str]]:
    """ "Step by step" for procedures; "resume" when another guide is in progress."""
    buttons = []
    if answer.steps:
        buttons.append(
            {"title": GUIDE_START_TITLE, "payload": guide_payload(answer.id)}
        )
    active = tracker.get_slot("guide_id")
    if active and active != answer.id:
        buttons.append({"title": GUIDE_RESUME_TITLE, "payload": "/guide_resume"})
    return buttons


class ActionAnswerFaq(Action):
    """Answers the FAQ question predicted by the answer classifier, chosen by button,
    or picked by number from the offered list."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_answer_faq"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Answers, or offers the closest questions when unsure."""
        chosen = next(tracker.get_latest_entity_values("answer_id"), None)
        if chosen is not None:
            return await self._answer(dispatcher, tracker, chosen, None)

        if latest_intent(tracker) == "select_option":
            text = tracker.latest_message.get("text") or ""
            picked = offered_pick(tracker, option_number(text))
            if picked is not None:
                return await self._answer(dispatcher, tracker, picked, None)
            dispatcher.utter_message(response="utter_option_unknown")
            report_turn(dispatcher, UNSURE)
            return []

        selector = selector_ranking(tracker.latest_message)
        policy = get_settings().policy()
        words = message_words(tracker.latest_message.get("text") or "")
        # Scoring the retrieval was a quarter of the action server's CPU under load;
        # a confident answer that needs no confirmation is decided without it.
        retrieval = (
            await retrieval_ranking(tracker)
            if needs_retrieval(selector, policy, words=words)
            else []
        )
        answer_id = answer_to_give(selector, retrieval, policy, words=words)
        if answer_id is None:
            return await offer_choices(dispatcher, selector, retrieval)
        # The classifier's confidence in the answer given, which is not its first one
        # when the message is another answer's known phrasing.
        confidence = dict(selector).get(answer_id)
        return await self._answer(dispatcher, tracker, answer_id, confidence)

    @staticmethod
    async def _answer(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        answer_id: str,
        confidence: float | None,
    ) -> list[dict[str, Any]]:
        answer = await asyncio.to_thread(get_store().get, answer_id)
        if answer is None:
            logger.warning("answer %r is not in the knowledge store", answer_id)
            dispatcher.utter_message(response="utter_answer_unavailable")
            report_turn(dispatcher, UNSURE, answer_id=answer_id, confidence=confidence)
            return []
        utter_answer(dispatcher, answer, extra_buttons=guide_buttons(tracker, answer))
        report_turn(
            dispatcher,
            ANSWERED,
            answer_id=answer.id,
            confidence=confidence,
            facts=answer_facts(answer),
        )
        return [SlotSet("offered_answers", None)]


class ActionClarify(Action):
    """Runs on nlu_fallback: offers the FAQ questions closest to the message."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_clarify"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Offers up to three close questions as buttons and a numbered list; a bare
        number typed after such an offer picks that question (the intent classifier
        is not always sure of "2" alone)."""
        text = tracker.latest_message.get("text") or ""
        picked = offered_pick(tracker, bare_option_number(text))
        if picked is not None:
            return await ActionAnswerFaq._answer(dispatcher, tracker, picked, None)
        return await offer_choices(dispatcher, *await rankings(tracker))
