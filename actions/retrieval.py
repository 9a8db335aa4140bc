"""A lexical retrieval index over what the knowledge base already says.

The answer classifier ranks answers by learned word weights; this index ranks them by the
words a message shares with each answer's own question (seeds/knowledge/) and its
training examples (nlu_data/: the content team's in faq/, and the citizens' messages
staff linked to an answer, exported to reviewed/ by `python -m api export-examples`). The two make different mistakes, so the answer
decision (actions/decision.py) uses both. Nothing under tests/ is ever indexed: those
messages measure the assistant and are never trained on.

Text is folded as the NLU folds it (textnorm: lower case, no
diacritics, abbreviations and teencode expanded), so "quen mk vneid" and "quên mật khẩu
VNeID" meet the same terms. Terms are syllables and syllable pairs: Vietnamese words
are mostly two syllables, and a pair such as "mat khau" says far more than "mat".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer

from actions.decision import KNOWN_PHRASING_SCORE
from textnorm import lemma

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds" / "knowledge"
NLU_DATA = ROOT / "nlu_data"
FAQ_PREFIX = "faq/"
WORD = re.compile(r"\w+")
# A training example line: "- text" (Rasa's Markdown-in-YAML examples).
EXAMPLE = re.compile(r"^\s*-\s+(.*\S)\s*$")
# Longer examples (a story told before the question) train the classifier but stay out
# of the index: their many words blur the answer's document and pull in messages that
# share only the story (eval/experiments.md).
MAX_EXAMPLE_WORDS = 25
# A message that is, once folded, one of a single answer's phrasings scores that
# answer KNOWN_PHRASING_SCORE, and the decision answers it (actions/decision.py): a
# citizen's message staff linked to an answer (nlu_data/reviewed/) is answered when it
# comes again, however many other phrasings dilute the answer's document. Mixing in the
# closest phrasing's similarity more generally did not help on the development set
# (eval/experiments.md).


def terms(text: str) -> list[str]:
    """Folded syllables of ``text`` and each pair of neighbours ("mat", "khau",
    "mat khau"). Punctuation is dropped before folding, as Rasa's whitespace tokenizer
    drops it, so "k?" expands to "khong" like "k" does."""
    # An abbreviation can expand to several syllables ("mk" -> "mat khau").
    syllables = [part for word in WORD.findall(text) for part in lemma(word).split()]
    pairs = [f"{a} {b}" for a, b in pairwise(syllables)]
    return syllables + pairs


def knowledge_texts(
    seeds: Path = SEEDS, nlu_data: Path = NLU_DATA
) -> dict[str, list[str]]:
    """answer id -> its question (seeds) and training examples (nlu_data) of at most
    MAX_EXAMPLE_WORDS words, as written."""
    texts: dict[str, list[str]] = defaultdict(list)
    for path in sorted(seeds.glob("*.yml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(
            "entries"
        ) or []:
            texts[str(entry["id"])].append(str(entry["question"]))
    # Every file under nlu_data/ (faq/, reviewed/); other intents are skipped below.
    for path in sorted(nlu_data.rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(
            "nlu"
        ) or []:
            intent = str(block.get("intent") or "")
            if not intent.startswith(FAQ_PREFIX):
                continue
            for line in str(block.get("examples") or "").splitlines():
                match = EXAMPLE.match(line)
                if match and len(WORD.findall(match.group(1))) <= MAX_EXAMPLE_WORDS:
                    texts[intent.removeprefix(FAQ_PREFIX)].append(match.group(1))
    return dict(texts)


class RetrievalIndex:
    """TF-IDF with one document per answer: all its phrasings together. An answer
    scores by the cosine similarity (0 to 1) between a message and that document, so
    an answer whose examples say a message's words in several ways outranks one that
    shares a single phrasing with it by chance."""

    def __init__(self, texts: Mapping[str, Iterable[str]]) -> None:
        self._ids = list(texts)
        phrasings = [[terms(text) for text in texts[a]] for a in self._ids]
        # Documents are already term lists. Sublinear tf: a word said in ten examples
        # is not ten times the evidence.
        self._vectorizer = TfidfVectorizer(
            analyzer=_as_is, sublinear_tf=True, norm="l2"
        )
        self._matrix: Any = self._vectorizer.fit_transform(
            [[term for phrasing in own for term in phrasing] for own in phrasings]
        )
        # Each phrasing's terms -> the rows of the answers that have it.
        owners: dict[tuple[str, ...], set[int]] = defaultdict(set)
        for row, own in enumerate(phrasings):
            for phrasing in own:
                owners[tuple(phrasing)].add(row)
        self._exact = {
            key: rows.pop() for key, rows in owners.items() if len(rows) == 1
        }

    def rank(self, text: str, limit: int = 10) -> list[tuple[str, float]]:
        """(answer_id, score) of the answers closest to ``text``, best first; empty
        when it shares no known term with any of them."""
        message = terms(text)
        query = self._vectorizer.transform([message])
        if query.nnz == 0:
            return []
        similarities = (self._matrix @ query.T).toarray().ravel()
        exact = self._exact.get(tuple(message))
        if exact is not None:
            similarities[exact] = KNOWN_PHRASING_SCORE
        ranked = sorted(
            (
                (self._ids[row], float(similarities[row]))
                for row in similarities.nonzero()[0]
            ),
            key=lambda pair: (-pair[1], pair[0]),
        )
        return ranked[:limit]


def _as_is(document: list[str]) -> list[str]:
    return document


@lru_cache(maxsize=1)
def get_index() -> RetrievalIndex:
    """The process-wide index over seeds/ and nlu_data/, built on first use (about a
    second), never at import."""
    return RetrievalIndex(knowledge_texts())
