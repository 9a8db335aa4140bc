"""The seeds/ folder as a whole: the checks of every part, in one list.

Each feature checks its own folder: the knowledge store its answers, topics and places
(:func:`api.knowledge.seeding.validate_seeds`), the team directory seeds/teams
(:func:`api.teams.validate_teams`). This module sits above both, so that neither
reaches into the other; ``python -m api validate-seeds`` and ``seed`` use it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from api.knowledge.seeding import validate_seeds
from api.teams import validate_teams


def validate_all(seeds_dir: Path, today: date | None = None) -> list[str]:
    """All problems in seeds/ (empty when valid): answers, topics, places, then
    teams (when seeds/teams is there)."""
    return validate_seeds(seeds_dir, today) + validate_teams(seeds_dir)
