"""Two gateway processes on one listening socket, as supervisord runs them
(``python -m api serve --fd 0``): connections that arrive together are shared."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONNECTIONS = 40
ESTABLISHED = "01"


def _established_on(pid: int, port: int) -> int:
    """Established TCP connections ``pid`` holds on local ``port`` (from /proc)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == ESTABLISHED and fields[9] in inodes:
            count += 1
    return count


def _started(log: Path) -> bool:
    return log.exists() and "Application startup complete" in log.read_text()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[tuple[int, list[int]]]:
    env = {
        **os.environ,
        "BDHVS_ENVIRONMENT": "test",
        "BDHVS_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.sqlite3'}",
        "BDHVS_SECRET_KEY": "s" * 32,
        "BDHVS_TOKEN_KEY": "t" * 32,
        "BDHVS_RASA_URL": "http://127.0.0.1:9",
        "BDHVS_ACTION_SERVER_URL": "http://127.0.0.1:9",
    }
    subprocess.run(
        [sys.executable, "-m", "api", "migrate"], cwd=ROOT, env=env, check=True
    )
    listening = socket.create_server(("127.0.0.1", 0), backlog=128)
    port = listening.getsockname()[1]
    processes, logs = [], []
    try:
        for n in range(2):
            log = tmp_path / f"worker-{n}.log"
            logs.append(log)
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "api", "serve", "--fd", "0"],
                        cwd=ROOT,
                        env=env,
                        stdin=listening.fileno(),
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        deadline = time.monotonic() + 60
        while not all(_started(log) for log in logs):
            assert time.monotonic() < deadline, [log.read_text() for log in logs]
            assert all(p.poll() is None for p in processes)
            time.sleep(0.1)
        yield port, [p.pid for p in processes]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        listening.close()


def test_connections_that_arrive_together_are_shared_by_the_workers(
    workers: tuple[int, list[int]],
) -> None:
    port, pids = workers
    clients = [
        socket.create_connection(("127.0.0.1", port)) for _ in range(CONNECTIONS)
    ]
    try:
        # Every connection is answered (so accepted), and stays open (keep-alive).
        for client in clients:
            client.sendall(b"GET / HTTP/1.1\r\nHost: gateway\r\n\r\n")
        for client in clients:
            client.settimeout(10)
            answer = client.recv(4096)
            assert answer.startswith(b"HTTP/1.1 200"), answer
        held = [_established_on(pid, port) for pid in pids]
    finally:
        for client in clients:
            client.close()
    assert sum(held) == CONNECTIONS
    # The event loop's own accept gave one worker all or nearly all of them.
    assert min(held) >= CONNECTIONS // 4, held
