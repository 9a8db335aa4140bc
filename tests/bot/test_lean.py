"""``python -m bot``: a Rasa server that loads the trained model and answers without
TensorFlow in its memory, and Rasa's training helpers still Rasa's own (bot/lean.py).

Both run in their own processes: this test session has imported TensorFlow already."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tools.model import model_path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _maps_tensorflow(pid: int) -> bool:
    """Whether the process has any of TensorFlow's shared libraries mapped."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return "tensorflow" in maps


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """``python -m bot run`` on the trained model, no action server, loopback only."""
    model = model_path()
    if not model.exists():
        pytest.fail(f"no model at {model}: run `make train`")
    port = _free_port()
    log = tmp_path_factory.mktemp("lean") / "rasa.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "BDHVS_ACTION_ENDPOINT": "http://127.0.0.1:9/webhook",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "bot", "run", "--model", str(model),
                "--endpoints", "bot/endpoints.yml", "--credentials", "bot/credentials.yml",
                "--interface", "127.0.0.1", "--port", str(port),
            ],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/webhooks/gateway"
    try:
        deadline = time.monotonic() + 240
        while True:
            if process.poll() is not None:
                pytest.fail(f"python -m bot run exited:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(url + "/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"python -m bot run not ready:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_server_answers_without_tensorflow(server: tuple[str, int]) -> None:
    url, pid = server
    reply = requests.post(
        url + "/webhook",
        json={"sender": "lean-test", "message": "xin chào", "metadata": {}},
        timeout=60,
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["error"] is None
    assert body["parse"]["intent"]["name"] == "greet"
    assert body["messages"] and body["messages"][0]["text"]
    assert not _maps_tensorflow(pid)


def test_the_training_helpers_are_rasas_own_once_used() -> None:
    script = textwrap.dedent(
        """
        import sys
        from bot import lean
        lean.install()
        import rasa.core.agent
        from rasa.utils import train_utils
        assert "tensorflow" not in sys.modules, "imported before use"
        callbacks = train_utils.create_common_callbacks(1, None, None, None)
        import tensorflow as tf
        from rasa.utils.tensorflow import callback
        assert not getattr(callback, "__deferred__", False)
        assert sys.modules["rasa.utils.tensorflow.callback"] is callback
        assert type(callbacks[0]) is callback.RasaTrainingLogger
        assert isinstance(callbacks[0], tf.keras.callbacks.Callback)
        from rasa.utils.tensorflow.model_data import RasaModelData
        generator = train_utils.RasaBatchDataGenerator(RasaModelData(), batch_size=1)
        from rasa.utils.tensorflow import data_generator
        assert type(generator) is data_generator.RasaBatchDataGenerator
        assert isinstance(generator, tf.keras.utils.Sequence)
        from rasa.shared.utils.common import class_from_module_path
        path = "rasa.graph_components.validators.default_recipe_validator.DefaultV1RecipeValidator"
        validator = class_from_module_path(path)
        assert f"{validator.__module__}.{validator.__name__}" == path  # as a schema writes it
        assert validator.get_default_config() == {}
        from rasa.graph_components.validators import default_recipe_validator
        from rasa.engine.graph import GraphComponent
        assert issubclass(default_recipe_validator.DefaultV1RecipeValidator, GraphComponent)
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("ok")
