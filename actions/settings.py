"""The action server's own settings: only what its actions read (the answer decision's
parameters), from the same ``BDHVS_`` environment as the gateway. The knowledge store
it reads is the declared seam with the gateway (actions/knowledge.py)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from actions.decision import (
    DEFAULT_FAQ_LONG_THRESHOLD,
    DEFAULT_FAQ_LONG_WORDS,
    DEFAULT_FAQ_MARGIN,
    DEFAULT_FAQ_THRESHOLD,
    DEFAULT_OFFER_WEIGHT,
    DEFAULT_RETRIEVAL_MARGIN,
    DEFAULT_RETRIEVAL_THRESHOLD,
    AnswerPolicy,
)


class ActionSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BDHVS_", env_file=".env", extra="ignore"
    )

    # An answer is given when the classifier's confidence reaches the threshold and
    # leads the runner-up by the margin, and, when a retrieval threshold is set, the
    # retrieval puts the same answer first with that threshold and its margin; the
    # offer mixes the two rankings by the weight; a message of more than
    # faq_long_words words has the classifier threshold faq_long_threshold when it is
    # set (actions/decision.py says how they were chosen).
    faq_threshold: float = Field(default=DEFAULT_FAQ_THRESHOLD, ge=0, le=1)
    faq_long_threshold: float | None = Field(
        default=DEFAULT_FAQ_LONG_THRESHOLD, ge=0, le=1
    )
    faq_long_words: int = Field(default=DEFAULT_FAQ_LONG_WORDS, ge=1)
    faq_margin: float = Field(default=DEFAULT_FAQ_MARGIN, ge=0, le=1)
    faq_retrieval_threshold: float | None = Field(
        default=DEFAULT_RETRIEVAL_THRESHOLD, ge=0, le=1
    )
    faq_retrieval_margin: float = Field(default=DEFAULT_RETRIEVAL_MARGIN, ge=0, le=1)
    faq_offer_weight: float = Field(default=DEFAULT_OFFER_WEIGHT, ge=0, le=1)

    def policy(self) -> AnswerPolicy:
        """The answer decision these settings describe."""
        return AnswerPolicy(
            threshold=self.faq_threshold,
            margin=self.faq_margin,
            retrieval_threshold=self.faq_retrieval_threshold,
            retrieval_margin=self.faq_retrieval_margin,
            offer_weight=self.faq_offer_weight,
            long_threshold=self.faq_long_threshold,
            long_words=self.faq_long_words,
        )


@lru_cache(maxsize=1)
def get_settings() -> ActionSettings:
    """Read once per process (rasa-sdk imports the actions at start-up; settings are
    read on first use)."""
    return ActionSettings()
