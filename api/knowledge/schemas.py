"""The seeds/ formats and their validation (seeds/README.md documents them)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

ANSWER_ID = re.compile(r"^[a-z][a-z0-9_]{2,31}$")
MAX_ANSWER_WORDS = 80


def _nfc(value: Any) -> Any:
    if isinstance(value, str) and not unicodedata.is_normalized("NFC", value):
        raise ValueError("text is not Unicode NFC")
    if isinstance(value, list):
        for item in value:
            _nfc(item)
    return value


class Topic(BaseModel):
    """A stable topic code with its label, pillar and non-FAQ intents."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z_]+$")
    label: str
    pillar: str
    intents: list[str] = []

    _nfc = field_validator("label")(_nfc)


class Source(BaseModel):
    """An official source whose pages answers may cite."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    title: str


class Taxonomy(BaseModel):
    """seeds/topics.yml."""

    model_config = ConfigDict(extra="forbid")

    pillars: dict[str, str]
    answer_intents: list[str]
    topics: list[Topic]
    sources: list[Source]

    def topic_of_intent(self) -> dict[str, str]:
        """Intent name -> topic code for non-FAQ intents."""
        return {intent: t.code for t in self.topics for intent in t.intents}


class EntrySeed(BaseModel):
    """One FAQ entry as written in seeds/knowledge/*.yml."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ANSWER_ID.pattern)
    topic: str
    question: str = Field(min_length=5)
    answer: str = Field(min_length=10)
    steps: list[str] = []
    source_url: str
    source_ref: str | None = None
    last_verified: date
    related: list[str] = []

    _nfc = field_validator("question", "answer", "steps", "source_ref")(_nfc)

    @field_validator("answer")
    @classmethod
    def _short(cls, value: str) -> str:
        if len(value.split()) > MAX_ANSWER_WORDS:
            raise ValueError(f"answer is longer than {MAX_ANSWER_WORDS} words")
        return value

    @field_validator("source_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if urlsplit(value).scheme != "https":
            raise ValueError("source_url must be an https URL")
        return value


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def is_official_source(url: str, taxonomy: Taxonomy) -> bool:
    """Whether ``url`` is on one of the official sites listed in seeds/topics.yml."""
    host = _host(url)
    return any(
        host == h or host.endswith("." + h)
        for h in (_host(s.url) for s in taxonomy.sources)
    )


def validate_entries(
    entries: list[EntrySeed], taxonomy: Taxonomy, today: date
) -> list[str]:
    """Cross-entry checks: unknown topic, duplicate id, broken related id, future
    last_verified, source outside the official list. Returns readable errors."""
    errors = []
    topics = {t.code for t in taxonomy.topics}
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            errors.append(f"{entry.id}: duplicate id")
        seen.add(entry.id)
    for entry in entries:
        if entry.topic not in topics:
            errors.append(f"{entry.id}: unknown topic {entry.topic!r}")
        if entry.last_verified > today:
            errors.append(
                f"{entry.id}: last_verified {entry.last_verified} is in the future"
            )
        if not is_official_source(entry.source_url, taxonomy):
            errors.append(
                f"{entry.id}: source {entry.source_url} is not an official source"
            )
        errors.extend(
            f"{entry.id}: related id {rel!r} does not exist"
            for rel in entry.related
            if rel not in seen
        )
    return errors
