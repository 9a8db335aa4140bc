"""A statistical second opinion beside the scam rules.

The rules (api.safety.detector) are precise on the situations they were written for;
people describe a scam in endless other words. A linear model over word and
character n-grams of the normalised text, trained on the example messages in
``seeds/safety/examples/``, generalises to unseen wording. The detector combines both:
the model raises an alert the rules missed only when it is very sure, and silences a
rule's alert only when it is very sure the message is ordinary (see ``Thresholds``,
chosen by cross-validation on the examples: tools/evaluate_safety.py).

Training takes well under a second; it happens once per process, on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy import sparse
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_union
from sklearn.svm import LinearSVC

EXAMPLES = "examples"


@dataclass(frozen=True)
class Example:
    """One example message: a scam (with its kind) or an ordinary question."""

    text: str
    kind: str | None  # None: ordinary


def examples_dir(seeds_dir: Path) -> Path:
    return seeds_dir / "safety" / EXAMPLES


def load_examples(folder: Path) -> list[Example]:
    """Every example of ``folder``: files named scam_*.yml and ordinary_*.yml."""
    examples: list[Example] = []
    for path in sorted(folder.glob("*.yml")):
        scam = path.name.startswith("scam_")
        if not scam and not path.name.startswith("ordinary_"):
            continue
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for message in raw["messages"]:
            examples.append(Example(message["text"], message["kind"] if scam else None))
    return examples


CHAR_NGRAMS = (2, 5)


@lru_cache(maxsize=1 << 16)
def _word_char_ngrams(word: str) -> tuple[str, ...]:
    """scikit-learn's ``char_wb`` n-grams of one word (padded with a space each side),
    in its order: a short word counts once, whole."""
    padded = f" {word} "
    grams: list[str] = []
    for n in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
        if len(padded) <= n:
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return tuple(grams)


def char_wb_ngrams(text: str) -> list[str]:
    """The same features as ``TfidfVectorizer(analyzer="char_wb")``, computed once
    per distinct word: Vietnamese is written in a few thousand syllables, so a long
    message is mostly words already seen, and this is most of the model's time."""
    grams: list[str] = []
    for word in text.lower().split():
        grams.extend(_word_char_ngrams(word))
    return grams


def _features() -> FeatureUnion:
    # Words and word pairs carry the situation ("xin ma otp"); character n-grams
    # within words absorb teencode and typos ("otp" ~ "0tp", "ko" ~ "khong").
    return make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 3), sublinear_tf=True),
        TfidfVectorizer(analyzer=char_wb_ngrams, sublinear_tf=True, min_df=2),
    )


class Weighing:
    """A fitted ``TfidfVectorizer``'s transform of one text (sublinear term
    frequency, IDF, unit length), read from its fitted vocabulary and IDF once."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        """Only the settings ``_features`` uses are reproduced."""
        if not (
            vectorizer.sublinear_tf
            and vectorizer.use_idf
            and vectorizer.norm == "l2"
            and not vectorizer.binary
        ):
            raise ValueError("unsupported TfidfVectorizer settings")
        self._analyze = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.width = len(self._idf)

    def row(self, text: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """The non-zero columns of ``text``'s row, sorted, and their values."""
        counts: dict[int, int] = {}
        for term in self._analyze(text):
            column = self._vocabulary.get(term)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = np.fromiter(sorted(counts), dtype=np.int32, count=len(counts))
        values = np.fromiter(
            (counts[c] for c in columns), dtype=np.float64, count=len(counts)
        )
        np.log(values, out=values)
        values += 1.0
        values *= self._idf[columns]
        length = float(np.sqrt(values @ values))
        if length > 0.0:
            values /= length
        return columns, values


@dataclass(frozen=True)
class Assessment:
    """The model's reading of one message."""

    probability: float  # P(scam)
    features: Any  # the message's features, kept to name the kind without re-reading


class ScamModel:
    """P(scam) for a normalised message, and the most likely kind of scam.

    Both estimators read the same features, so a message is vectorised once: the
    n-grams of a long message are most of the detector's time.
    """

    def __init__(self, examples: Sequence[Example], normalize: Callable[[str], str]):
        texts = [normalize(e.text) for e in examples]
        self._features = _features().fit(texts)
        matrix = self._features.transform(texts)
        self._weighings = [Weighing(v) for _, v in self._features.transformer_list]
        # liblinear: the same logistic loss, fitted in a fraction of lbfgs's time.
        self._scam = LogisticRegression(
            C=8.0, solver="liblinear", class_weight="balanced"
        ).fit(matrix, [e.kind is not None for e in examples])
        rows = [n for n, e in enumerate(examples) if e.kind]
        kinds = sorted({e.kind for e in examples if e.kind})
        self._only_kind = kinds[0] if len(kinds) == 1 else None
        self._kind = (
            None
            if self._only_kind
            # The kind only names the warning's line: a linear SVM is enough, and
            # fits ten classes in a fraction of a second.
            else LinearSVC(C=1.0).fit(matrix[rows], [examples[n].kind for n in rows])
        )

    def assess(self, words: str) -> Assessment:
        # The fitted pieces, without FeatureUnion's, the vectorizers' and
        # predict_proba's per-call checks: for one message they cost more than the
        # features themselves (every message a citizen sends is read here).
        features = self._one_row(words)
        score = (features @ self._scam.coef_[0])[0] + self._scam.intercept_[0]
        return Assessment(float(expit(score)), features)

    def _one_row(self, words: str) -> sparse.csr_matrix:
        """The features of one message, as ``FeatureUnion.transform`` gives them."""
        indices: list[np.ndarray[Any, Any]] = []
        data: list[np.ndarray[Any, Any]] = []
        offset = 0
        for weighing in self._weighings:
            columns, values = weighing.row(words)
            indices.append(columns + offset)
            data.append(values)
            offset += weighing.width
        index = np.concatenate(indices)
        return sparse.csr_matrix(
            (np.concatenate(data), index, np.array([0, len(index)])),
            shape=(1, offset),
        )

    def probability(self, words: str) -> float:
        return self.assess(words).probability

    def kind_of(self, assessment: Assessment) -> str:
        if self._kind is None:
            return str(self._only_kind)
        scores = (
            np.ravel(assessment.features @ self._kind.coef_.T) + self._kind.intercept_
        )
        # Two kinds: one score, its sign picks the second. More: one score each.
        best = int(scores[0] > 0) if scores.size == 1 else int(np.argmax(scores))
        return str(self._kind.classes_[best])

    def kind(self, words: str) -> str:
        return self.kind_of(self.assess(words))


@lru_cache(maxsize=4)
def load_model(folder: Path, normalize: Callable[[str], str]) -> ScamModel | None:
    """The model trained on ``folder``'s examples (None when there are none)."""
    examples = load_examples(folder) if folder.is_dir() else []
    if not any(e.kind for e in examples) or all(e.kind for e in examples):
        return None
    return ScamModel(examples, normalize)
