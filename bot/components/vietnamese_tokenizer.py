"""A whitespace tokenizer for Vietnamese whose lemmas are folded and expanded.

Vietnamese separates syllables with spaces, so whitespace tokens are syllables. This
component keeps Rasa's whitespace tokenisation (token text and offsets are unchanged, so
entity spans stay valid) and only sets ``Token.lemma`` via :func:`normalize.lemma`.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from textnorm import lemma


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class VietnameseTokenizer(WhitespaceTokenizer):
    """Whitespace tokens whose lemma is lower-cased, diacritic-folded, expanded."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseTokenizer:
        """Creates the component (it has no trained state)."""
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokenises like WhitespaceTokenizer, then normalises every lemma."""
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.lemma = lemma(token.text)
        return tokens
