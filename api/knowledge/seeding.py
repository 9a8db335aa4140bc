"""Loading and validating seeds/, and upserting answers into the knowledge store."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.knowledge.models import KnowledgeEntry
from api.knowledge.schemas import EntrySeed, Taxonomy, validate_entries
from api.places.seeding import places_seed_path, validate_places_csv

logger = logging.getLogger(__name__)

SEED_AUTHOR = "seed"


def _read_yaml(path: Path) -> object:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_taxonomy(seeds_dir: Path) -> Taxonomy:
    """Parses seeds/topics.yml."""
    return Taxonomy.model_validate(_read_yaml(seeds_dir / "topics.yml"))


@lru_cache(maxsize=4)
def cached_taxonomy(seeds_dir: Path) -> Taxonomy:
    """The taxonomy, read once per process (it is stable by design)."""
    return load_taxonomy(seeds_dir)


def load_entries(seeds_dir: Path) -> tuple[list[EntrySeed], list[str]]:
    """Parses every seeds/knowledge/*.yml; returns entries and per-entry errors.

    Parsing the YAML costs about a second and seeding reads the files twice (check,
    then upsert), so the result is kept while no file changed (same names, sizes and
    modification times); callers get their own copies."""
    paths = sorted((seeds_dir / "knowledge").glob("*.yml"))
    fingerprint = tuple(
        (path.name, stat.st_mtime_ns, stat.st_size)
        for path, stat in ((path, path.stat()) for path in paths)
    )
    entries, errors = _parse_entries(tuple(paths), fingerprint)
    return [entry.model_copy(deep=True) for entry in entries], list(errors)


@lru_cache(maxsize=8)
def _parse_entries(
    paths: tuple[Path, ...], fingerprint: tuple[tuple[str, int, int], ...]
) -> tuple[tuple[EntrySeed, ...], tuple[str, ...]]:
    """``fingerprint`` is only the cache key: a changed file parses again."""
    entries: list[EntrySeed] = []
    errors: list[str] = []
    for path in paths:
        document = _read_yaml(path)
        raw_entries = document.get("entries") if isinstance(document, dict) else None
        if not isinstance(raw_entries, list):
            errors.append(f"{path.name}: expected a mapping with an 'entries' list")
            continue
        for position, raw in enumerate(raw_entries, 1):
            try:
                entries.append(EntrySeed.model_validate(raw))
            except ValidationError as exc:
                name = (
                    raw.get("id", f"#{position}") if isinstance(raw, dict) else position
                )
                for error in exc.errors():
                    field = ".".join(str(p) for p in error["loc"])
                    errors.append(f"{path.name}: {name}: {field}: {error['msg']}")
    return tuple(entries), tuple(errors)


def validate_seeds(seeds_dir: Path, today: date | None = None) -> list[str]:
    """All problems of the answers, topics and places in seeds/ (empty when valid);
    places/ is checked when present. The teams are the team directory's to check
    (:func:`api.seeds.validate_all` joins the two)."""
    places = places_seed_path(seeds_dir)
    place_problems = validate_places_csv(places) if places.parent.is_dir() else []
    try:
        taxonomy = load_taxonomy(seeds_dir)
    except (ValidationError, OSError, yaml.YAMLError) as exc:
        return [f"topics.yml: {exc}", *place_problems]
    entries, errors = load_entries(seeds_dir)
    problems = validate_entries(entries, taxonomy, today or date.today())
    return errors + problems + place_problems


@dataclass(frozen=True)
class SeedReport:
    """What a seeding run changed."""

    inserted: int
    updated: int
    kept_staff_edits: int


def seed_knowledge(session: Session, seeds_dir: Path) -> SeedReport:
    """Upserts valid seeds; never overwrites an answer edited by staff."""
    problems = validate_seeds(seeds_dir)
    if problems:
        raise ValueError("invalid seeds:\n" + "\n".join(problems))
    entries, _ = load_entries(seeds_dir)
    existing = {row.id: row for row in session.scalars(select(KnowledgeEntry))}
    inserted = updated = kept = 0
    for entry in entries:
        values = entry.model_dump()
        row = existing.get(entry.id)
        if row is None:
            session.add(KnowledgeEntry(**values, updated_by=SEED_AUTHOR))
            inserted += 1
        elif row.updated_by != SEED_AUTHOR:
            kept += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            updated += 1
    session.commit()
    return SeedReport(inserted, updated, kept)
