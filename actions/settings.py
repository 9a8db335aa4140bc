"""The action server's own settings: only what its actions read (the answer threshold
and margin), from the same ``BDHVS_`` environment as the gateway. The knowledge store
it reads is the declared seam with the gateway (actions/knowledge.py)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from actions.decision import DEFAULT_FAQ_MARGIN, DEFAULT_FAQ_THRESHOLD


class ActionSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BDHVS_", env_file=".env", extra="ignore"
    )

    # An answer is given when its confidence reaches the threshold and leads the
    # runner-up by the margin (actions/decision.py says how they were chosen).
    faq_threshold: float = Field(default=DEFAULT_FAQ_THRESHOLD, ge=0, le=1)
    faq_margin: float = Field(default=DEFAULT_FAQ_MARGIN, ge=0, le=1)


@lru_cache(maxsize=1)
def get_settings() -> ActionSettings:
    """Read once per process (rasa-sdk imports the actions at start-up; settings are
    read on first use)."""
    return ActionSettings()
