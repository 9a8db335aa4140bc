"""An intent classifier in DIET's place: the answer selector's logistic regression.

With no transformer layer and sparse features only, DIETClassifier is a linear model
over the same word and character counts, run through TensorFlow: sampled under load
on the production profile, its TensorFlow calls were a quarter of each Rasa instance's
event loop, for about 14 intents (greetings, thanks, the guided steps' words, "faq").
This component fits a multinomial logistic regression on the featurizers' sentence
counts, weighed by TF-IDF, exactly as :class:`LinearResponseSelector` does for the
answers (it reuses its features, weighing and scoring), and sets ``intent`` and
``intent_ranking`` as DIET does, so FallbackClassifier and the policies read it
unchanged. eval/experiments.md compares the two on the evaluation sets.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression

from bot.components.linear_selector import (
    CONFIDENCE,
    LinearResponseSelector,
    _idf,
    _scoring_weights,
)

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearIntentClassifier(LinearResponseSelector):
    """Picks the intent with a logistic regression."""

    FILE_NAME = "intent.skops"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``C``: inverse regularisation strength; ``ranking_length``: intents kept
        in the ranking; ``featurizers``: the aliases of the featurizers whose
        sentence features are read (all when empty)."""
        return {"C": 5.0, "max_iter": 500, "ranking_length": 10, "featurizers": []}

    @property
    def _origins(self) -> frozenset[str] | None:
        return frozenset(self.config["featurizers"]) or None

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the weights and the classifier on every intent's examples."""
        examples = [e for e in training_data.intent_examples if e.get(INTENT)]
        if not examples:
            logger.debug("LinearIntentClassifier: no intent examples")
            return self._resource
        labels = [e.get(INTENT) for e in examples]
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
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets each message's ``intent`` and ``intent_ranking`` as DIET does."""
        if self.classifier is None or self.weights is None:
            return messages
        assert self._idf is not None
        probabilities = self.probabilities(
            self.weighted(self._features(messages, len(self._idf), self._origins))
        )
        labels = self.classifier.classes_
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row, kind="stable")[: self.config["ranking_length"]]
            ranking = [
                {INTENT_NAME_KEY: str(labels[i]), CONFIDENCE: float(row[i])}
                for i in order
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
