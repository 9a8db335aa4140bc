"""`make validate`: no evaluation message is also a training example.

The figures of `make eval` mean something only if the messages they are measured on
were never trained on: the development set of real questions (tests/dev_set/), the
held-out paraphrase set (tests/eval/) and the scam-warning sets (tests/safety/). Data
is added by several people at different times, from the same public pages, so the same
question can land on both sides without anybody noticing (it happened: a real question
collected for the development set was also written as a training example). This check
compares every held-out message with every training example (nlu_data/ for Rasa,
seeds/safety/examples/ for the scam detector, and each answer's own question in
seeds/knowledge/, which the retrieval indexes and the answer decision answers when a
message repeats it) after folding (textnorm: case, diacritics, abbreviations) and fails
on:

- the same words in the same order, for messages of at least ``MIN_EXACT`` words:
  shorter formulas ("xin chào", "quên passcode vneid") are what everybody writes, a
  held-out set cannot avoid them and a training set must have them;
- nearly the same words (Jaccard similarity of the word sets ≥ ``MAX_JACCARD``) for
  messages of at least ``MIN_NEAR`` words: a copy with a word or two changed.

The training example is what goes: the held-out sets are written by people who have
not seen the training data, the training data can be written again.
Stdlib and PyYAML only (the services environment).
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from textnorm import normalize_text

ROOT = Path(__file__).resolve().parent.parent
TRAINING = ("nlu_data/**/*.yml", "seeds/safety/examples/*.yml")
QUESTIONS = "seeds/knowledge/*.yml"
HELD_OUT = ("tests/dev_set/*.yml", "tests/eval/*.yml", "tests/safety/*.yml")
MIN_EXACT = 5
MIN_NEAR = 8
MAX_JACCARD = 0.8
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Text:
    """One message and where it is written."""

    path: str
    label: str
    text: str

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(_WORD.findall(normalize_text(self.text)))


def _rel(path: Path, root: Path) -> str:
    return str(path.relative_to(root))


def training_examples(root: Path = ROOT) -> Iterator[Text]:
    """Every training example: Rasa's NLU examples, the scam detector's, and the
    knowledge base's questions."""
    for pattern in TRAINING:
        for path in sorted(root.glob(pattern)):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for block in data.get("nlu") or []:
                label = str(block.get("intent") or block.get("synonym") or "")
                for line in str(block.get("examples") or "").splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        yield Text(_rel(path, root), label, line[2:])
            for message in data.get("messages") or []:
                yield Text(
                    _rel(path, root), str(message.get("topic", "")), message["text"]
                )
    for path in sorted(root.glob(QUESTIONS)):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("entries") or []:
            yield Text(_rel(path, root), str(entry["id"]), str(entry["question"]))


def held_out_messages(root: Path = ROOT) -> Iterator[Text]:
    """Every message of the evaluation sets."""
    for pattern in HELD_OUT:
        for path in sorted(root.glob(pattern)):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for message in data.get("messages") or []:
                yield Text(_rel(path, root), "", message["text"])


def overlaps(
    training: list[Text], held_out: list[Text]
) -> list[tuple[Text, Text, float]]:
    """(held-out message, training example, Jaccard similarity) of each pair that is
    the same message."""
    by_word: dict[str, list[int]] = defaultdict(list)
    train_words = [t.words for t in training]
    for i, words in enumerate(train_words):
        for word in set(words):
            by_word[word].append(i)
    found = []
    for message in held_out:
        words = message.words
        if len(words) < MIN_EXACT:
            continue
        mine = set(words)
        candidates = {i for word in mine for i in by_word.get(word, ())}
        for i in sorted(candidates):
            theirs = set(train_words[i])
            jaccard = len(mine & theirs) / len(mine | theirs)
            same = words == train_words[i]
            near = (
                jaccard >= MAX_JACCARD
                and min(len(words), len(train_words[i])) >= MIN_NEAR
            )
            if same or near:
                found.append((message, training[i], round(jaccard, 2)))
    return found


def main(root: Path = ROOT) -> int:
    """Prints each overlap; returns the exit status."""
    found = overlaps(list(training_examples(root)), list(held_out_messages(root)))
    for message, example, jaccard in found:
        print(
            f"{example.path} ({example.label}): {example.text!r}\n"
            f"    is held-out {message.path}: {message.text!r} (Jaccard {jaccard})"
        )
    if found:
        print(
            f"{len(found)} training examples repeat a held-out message: remove them"
            " (tools/check_heldout.py says why)."
        )
        return 1
    print("no training example repeats a held-out message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
