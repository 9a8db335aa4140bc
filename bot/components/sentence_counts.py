"""Rasa's CountVectorsFeaturizer, making the sentence counts only.

Rasa's featurizer makes two matrices per message and featurizer: the counts of the
whole text (sentence features) and one row of counts per token (sequence features),
which only a neural classifier or an entity extractor reads. This pipeline has
neither: both linear classifiers read the sentence counts
(bot/components/linear_selector.py), and nothing extracts entities. Sampled under
load, the per-token rows were about half the featurizers' time on a turn, and were
made again for every example at training. The vocabulary, the sentence counts and
what is saved in the model are Rasa's own.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from scipy.sparse import spmatrix


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True
)
class SentenceCountsFeaturizer(CountVectorsFeaturizer):
    """CountVectorsFeaturizer without the per-token (sequence) features."""

    def _create_features(
        self, attribute: str, all_tokens: list[list[str]]
    ) -> tuple[list[spmatrix | None], list[spmatrix | None]]:
        """Rasa's sentence features of each message (None where Rasa gives none),
        and no sequence features."""
        vectorizer = self.vectorizers.get(attribute)
        if not vectorizer or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
            return [None] * len(all_tokens), [None] * len(all_tokens)
        sentences: list[spmatrix | None] = []
        for tokens in all_tokens:
            if not tokens:
                sentences.append(None)
                continue
            counts = vectorizer.transform([" ".join(tokens)])
            counts.sort_indices()
            sentences.append(counts.tocoo())
        return [None] * len(all_tokens), sentences
