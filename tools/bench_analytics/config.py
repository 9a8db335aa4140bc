"""Paths, the database server and the target of the analytics bench."""

from __future__ import annotations

from tools.bench_common import LOCAL_POSTGRES
from tools.model import ROOT

BENCH = ROOT / "bench"
OUTPUT = BENCH / "analytics.json"
README = BENCH / "README.md"
README_START = "<!-- analytics-bench:start (written by tools/bench_analytics/) -->"
README_END = "<!-- analytics-bench:end -->"
DEFAULT_SERVER = LOCAL_POSTGRES
TARGET_MS = 300.0
DAYS = 365
SEEDS = ROOT / "seeds"
