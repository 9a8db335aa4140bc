"""The seeds/ formats and their validation (seeds/README.md documents them)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ANSWER_ID = re.compile(r"^[a-z][a-z0-9_]{2,31}$")
# Prose for elderly readers: steps, when there are any, come on top of this.
MAX_ANSWER_WORDS = 60


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
    # Newspapers and legal-text sites whose reports of official announcements a
    # verified answer may cite, besides any *.gov.vn page.
    reputable_hosts: list[str] = []

    def topic_of_intent(self) -> dict[str, str]:
        """Intent name -> topic code for non-FAQ intents."""
        return {intent: t.code for t in self.topics for intent in t.intents}


Status = Literal["draft", "verified"]


class EntrySeed(BaseModel):
    """One FAQ entry as written in seeds/knowledge/*.yml."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ANSWER_ID.pattern)
    topic: str
    question: str = Field(min_length=5)
    answer: str = Field(min_length=10)
    steps: list[str] = []
    # The specific page that supports the entry's facts (never a homepage), and
    # further pages that support some of them.
    source_url: str
    sources: list[str] = []
    source_ref: str | None = None
    # "verified" only when someone checked the entry against source_url, with the
    # page in front of them, on verified_on; everything else is a draft.
    status: Status = "draft"
    verified_on: date | None = None
    verified_by: str | None = None
    related: list[str] = []

    _nfc = field_validator("question", "answer", "steps", "source_ref")(_nfc)

    @field_validator("answer")
    @classmethod
    def _short(cls, value: str) -> str:
        if len(value.split()) > MAX_ANSWER_WORDS:
            raise ValueError(f"answer is longer than {MAX_ANSWER_WORDS} words")
        return value

    @field_validator("source_url", "sources")
    @classmethod
    def _pages(cls, value: str | list[str]) -> str | list[str]:
        for url in [value] if isinstance(value, str) else value:
            problem = page_problem(url)
            if problem:
                raise ValueError(f"{url}: {problem}")
        return value

    @model_validator(mode="after")
    def _verification(self) -> EntrySeed:
        if self.status == "verified" and not (self.verified_on and self.verified_by):
            raise ValueError("a verified entry needs verified_on and verified_by")
        if self.status == "draft" and (self.verified_on or self.verified_by):
            raise ValueError("a draft has no verified_on or verified_by")
        return self


def page_problem(url: str) -> str | None:
    """Why ``url`` cannot be an answer's source (None when it can): it must be an
    https page, not a site's homepage."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return "not an https address"
    if parts.path.strip("/") == "" and not parts.query:
        return "a homepage, not the page that supports the answer"
    return None


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def is_official_source(url: str, taxonomy: Taxonomy) -> bool:
    """Whether ``url`` is on a government site (*.gov.vn, or one listed in
    seeds/topics.yml) or on a listed newspaper or legal-text site."""
    host = _host(url)
    listed = [_host(s.url) for s in taxonomy.sources] + taxonomy.reputable_hosts
    return host.endswith(".gov.vn") or any(
        host == h or host.endswith("." + h) for h in listed
    )


def validate_entries(
    entries: list[EntrySeed], taxonomy: Taxonomy, today: date
) -> list[str]:
    """Cross-entry checks: unknown topic, duplicate id, broken related id, a
    verification in the future or against a page outside the accepted sites.
    Returns readable errors."""
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
        if entry.verified_on and entry.verified_on > today:
            errors.append(
                f"{entry.id}: verified_on {entry.verified_on} is in the future"
            )
        if entry.status == "verified" and not is_official_source(
            entry.source_url, taxonomy
        ):
            errors.append(
                f"{entry.id}: verified against {entry.source_url}, which is neither a "
                "government page nor a listed newspaper or legal-text site"
            )
        errors.extend(
            f"{entry.id}: related id {rel!r} does not exist"
            for rel in entry.related
            if rel not in seen
        )
    return errors
