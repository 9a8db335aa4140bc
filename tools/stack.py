"""Runs the local stack: Rasa server, action server and gateway, each its own process.

``python -m tools.stack run`` prepares the database, starts the three processes, waits
until each answers, prints the URLs, and stops all of them cleanly on Ctrl-C. Tests
and the benchmark use :class:`Stack` the same way, on other ports.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tools.model import ROOT, model_path, rasa_env

SERVICES_PYTHON = ROOT / ".venv" / "bin" / "python"
BOT_PYTHON = ROOT / ".venv-bot" / "bin" / "python"


@dataclass
class Ports:
    """Ports of the three processes."""

    rasa: int = 5005
    actions: int = 5055
    api: int = 8000


@dataclass
class Stack:
    """The three processes, started with a shared environment."""

    ports: Ports = field(default_factory=Ports)
    env: dict[str, str] = field(default_factory=dict)
    log_dir: Path = ROOT / "var" / "logs"
    rasa_api_token: str | None = None  # enables Rasa's HTTP API (benchmarks)
    api_workers: int = 1
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    started_at: dict[str, float] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        """The gateway's base URL."""
        return f"http://127.0.0.1:{self.ports.api}"

    @property
    def rasa_url(self) -> str:
        """Rasa's base URL."""
        return f"http://127.0.0.1:{self.ports.rasa}"

    def _environment(self) -> dict[str, str]:
        env = rasa_env()
        env.update(
            BDHVS_RASA_URL=self.rasa_url,
            BDHVS_ACTION_SERVER_URL=f"http://127.0.0.1:{self.ports.actions}",
            BDHVS_ACTION_ENDPOINT=f"http://127.0.0.1:{self.ports.actions}/webhook",
            # rasa_sdk listens on every interface unless told otherwise.
            SANIC_HOST=os.environ.get("SANIC_HOST", "127.0.0.1"),
        )
        env.update(self.env)
        return env

    def prepare(self) -> None:
        """Migrates the database, loads seeds/, creates the dev admin if needed."""
        subprocess.run(
            [str(SERVICES_PYTHON), "-m", "api", "prepare"],
            cwd=ROOT,
            env=self._environment(),
            check=True,
        )

    def _spawn(self, name: str, argv: list[str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("ab")
        self.started_at[name] = time.perf_counter()
        self.processes[name] = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self._environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: Ctrl-C is handled by us
        )

    def start(self) -> None:
        """Starts the three processes (does not wait)."""
        model = model_path()
        if not model.exists():
            raise SystemExit(f"no trained model at {model}: run `make train` first")
        endpoints = self._environment().get("BDHVS_BOT_ENDPOINTS", "bot/endpoints.yml")
        rasa = [
            str(BOT_PYTHON),
            "-m",
            "bot",
            "run",
            "--model",
            str(model),
            "--endpoints",
            endpoints,
            "--credentials",
            "bot/credentials.yml",
            "--interface",
            "127.0.0.1",
            "--port",
            str(self.ports.rasa),
        ]
        if self.rasa_api_token:
            # One argument: a token_urlsafe token may start with "-", which argparse
            # would read as the next option.
            rasa += ["--enable-api", f"--auth-token={self.rasa_api_token}"]
        self._spawn("rasa", rasa)
        self._spawn(
            "actions",
            [
                str(SERVICES_PYTHON),
                "-m",
                "rasa_sdk",
                "--actions",
                "actions",
                "--port",
                str(self.ports.actions),
                "--quiet",
            ],
        )
        self._spawn(
            "api",
            [
                str(SERVICES_PYTHON),
                "-m",
                "api",
                "serve",
                "--port",
                str(self.ports.api),
                "--workers",
                str(self.api_workers),
            ],
        )

    def wait_ready(self, timeout: float = 300) -> dict[str, float]:
        """Waits until every process answers; returns seconds from spawn to ready."""
        checks = {
            "actions": f"http://127.0.0.1:{self.ports.actions}/health",
            "api": f"{self.api_url}/openapi.json",
            "rasa": f"{self.rasa_url}/webhooks/gateway/",
        }
        ready: dict[str, float] = {}
        deadline = time.monotonic() + timeout
        while len(ready) < len(checks):
            for name, url in checks.items():
                if name in ready:
                    continue
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {process.returncode}; see {self.log_dir}/{name}.log"
                    )
                if _answers(url):
                    ready[name] = round(time.perf_counter() - self.started_at[name], 2)
            if time.monotonic() > deadline:
                missing = sorted(set(checks) - set(ready))
                raise TimeoutError(f"not ready after {timeout} s: {missing}")
            time.sleep(0.5)
        return ready

    def peak_rss_mb(self) -> dict[str, float]:
        """Peak resident memory (VmHWM) of each process and its children, in MB."""
        return {
            name: round(sum(_vm_hwm_kb(pid) for pid in _process_tree(p.pid)) / 1024, 1)
            for name, p in self.processes.items()
        }

    def stop(self) -> None:
        """SIGTERM to every process group, SIGKILL after 15 s."""
        for process in self.processes.values():
            if process.poll() is None:
                with _ignore_lookup():
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with _ignore_lookup():
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class _ignore_lookup:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, value: object, tb: object) -> bool:
        return kind is ProcessLookupError


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _process_tree(pid: int) -> list[int]:
    pids, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        children = Path(f"/proc/{parent}/task/{parent}/children")
        if children.exists():
            kids = [int(c) for c in children.read_text().split()]
            pids += kids
            frontier += kids
    return pids


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _vm_hwm_kb(pid: int) -> int:
    return _status_kb(pid, "VmHWM")


def _pss_kb(pid: int) -> int:
    """Proportional set size: a page shared by n processes counts 1/n in each, so
    the sum over a stack is the memory it takes from the machine (the sum of RSS
    counts TensorFlow's libraries once per Rasa instance)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _role(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return "gone"
    for marker, role in (
        (b"-m bot run", "rasa"),
        (b"rasa_sdk", "actions"),
        (b"api serve", "gateway"),
        (b"api relay", "relay"),
        (b"uvicorn", "gateway"),
        (b"multiprocessing", "gateway"),
        (b"supervisord", "supervisord"),
        (b"tools.prod", "supervisord"),
    ):
        if marker in command:
            return role
    return "other"


@dataclass(frozen=True)
class ProcessUse:
    role: str
    cpu_ms_per_turn: float
    rss_mb: float
    peak_rss_mb: float
    pss_mb: float


class ProcessMeter:
    """CPU time and memory of every process under ``roots`` between ``start()`` and
    ``stop()``: where a stack's time and memory go, by role."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.pids: list[int] = []
        self.cpu: dict[int, float] = {}

    def start(self) -> None:
        self.pids = [pid for root in self.roots for pid in _process_tree(root)]
        self.cpu = {pid: _cpu_seconds(pid) for pid in self.pids}

    def stop(self, turns: int) -> list[ProcessUse]:
        """One row per process: its role, CPU ms per turn and memory in MB."""
        return [
            ProcessUse(
                role=_role(pid),
                # A process gone meanwhile reads 0: its time since start() is unknown.
                cpu_ms_per_turn=round(
                    max(0.0, _cpu_seconds(pid) - self.cpu[pid]) * 1000 / max(turns, 1),
                    1,
                ),
                rss_mb=round(_status_kb(pid, "VmRSS") / 1024, 1),
                peak_rss_mb=round(_status_kb(pid, "VmHWM") / 1024, 1),
                pss_mb=round(_pss_kb(pid) / 1024, 1),
            )
            for pid in self.pids
        ]


def run() -> None:
    """`make run`: start everything, print the URLs, stop on Ctrl-C."""
    stack = Stack()
    stack.prepare()
    stack.start()
    stopping = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            print("\nstopping ...", flush=True)
            stack.stop()
            sys.exit(0)

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    print(
        "starting Rasa (loading the model takes up to a minute), actions and gateway ...",
        flush=True,
    )
    try:
        ready = stack.wait_ready()
    except (RuntimeError, TimeoutError) as exc:
        stack.stop()
        raise SystemExit(str(exc)) from exc
    admin = ROOT / "var" / "dev-admin.txt"
    print(f"\nready in {max(ready.values())} s (logs: {stack.log_dir})")
    print(f"  Web chat:        {stack.api_url}/")
    print(
        f"  Staff dashboard: {stack.api_url}/staff"
        + (
            f"  (development login in {admin.relative_to(ROOT)})"
            if admin.exists()
            else ""
        )
    )
    print(f"  Health:          {stack.api_url}/healthz")
    print("Press Ctrl-C to stop.", flush=True)
    while True:
        for name, process in stack.processes.items():
            if process.poll() is not None:
                stack.stop()
                raise SystemExit(
                    f"{name} stopped unexpectedly; see {stack.log_dir}/{name}.log"
                )
        time.sleep(1)


if __name__ == "__main__":
    if sys.argv[1:] != ["run"]:
        sys.exit("usage: python -m tools.stack run")
    run()
