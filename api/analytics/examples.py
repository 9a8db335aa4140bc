"""Writes queued training examples to nlu_data/ for review before the next training."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.querylog.models import ExampleDecision, TrainingExample


def export_examples(session: Session, nlu_dir: Path, today: date) -> Path | None:
    """Writes every example an admin accepted (and not yet exported) as
    ``faq/<answer id>`` NLU data to ``nlu_data/reviewed/<today>.yml`` (appending to
    that day's file) and marks them exported; None when none is waiting. Examples
    not decided yet stay queued; rejected ones are never written. Review the file,
    then commit and train."""
    queued = session.scalars(
        select(TrainingExample)
        .where(
            TrainingExample.exported.is_(False),
            TrainingExample.decision == ExampleDecision.ACCEPTED,
        )
        .order_by(TrainingExample.answer_id, TrainingExample.id)
    ).all()
    if not queued:
        return None
    path = nlu_dir / "reviewed" / f"{today.isoformat()}.yml"
    by_answer: dict[str, list[str]] = defaultdict(list)
    if path.exists():
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(
            "nlu", []
        ):
            by_answer[block["intent"].removeprefix("faq/")].extend(
                line.removeprefix("- ").strip()
                for line in block["examples"].splitlines()
                if line.strip()
            )
    for example in queued:
        text = " ".join(example.text.split())
        if text not in by_answer[example.answer_id]:
            by_answer[example.answer_id].append(text)
        example.exported = True
    lines = [
        'version: "3.1"',
        "# Citizen messages (masked) that staff added from the unanswered inbox.",
        "# Written by `python -m api export-examples`; review before committing.",
        "nlu:",
    ]
    for answer_id in sorted(by_answer):
        lines.append(f"  - intent: faq/{answer_id}")
        lines.append("    examples: |")
        lines.extend(f"      - {text}" for text in by_answer[answer_id])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    session.commit()
    return path
