"""Typed settings for the services environment (gateway and action server).

Every variable is prefixed ``BDHVS_`` and documented in README.md. Defaults are the
embedded local set-up: SQLite file, Rasa and the action server on localhost, no tokens.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from actions.decision import DEFAULT_FAQ_MARGIN, DEFAULT_FAQ_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    """All settings; read from the environment (and an optional .env file)."""

    model_config = SettingsConfigDict(
        env_prefix="BDHVS_", env_file=".env", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'bdhvs.sqlite3'}"
    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    rasa_timeout_seconds: float = Field(default=15.0, gt=0)
    # Keyed HMAC for pseudonymous user ids and signing staff tokens.
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    staff_token_minutes: int = Field(default=60, gt=0, le=24 * 60)
    max_message_chars: int = Field(default=2000, gt=0)
    # FAQ answer confidence checks (the ResponseSelector's, not the intent's).
    faq_threshold: float = Field(default=DEFAULT_FAQ_THRESHOLD, ge=0, le=1)
    faq_margin: float = Field(default=DEFAULT_FAQ_MARGIN, ge=0, le=1)
    seeds_dir: Path = ROOT / "seeds"

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Settings:
        if (
            self.environment == "production"
            and self.secret_key.get_secret_value() == DEV_SECRET
        ):
            raise ValueError("BDHVS_SECRET_KEY must be set in production")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests call ``get_settings.cache_clear()``)."""
    return Settings()
