"""`make lint`'s import rules (pyproject.toml [tool.importlinter]) hold on the code,
and a new upward import breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy(tmp_path: Path) -> Path:
    for package in ("api", "actions", "bot", "textnorm"):
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns(
                "__pycache__", "static", "migrations", "*.tar.gz"
            ),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_the_import_rules(tmp_path: Path) -> None:
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_new_upward_import_breaks_them(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "api" / "core" / "clock_extra.py").write_text(
        "from api.routes import analytics  # the ground floor reaching up\n"
    )
    result = _lint(root)
    assert result.returncode != 0
    assert "api.core.clock_extra -> api.routes.analytics" in result.stdout


def test_the_shared_folding_may_not_import_a_process(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "textnorm" / "places.py").write_text(
        "from api.places import service  # the leaf reaching into the gateway\n"
    )
    result = _lint(root)
    assert result.returncode != 0
    assert "textnorm.places -> api.places.service" in result.stdout
