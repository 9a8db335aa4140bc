"""What the assistant would do with a message: the answer it would give, or the three
it would offer, with both signals' rankings (bot environment).

    .venv-bot/bin/python tools/answer.py "quên mật khẩu vneid"
    .venv-bot/bin/python tools/answer.py --model m.tar.gz --nlu-data d --seeds s TEXT

Runs the gateway channel's shaping (bot/shape.py), the trained model's NLU and the
action server's own decision (actions/decision.py
with the retrieval index of actions/retrieval.py), without Rasa's server or the action
server: for staff asking "why did it answer that", and for the learning-loop test,
which checks a message staff linked to an answer is answered after training. Prints
one JSON object per message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from actions.decision import (
    AnswerPolicy,
    answer_to_give,
    message_words,
    offer_ranking,
    selector_ranking,
)
from actions.retrieval import NLU_DATA, SEEDS, RetrievalIndex, knowledge_texts
from bot.shape import model_classifier, question_of
from tools.model import model_path


def decide(
    parse: dict[str, Any], index: RetrievalIndex, policy: AnswerPolicy
) -> dict[str, Any]:
    """The decision on one parsed message: answered (an id) or not, and the offer."""
    selector = selector_ranking(parse)
    text = str(parse.get("text") or "")
    retrieval = index.rank(text)
    intent = str((parse.get("intent") or {}).get("name") or "")
    answer = (
        answer_to_give(selector, retrieval, policy, words=message_words(text))
        if intent == "faq"
        else None
    )
    return {
        "text": parse.get("text"),
        "intent": intent,
        "answer": answer,
        "offered": [
            a for a, _ in offer_ranking(selector, retrieval, policy.offer_weight)[:3]
        ],
        "classifier": selector[:3],
        "retrieval": retrieval[:3],
    }


def main(argv: list[str] | None = None) -> int:
    """Parses each message with the model and prints the decision."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("texts", nargs="+", help="messages as citizens wrote them")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--nlu-data", type=Path, default=NLU_DATA)
    parser.add_argument("--seeds", type=Path, default=SEEDS)
    args = parser.parse_args(argv)

    from rasa.core.agent import Agent

    agent = Agent.load(str(args.model or model_path()))
    index = RetrievalIndex(knowledge_texts(args.seeds, args.nlu_data))
    policy = AnswerPolicy()
    loop = asyncio.new_event_loop()
    classify = model_classifier(agent)
    for text in args.texts:
        question = loop.run_until_complete(question_of(text, classify)).question
        parse = loop.run_until_complete(agent.parse_message(question))
        print(json.dumps(decide(parse, index, policy), ensure_ascii=False), flush=True)
    loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
