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

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.linear_selector import CONFIDENCE, LinearResponseSelector

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

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the weights and the classifier on every intent's examples."""
        examples = [e for e in training_data.intent_examples if e.get(INTENT)]
        if not examples:
            logger.debug("LinearIntentClassifier: no intent examples")
            return self._resource
        self._fit(examples, [e.get(INTENT) for e in examples])
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets each message's ``intent`` and ``intent_ranking`` as DIET does."""
        if self.classifier is None or self.weights is None:
            return messages
        for message, best in self._ranked(messages):
            ranking = [{INTENT_NAME_KEY: label, CONFIDENCE: p} for _, label, p in best]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
