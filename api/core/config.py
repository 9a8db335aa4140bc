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
    # Request bodies over these sizes are refused (413) before they are read:
    # chat and feedback, the platforms' webhooks, everything else.
    max_chat_body_bytes: int = Field(default=16 * 1024, gt=0)
    max_webhook_body_bytes: int = Field(default=256 * 1024, gt=0)
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    # FAQ answer confidence checks (the ResponseSelector's, not the intent's).
    faq_threshold: float = Field(default=DEFAULT_FAQ_THRESHOLD, ge=0, le=1)
    faq_margin: float = Field(default=DEFAULT_FAQ_MARGIN, ge=0, le=1)
    seeds_dir: Path = ROOT / "seeds"
    nlu_dir: Path = ROOT / "nlu_data"
    # Masked turns are deleted after this many days (`python -m api purge`); the
    # daily figures stay. Pseudonymous "who wrote on which day" rows (new and
    # returning citizens) are kept longer, for year-on-year comparison.
    retention_days: int = Field(default=180, ge=7)
    activity_retention_days: int = Field(default=800, ge=7)
    # Every worker brings the daily figures up to date this often (one of them
    # builds at a time); 0 turns it off (then run `python -m api rollup` from a
    # timer). The dashboard reads the turns logged since the last refresh live.
    rollup_refresh_seconds: float = Field(default=300, ge=0)
    # Shared state for several gateway workers (rate limits); the database if unset.
    redis_url: str | None = None
    rate_limit_messages: int = Field(default=20, gt=0)
    rate_limit_window_seconds: int = Field(default=60, gt=0)
    # Sending to Telegram / Zalo: attempts and the first back-off delay (doubled).
    send_attempts: int = Field(default=3, ge=1, le=10)
    send_backoff_seconds: float = Field(default=0.5, ge=0)
    # Hand-off: hours a team has to claim a ticket before it is escalated to
    # the province (counted from the ticket, or from the team's next opening).
    handoff_claim_hours: float = Field(default=4, gt=0)
    # Where citizens reach this gateway (the printable step lists are linked from
    # chats); the local run's address by default.
    public_url: str = "http://127.0.0.1:8000"

    # Telegram (python-telegram-bot): off unless a token is set.
    telegram_token: SecretStr | None = None
    telegram_mode: Literal["webhook", "polling"] = "webhook"
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"

    # Zalo Official Account: off unless the app id and OA secret key are set.
    zalo_app_id: str | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_access_token: SecretStr | None = None
    zalo_api_url: str = "https://openapi.zalo.me"
    # Consultation messages are allowed this long after the citizen's last message.
    zalo_window_hours: float = Field(default=48, gt=0)
    # Webhook events whose timestamp is further than this from now are replays.
    zalo_max_skew_seconds: int = Field(default=300, gt=0)

    # Web pages of other sites allowed to embed the web chat (frame-ancestors).
    embed_origins: list[str] = []

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Settings:
        if (
            self.environment == "production"
            and self.secret_key.get_secret_value() == DEV_SECRET
        ):
            raise ValueError("BDHVS_SECRET_KEY must be set in production")
        if (
            self.telegram_token
            and self.telegram_mode == "webhook"
            and not self.telegram_webhook_secret
        ):
            raise ValueError(
                "BDHVS_TELEGRAM_WEBHOOK_SECRET is required for the Telegram webhook"
            )
        if self.zalo_app_id and not self.zalo_oa_secret_key:
            raise ValueError(
                "BDHVS_ZALO_OA_SECRET_KEY is required with BDHVS_ZALO_APP_ID"
            )
        return self

    @property
    def telegram_enabled(self) -> bool:
        """A Telegram bot token is configured."""
        return self.telegram_token is not None

    @property
    def zalo_enabled(self) -> bool:
        """A Zalo OA app id (and its secret key) are configured."""
        return bool(self.zalo_app_id)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests call ``get_settings.cache_clear()``)."""
    return Settings()
