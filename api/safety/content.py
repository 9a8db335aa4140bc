"""The scam warning's wording, from seeds/safety/warnings.yml (every fact sourced)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.safety.detector import KINDS

# The warning must be read before the citizen acts: short.
MAX_WARNING_WORDS = 60
MAX_KIND_WORDS = 30


class Sourced(BaseModel):
    """A text and the specific pages its facts come from."""

    model_config = ConfigDict(extra="forbid")

    text: str
    sources: list[str] = Field(min_length=1)


class IfLost(BaseModel):
    """What to do at once when money, a code or a password is already gone."""

    model_config = ConfigDict(extra="forbid")

    steps: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class Channel(BaseModel):
    """A national channel for reporting scams."""

    model_config = ConfigDict(extra="forbid")

    name: str
    how: str
    source_url: str


class SafetyContent(BaseModel):
    """seeds/safety/warnings.yml."""

    model_config = ConfigDict(extra="forbid")

    warning: Sourced
    kinds: dict[str, Sourced]
    if_lost: IfLost
    report: list[Channel] = []
    notice: Sourced | None = None
    # Knowledge answers offered under the warning, per kind of scam.
    related: dict[str, list[str]] = {}

    @field_validator("warning")
    @classmethod
    def _short(cls, value: Sourced) -> Sourced:
        if len(value.text.split()) > MAX_WARNING_WORDS:
            raise ValueError(f"the warning is longer than {MAX_WARNING_WORDS} words")
        return value

    @field_validator("kinds")
    @classmethod
    def _every_kind(cls, value: dict[str, Sourced]) -> dict[str, Sourced]:
        missing = set(KINDS) - set(value)
        unknown = set(value) - set(KINDS)
        if missing or unknown:
            raise ValueError(
                f"kinds: missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        for kind, line in value.items():
            if len(line.text.split()) > MAX_KIND_WORDS:
                raise ValueError(f"{kind}: longer than {MAX_KIND_WORDS} words")
        return value

    def urls(self) -> list[str]:
        """Every page the content cites."""
        return [
            *self.warning.sources,
            *(u for k in self.kinds.values() for u in k.sources),
            *self.if_lost.sources,
            *(c.source_url for c in self.report),
        ]


def notice_draft(content: SafetyContent, place: str, kind: str) -> str:
    """The draft notice for the residents of ``place`` (empty without a template)."""
    if content.notice is None:
        return ""
    line = content.kinds[kind].text.strip() if kind in content.kinds else ""
    return content.notice.text.format(place=place, kind=line).replace("  ", " ").strip()


def content_path(seeds_dir: Path) -> Path:
    """Where the warning's wording lives."""
    return seeds_dir / "safety" / "warnings.yml"


@lru_cache(maxsize=4)
def load_content(seeds_dir: Path) -> SafetyContent:
    """The validated warning content (read once per process)."""
    raw = yaml.safe_load(content_path(seeds_dir).read_text(encoding="utf-8"))
    return SafetyContent.model_validate(raw)


def warning_text(content: SafetyContent, kind: str) -> str:
    """The first message: the warning, then the line for this kind of scam."""
    return f"⚠️ {content.warning.text.strip()}\n{content.kinds[kind].text.strip()}"


def next_steps_text(content: SafetyContent) -> str:
    """The second message: what to do if something is already gone, and where to
    report."""
    steps = "\n".join(
        f"{n}. {s.strip()}" for n, s in enumerate(content.if_lost.steps, 1)
    )
    lines = [f"Nếu Anh/Chị đã lỡ làm theo, hãy làm ngay:\n{steps}"]
    if content.report:
        channels = "\n".join(f"- {c.name}: {c.how.strip()}" for c in content.report)
        lines.append(f"Báo cáo lừa đảo:\n{channels}")
    lines.append(f"Nguồn: {content.warning.sources[0]}")
    return "\n\n".join(lines)
