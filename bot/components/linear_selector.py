"""A response selector for the FAQ answers: a linear classifier on sparse features.

Rasa's ResponseSelector is a neural network trained for hundreds of epochs; with some
300 answers of 15-25 examples each it was most of the training time, and on the real
questions of the development set it ranked the right answer first less often than a
regularised logistic regression over the same word and character n-gram counts
(eval/experiments.md). This component puts that classifier in the ResponseSelector's
place: it reads the featurizers' sentence-level sparse features of the examples of one
retrieval intent, weighs them by TF-IDF (sublinear term frequency, unit length) and
fits a multinomial logistic regression.

Its output is the ResponseSelector's, key for key (``response_selector`` →
retrieval intent → ``response`` and ``ranking``), so Rasa's retrieval actions, the
tracker's ``full_retrieval_intent_name`` and the action server (actions/decision.py)
read it unchanged. Confidences are the regression's probabilities.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RESPONSE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data import util
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)

CONFIDENCE = "confidence"


def _scoring_weights(classifier: LogisticRegression | None) -> np.ndarray | None:
    """``coef_.T`` as a contiguous array when the classifier is multinomial (more
    than two answers, scikit-learn's default): its probabilities are then the softmax
    of ``features @ coef_.T + intercept_``. None otherwise (``predict_proba`` is used)."""
    if classifier is None or not hasattr(classifier, "coef_"):
        return None
    multinomial = (
        getattr(classifier, "multi_class", "auto")
        in {
            "auto",
            "multinomial",
            "deprecated",
        }
        and getattr(classifier, "solver", "lbfgs") != "liblinear"
    )
    if not multinomial or len(classifier.classes_) < 3:
        return None
    weights = np.ascontiguousarray(classifier.coef_.T)
    # One copy in memory (answers x features floats, tens of MB): the classifier's
    # own weights become a view of it.
    classifier.coef_ = weights.T
    return weights


def _idf(weights: TfidfTransformer | None) -> np.ndarray | None:
    """The fitted IDF vector, read once (scikit-learn derives it from a diagonal
    matrix at every access)."""
    if weights is None or not hasattr(weights, "idf_"):
        return None
    return np.asarray(weights.idf_, dtype=np.float64)


def _sentence_features(message: Message, origins: frozenset[str] | None) -> list[Any]:
    """The sparse sentence-level features of the message's text, of the featurizers
    named ``origins`` (or of all), in the order they were added."""
    return [
        f.features
        for f in message.features
        if f.attribute == TEXT
        and f.is_sparse()
        and f.type == FEATURE_TYPE_SENTENCE
        and (origins is None or f.origin in origins)
    ]


def _softmax(scores: np.ndarray) -> np.ndarray:
    """The multinomial model's probabilities of each row of ``scores`` (in place)."""
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    return scores


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearResponseSelector(GraphComponent):
    """Picks the answer of a retrieval intent with a logistic regression."""

    # Where the fitted weights and classifier are saved in the model.
    FILE_NAME = "selector.skops"

    @classmethod
    def required_components(cls) -> list[type]:
        """Sparse features must be computed first."""
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``C``: inverse regularisation strength; ``ranking_length``: answers kept in
        the ranking; ``retrieval_intent``: whose examples are learnt."""
        return {
            "retrieval_intent": "faq",
            "C": 5.0,
            "max_iter": 300,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: TfidfTransformer | None = None,
        classifier: LogisticRegression | None = None,
        responses: dict[str, list[dict[str, Any]]] | None = None,
        retrieval_intents: list[str] | None = None,
    ) -> None:
        """A trained component when ``weights`` and ``classifier`` are given."""
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.weights = weights
        self.classifier = classifier
        self.responses = responses or {}
        self.retrieval_intents = retrieval_intents or []
        self._coef_t = _scoring_weights(classifier)
        self._idf = _idf(weights)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearResponseSelector:
        """An untrained component."""
        return cls(config, model_storage, resource)

    @staticmethod
    def _features(
        messages: list[Message],
        width: int | None = None,
        origins: frozenset[str] | None = None,
    ) -> csr_matrix:
        """One row per message: the sentence-level sparse features of its text (of
        the featurizers named ``origins``, or of all); a message without any (no
        token) gets a row of zeros ``width`` wide.

        The featurizers' matrices are put side by side in one ``hstack``, in the
        order ``Message.get_sparse_features`` combines them (the order they were
        added): that method deep-copies the first and stacks the others one by one,
        most of this component's time on one message.
        """
        rows = []
        for message in messages:
            parts = _sentence_features(message, origins)
            if parts:
                rows.append(hstack(parts, format="csr"))
            elif width is not None:
                rows.append(csr_matrix((1, width)))
            else:
                raise ValueError(
                    "LinearResponseSelector needs sparse sentence features"
                )
        return vstack(rows, format="csr")

    def weighted(self, counts: csr_matrix) -> csr_matrix:
        """``counts`` weighed as the fitted TF-IDF transformer does (sublinear term
        frequency, IDF, unit length), without its per-call checks and without
        re-deriving the IDF vector from its diagonal matrix at every access."""
        assert self._idf is not None
        tfidf = csr_matrix(counts, dtype=np.float64, copy=True)
        np.log(tfidf.data, out=tfidf.data)
        tfidf.data += 1.0
        tfidf.data *= self._idf[tfidf.indices]
        lengths = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(axis=1)).ravel())
        lengths[lengths == 0.0] = 1.0
        tfidf.data /= np.repeat(lengths, np.diff(tfidf.indptr))
        return tfidf

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the weights and the classifier on the retrieval intent's examples."""
        intent = self.config["retrieval_intent"]
        self.retrieval_intents = list(training_data.retrieval_intents)
        self.responses = training_data.responses
        examples = [
            e
            for e in training_data.intent_examples
            if e.get(INTENT) == intent and e.get(INTENT_RESPONSE_KEY)
        ]
        if not examples:
            logger.debug("LinearResponseSelector: no examples of %r", intent)
            return self._resource
        labels = [e.get(INTENT_RESPONSE_KEY) for e in examples]
        self._fit(examples, labels)
        return self._resource

    @property
    def _origins(self) -> frozenset[str] | None:
        """The featurizers whose sentence features are read (``featurizers`` in the
        configuration), or None for all of them."""
        return frozenset(self.config.get("featurizers") or ()) or None

    def _fit(self, examples: list[Message], labels: list[str]) -> None:
        """Fits the TF-IDF weights and the regression, and saves them."""
        self.weights = TfidfTransformer(sublinear_tf=True)
        features = self.weights.fit_transform(
            self._features(examples, origins=self._origins)
        )
        self.classifier = LogisticRegression(
            C=self.config["C"], max_iter=self.config["max_iter"]
        )
        self.classifier.fit(features, labels)
        self._coef_t = _scoring_weights(self.classifier)
        self._idf = _idf(self.weights)
        self.persist()

    def _ranked(
        self, messages: list[Message]
    ) -> Iterator[tuple[Message, list[tuple[int, str, float]]]]:
        """Each message with its best labels (class index, label, probability),
        best first (``ranking_length`` of them)."""
        assert self.classifier is not None and self._idf is not None
        if self._coef_t is None:
            probabilities = self.probabilities(
                self.weighted(self._features(messages, len(self._idf), self._origins))
            )
        else:
            probabilities = np.vstack([self.scored(m) for m in messages])
        labels = self.classifier.classes_
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row, kind="stable")[: self.config["ranking_length"]]
            yield message, [(int(i), str(labels[i]), float(row[i])) for i in order]

    def scored(self, message: Message) -> np.ndarray:
        """The multinomial classifier's probabilities for one message, as
        :meth:`probabilities` of :meth:`weighted` of :meth:`_features` gives them,
        from the features' own index and count arrays.

        Building a one-row sparse matrix of each featurizer's features side by side
        (``hstack``), then weighing and multiplying it, went through scipy's
        construction and format checks several times per message: most of the two
        linear classifiers' time on a turn. Here the non-zero columns are gathered
        once (offset by the widths of the featurizers before them, as ``hstack``
        places them), weighed, and made into one row for the product."""
        assert self.classifier is not None and self._coef_t is not None
        assert self._idf is not None
        columns, counts, offset = [], [], 0
        for features in _sentence_features(message, self._origins):
            part = features.tocoo()
            columns.append(part.col.astype(np.int64) + offset)
            counts.append(part.data.astype(np.float64))
            offset += part.shape[1]
        scores = np.array(self.classifier.intercept_, dtype=np.float64)
        if columns:
            # Repeated coordinates count once, summed, as in the sparse matrix.
            indices, where = np.unique(np.concatenate(columns), return_inverse=True)
            tf = np.bincount(where, weights=np.concatenate(counts))
            kept = tf != 0.0
            indices, tf = indices[kept], tf[kept]
            if len(indices):
                values = (np.log(tf) + 1.0) * self._idf[indices]
                values /= np.sqrt(np.dot(values, values))
                # scipy's sparse product reads the weights' rows in one loop; a
                # dense product of the gathered rows goes to BLAS, whose threads
                # contended with the other processes' under load.
                row = csr_matrix(
                    (values, indices, np.array([0, len(indices)])),
                    shape=(1, self._coef_t.shape[0]),
                )
                scores += np.asarray(row @ self._coef_t)[0]
        return _softmax(scores)

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets each message's ``response_selector`` as Rasa's ResponseSelector does."""
        if self.classifier is None or self.weights is None:
            return messages
        for message, best in self._ranked(messages):
            ranking = [
                {"id": index, CONFIDENCE: p, INTENT_RESPONSE_KEY: label}
                for index, label, p in best
            ]
            self._set(message, ranking)
        return messages

    def probabilities(self, features: csr_matrix) -> np.ndarray:
        """The classifier's ``predict_proba`` of TF-IDF weighted ``features``.

        scikit-learn multiplies the features by ``coef_.T``, a transposed view that
        scipy copies whole (answers × features) before each product: most of the
        classifier's time on one message. The transposed weights are made contiguous
        once, and the multinomial model's softmax is taken here, as scikit-learn does.
        """
        assert self.classifier is not None
        if self._coef_t is None:
            return np.asarray(self.classifier.predict_proba(features))
        scores = np.asarray(features @ self._coef_t) + self.classifier.intercept_
        return _softmax(scores)

    def _set(self, message: Message, ranking: list[dict[str, Any]]) -> None:
        best = ranking[0]
        key = best[INTENT_RESPONSE_KEY]
        utter_action = util.intent_response_key_to_template_key(key)
        prediction = {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(utter_action)
                or [{TEXT: key}],
                CONFIDENCE: best[CONFIDENCE],
                INTENT_RESPONSE_KEY: key,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
            },
            RESPONSE_SELECTOR_RANKING_KEY: ranking,
        }
        properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {})
        properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = self.retrieval_intents
        properties[self.config["retrieval_intent"]] = prediction
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data

    def persist(self) -> None:
        """Saves the weights, the classifier and the responses (skops, no pickle)."""
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as directory:
            sio.dump(
                {
                    "weights": self.weights,
                    "classifier": self.classifier,
                    "responses": self.responses,
                    "retrieval_intents": self.retrieval_intents,
                },
                directory / self.FILE_NAME,
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearResponseSelector:
        """The trained component, or an untrained one if nothing was saved."""
        import skops.io as sio

        try:
            with model_storage.read_from(resource) as directory:
                path = directory / cls.FILE_NAME
                # Only the types this component saves are accepted (no pickle).
                untrusted = sio.get_untrusted_types(file=path)
                unexpected = [
                    t
                    for t in untrusted
                    if not t.startswith(("sklearn.", "scipy.sparse."))
                ]
                if unexpected:
                    raise TypeError(f"unexpected types in {path}: {unexpected}")
                saved = sio.load(path, trusted=untrusted)
        except ValueError:  # nothing was saved: trained without any example
            logger.warning("LinearResponseSelector: no trained classifier in the model")
            return cls.create(config, model_storage, resource, execution_context)
        return cls(
            config,
            model_storage,
            resource,
            saved["weights"],
            saved["classifier"],
            saved["responses"],
            saved["retrieval_intents"],
        )
