"""Typed settings for the services environment (gateway and action server).

Every variable is prefixed ``BDHVS_`` and documented in docs/deployment.md. Defaults are the
embedded local set-up: SQLite file, Rasa and the action server on localhost, no tokens.
"""

from __future__ import annotations

import os
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    """All settings; read from the environment (and an optional .env file)."""

    model_config = SettingsConfigDict(
        env_prefix="BDHVS_", env_file=".env", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'bdhvs.sqlite3'}"
    # One Rasa instance, or several separated by commas (turns are spread over them).
    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    rasa_timeout_seconds: float = Field(default=15.0, gt=0)
    # A webhook event claimed by a process that then died is taken over after this:
    # longer than a turn can take (Rasa's timeout, the sends and their retries).
    inbox_lease_seconds: float = Field(default=90.0, gt=0)
    inbox_poll_seconds: float = Field(default=1.0, gt=0)
    # Two keys, so that rotating one never breaks the other: the pseudonym key
    # makes citizens' pseudonymous ids (rotating it starts every citizen anew in
    # the figures: returning citizens count as new, conversations restart); the
    # token key signs staff tokens (rotating it only logs staff out). Outside
    # production, each is generated once per installation in ``keys_dir``.
    # BDHVS_SECRET_KEY, the single key of earlier versions, is read as the
    # pseudonym key so that existing pseudonyms stay the same.
    pseudonym_key: SecretStr | None = None
    token_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    keys_dir: Path = ROOT / "var" / "keys"
    staff_token_minutes: int = Field(default=60, gt=0, le=24 * 60)
    max_message_chars: int = Field(default=2000, gt=0)
    # Request bodies over these sizes are refused (413) before they are read:
    # chat and feedback, the platforms' webhooks, everything else.
    max_chat_body_bytes: int = Field(default=16 * 1024, gt=0)
    max_webhook_body_bytes: int = Field(default=256 * 1024, gt=0)
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    # FAQ answer confidence checks (the answer classifier's, not the intent's).
    seeds_dir: Path = ROOT / "seeds"
    nlu_dir: Path = ROOT / "nlu_data"
    # Masked turns are deleted after this many days (`python -m api purge`); the
    # daily figures stay. Pseudonymous "who wrote on which day" rows (new and
    # returning citizens) are kept longer, for year-on-year comparison.
    retention_days: int = Field(default=180, ge=7)
    activity_retention_days: int = Field(default=800, ge=7)
    # Rasa's SQL tracker store in production (bot/endpoints.production.yml), as a
    # SQLAlchemy URL: the purge deletes its events past retention_days as well.
    tracker_database_url: str | None = None
    # Every worker brings the daily figures up to date this often (one of them
    # builds at a time); 0 turns it off (then run `python -m api rollup` from a
    # timer). The dashboard reads the turns logged since the last refresh live.
    rollup_refresh_seconds: float = Field(default=300, ge=0)
    # Shared state for several gateway workers (rate limits); the database if unset.
    redis_url: str | None = None
    # Turns logged while the database is unreachable wait in Redis (when set),
    # else in the worker's memory, at most this many rows; written back this often
    # once it answers (api.querylog.pending).
    querylog_pending_max: int = Field(default=10_000, gt=0)
    querylog_flush_seconds: float = Field(default=5.0, gt=0)
    rate_limit_messages: int = Field(default=20, gt=0)
    rate_limit_window_seconds: int = Field(default=60, gt=0)
    # Per client address, whatever sender ids it uses: chat and feedback a minute
    # (a commune office behind one NAT serves several residents at once), and
    # staff logins per 15 minutes, per address and per user name.
    address_messages_per_minute: int = Field(default=120, gt=0)
    login_attempts_per_address: int = Field(default=30, gt=0)
    login_attempts_per_user: int = Field(default=10, gt=0)
    # Sending to Telegram / Zalo: attempts and the first back-off delay (doubled).
    send_attempts: int = Field(default=3, ge=1, le=10)
    send_backoff_seconds: float = Field(default=0.5, ge=0)
    # The outbox (replies a platform refused for a while): polled this often; a
    # worker holds a message this long while sending it; the first wait before
    # another try (doubled each time up to the max, less a random part of up to
    # half); given up (and recorded) after this many tries or this age.
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_lease_seconds: float = Field(default=60.0, gt=0)
    outbox_backoff_seconds: float = Field(default=5.0, ge=0)
    outbox_backoff_max_seconds: float = Field(default=300.0, ge=0)
    outbox_max_attempts: int = Field(default=10, ge=1)
    outbox_max_age_seconds: float = Field(default=3600.0, gt=0)
    # A relay process sends the outbox (``python -m api relay``; the production
    # profile runs one): the gateway's workers then hand their Telegram and Zalo
    # messages over instead of sending them, and leave the table to the relay.
    outbox_relay: bool = False
    # uvicorn's line per request holds the client's address, personal data that the
    # process logs would keep outside the query log's retention: off unless asked
    # (a province's reverse proxy can log requests under its own rules).
    access_log: bool = False
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
    def _keys(self) -> Settings:
        if self.pseudonym_key is None and self.secret_key is not None:
            self.pseudonym_key = self.secret_key
        if self.environment == "production":
            for name in ("pseudonym_key", "token_key"):
                value: SecretStr | None = getattr(self, name)
                if value is None or len(value.get_secret_value()) < 16:
                    raise ValueError(
                        f"BDHVS_{name.upper()} must be set in production "
                        "(at least 16 characters)"
                    )
                if value.get_secret_value() == DEV_SECRET:
                    raise ValueError(f"BDHVS_{name.upper()} is the development key")
            assert self.pseudonym_key is not None and self.token_key is not None
            if (
                self.pseudonym_key.get_secret_value()
                == self.token_key.get_secret_value()
            ):
                raise ValueError("BDHVS_PSEUDONYM_KEY and BDHVS_TOKEN_KEY must differ")
        else:
            if self.pseudonym_key is None:
                self.pseudonym_key = SecretStr(
                    _installation_key(self.keys_dir, "pseudonym")
                )
            if self.token_key is None:
                self.token_key = SecretStr(_installation_key(self.keys_dir, "token"))
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

    def pseudonym_secret(self) -> str:
        """The key of citizens' pseudonymous ids."""
        assert self.pseudonym_key is not None  # set by the validator
        return self.pseudonym_key.get_secret_value()

    def token_secret(self) -> str:
        """The key that signs staff tokens (and notice preview keys)."""
        assert self.token_key is not None  # set by the validator
        return self.token_key.get_secret_value()

    @property
    def telegram_enabled(self) -> bool:
        """A Telegram bot token is configured."""
        return self.telegram_token is not None

    @property
    def zalo_enabled(self) -> bool:
        """A Zalo OA app id (and its secret key) are configured."""
        return bool(self.zalo_app_id)


def _installation_key(folder: Path, name: str) -> str:
    """The random key ``name`` of this installation, made on first use (outside
    git, readable by its owner only)."""
    path = folder / f"{name}.key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker made it first
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
    for _ in range(50):  # a worker that lost the race reads the winner's key
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests call ``get_settings.cache_clear()``)."""
    return Settings()
