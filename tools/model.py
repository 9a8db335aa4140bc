"""Trains the Rasa model only when its inputs changed (content hash).

Usage: python tools/model.py path | train
The model for the current inputs is models/<hash>.tar.gz; models/<hash>.json records
how long training took. A trained model is also kept in $BDHVS_CACHE/models (beside the
cached environments), so another clone with the same inputs, CI included, reuses it
instead of spending minutes retraining. Stdlib only, so any Python can run it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
BOT_PYTHON = ROOT / ".venv-bot" / "bin" / "python"
CACHE = Path(os.environ.get("BDHVS_CACHE", Path.home() / ".cache" / "bdhvs")) / "models"
# Everything that changes what `rasa train` produces (the bot lock pins Rasa itself).
INPUTS = [
    "bot/config.yml",
    "bot/domain",
    "bot/data",
    "nlu_data",
    "bot/components",
    "textnorm",  # the tokenizer folds with it
    "requirements/bot.lock",
    "tools/model.py",  # the training environment below (determinism flags)
]


# The project as every `rasa` command here sees it.
PROJECT_ARGS = [
    "--config",
    "bot/config.yml",
    "--domain",
    "bot/domain",
    "--data",
    "bot/data",
    "nlu_data",
]


def content_hash() -> str:
    """SHA-256 over the paths and bytes of every training input."""
    digest = hashlib.sha256()
    for name in INPUTS:
        base = ROOT / name
        files = (
            [base]
            if base.is_file()
            else sorted(
                p
                for p in base.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
            )
        )
        for path in files:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path() -> Path:
    """Where the model for the current inputs is (or will be)."""
    return MODELS / f"{content_hash()}.tar.gz"


def rasa_env() -> dict[str, str]:
    """Environment for Rasa processes: quiet TensorFlow, no telemetry, repo on path."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        # Rasa's own training cache keys on config and data, not on our components'
        # code: a tokenizer change would silently reuse stale classifiers. Whether to
        # train is decided by content_hash() instead.
        RASA_MAX_CACHE_SIZE="0",
        # The same inputs must give the same model: the components' random_seed
        # fixes the initial weights, these fix the order of TensorFlow's parallel
        # reductions and of Python's hashing. Without them two trainings of the
        # same inputs disagreed on whether to answer the canonical questions.
        TF_DETERMINISTIC_OPS="1",
        PYTHONHASHSEED="0",
        PYTHONPATH=str(ROOT),
    )
    return env


def _copy_model(model_name: str, source: Path, destination: Path) -> None:
    """Copies a model and its .json record; each file appears whole, the model last
    (its presence is what marks a complete copy)."""
    destination.mkdir(parents=True, exist_ok=True)
    stem = model_name.removesuffix(".tar.gz")
    for name in (f"{stem}.json", model_name):
        shutil.copyfile(source / name, destination / f"{name}.partial")
        os.replace(destination / f"{name}.partial", destination / name)


def train(force: bool = False) -> Path:
    """Trains unless a model for the current inputs exists; returns its path."""
    target = model_path()
    if target.exists() and not force:
        print(f"model up to date: {target.relative_to(ROOT)}")
        return target
    MODELS.mkdir(exist_ok=True)
    cached = CACHE / target.name
    if cached.exists() and not force:
        _copy_model(target.name, CACHE, MODELS)
        print(f"model for these inputs restored from {CACHE}: {target.name}")
        return target
    print(f"training {target.name} (inputs changed) ...", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [
            str(BOT_PYTHON),
            "-m",
            "rasa",
            "train",
            *PROJECT_ARGS,
            "--out",
            str(MODELS),
            "--fixed-model-name",
            target.name.removesuffix(".tar.gz"),
        ],
        cwd=ROOT,
        env=rasa_env(),
        check=True,
    )
    seconds = round(time.perf_counter() - started, 1)
    target.with_suffix("").with_suffix(".json").write_text(
        json.dumps({"hash": content_hash(), "training_seconds": seconds}) + "\n"
    )
    _copy_model(target.name, MODELS, CACHE)
    print(f"trained in {seconds} s: {target.relative_to(ROOT)}")
    return target


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "path"
    if command == "path":
        print(model_path())
    elif command == "train":
        train(force="--force" in sys.argv)
    else:
        sys.exit("usage: python tools/model.py path|train [--force]")
