"""The production lock store (bot/lock_store.py) on a real Redis server: one turn per
conversation at a time, a killed holder's lock frees itself, Redis down is Rasa's
LockError, and Rasa builds it from the production endpoints file."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from bot.lock_store import RedisTurnLockStore

REDIS_URL = urlparse(
    os.environ.get("BDHVS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
)
ROOT = Path(__file__).resolve().parents[2]


def _config(port: int | None = None, **extra: object) -> EndpointConfig:
    return EndpointConfig.from_dict(
        {
            "type": "bot.lock_store.RedisTurnLockStore",
            "url": REDIS_URL.hostname,
            "port": port or REDIS_URL.port,
            "db": int((REDIS_URL.path or "/15").strip("/") or 15),
            "key_prefix": f"test{uuid.uuid4().hex[:8]}",
            **extra,
        }
    )


def _run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def test_rasa_builds_it_from_the_production_endpoints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("ACTION_ENDPOINT", "TRACKER_DIALECT", "TRACKER_HOST", "TRACKER_DB"):
        monkeypatch.setenv(f"BDHVS_{name}", "x")
    for name in ("TRACKER_PORT", "TRACKER_USER", "TRACKER_PASSWORD"):
        monkeypatch.setenv(f"BDHVS_{name}", "1")
    monkeypatch.setenv("BDHVS_REDIS_HOST", REDIS_URL.hostname or "127.0.0.1")
    monkeypatch.setenv("BDHVS_REDIS_PORT", str(REDIS_URL.port))
    monkeypatch.setenv("BDHVS_REDIS_DB", "15")
    config = read_endpoint_config(
        str(ROOT / "bot" / "endpoints.production.yml"), "lock_store"
    )
    store = LockStore.create(config)
    assert isinstance(store, RedisTurnLockStore)
    assert store.key("abc") == "bdhvs:turn_lock:abc"


def test_turns_of_one_conversation_never_overlap() -> None:
    store = RedisTurnLockStore(_config())
    inside: list[str] = []
    overlaps: list[tuple[str, ...]] = []

    async def turn(name: str, conversation: str) -> None:
        async with store.lock(conversation):
            inside.append(name)
            if len([n for n in inside if n.startswith(conversation)]) > 1:
                overlaps.append(tuple(inside))
            await asyncio.sleep(0.02)
            inside.remove(name)

    async def main() -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(
            *(turn(f"a{n}", "a") for n in range(5)),
            *(turn(f"b{n}", "b") for n in range(5)),
        )
        await store.close()
        return loop.time() - started

    elapsed = _run(main())
    assert overlaps == []
    # Two conversations' turns run side by side: about 5 x 20 ms, not 10 x 20 ms.
    assert isinstance(elapsed, float) and elapsed < 10 * 0.02


def test_a_lock_whose_holder_died_expires() -> None:
    store = RedisTurnLockStore(_config())

    async def main() -> None:
        # A holder that never releases (its process was killed): Redis's own expiry.
        dead = store._redis.lock(store.key("c"), timeout=0.2, thread_local=False)
        assert await dead.acquire()
        async with store.lock("c", lock_lifetime=2):
            pass
        await store.close()

    _run(main())


def test_a_lock_held_past_its_lifetime_is_a_lock_error_for_the_waiter() -> None:
    store = RedisTurnLockStore(_config())

    async def main() -> None:
        holder = store._redis.lock(store.key("d"), timeout=5, thread_local=False)
        assert await holder.acquire()
        try:
            with pytest.raises(LockError):
                async with store.lock("d", lock_lifetime=0.1):
                    pass
        finally:
            await holder.release()
            await store.close()

    _run(main())


def test_a_turn_that_outlived_its_lock_still_ends() -> None:
    store = RedisTurnLockStore(_config())

    async def main() -> str:
        async with store.lock("e", lock_lifetime=0.05):
            await asyncio.sleep(0.1)  # the lock expired meanwhile
        await store.close()
        return "done"

    assert _run(main()) == "done"


def test_redis_down_is_rasa_s_lock_error() -> None:
    import socket

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    store = RedisTurnLockStore(_config(port=port, socket_timeout=1))

    async def main() -> None:
        with pytest.raises(LockError):
            async with store.lock("f"):
                pass
        await store.close()

    _run(main())


def test_a_killed_holder_blocks_its_conversation_for_a_lease_not_the_lifetime() -> None:
    import signal
    import subprocess
    import sys

    config = _config(lease_seconds=0.5)
    # Another process holds the lock for a long turn (Rasa's 60 s lifetime), then is
    # killed mid-turn, as supervisord's Rasa instances can be.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import asyncio, sys\n"
            "from rasa.utils.endpoints import EndpointConfig\n"
            "from bot.lock_store import RedisTurnLockStore\n"
            f"store = RedisTurnLockStore(EndpointConfig.from_dict({config.kwargs!r}))\n"
            "async def main():\n"
            "    async with store.lock('g'):\n"
            "        print('held', flush=True)\n"
            "        await asyncio.sleep(600)\n"
            "asyncio.run(main())\n",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        store = RedisTurnLockStore(EndpointConfig.from_dict(config.kwargs))

        async def main() -> str:
            # Alive, the holder renews its lease: past two leases, still its lock.
            with pytest.raises(LockError):
                async with store.lock("g", lock_lifetime=1.2):
                    pass
            holder.send_signal(signal.SIGKILL)
            await asyncio.to_thread(holder.wait, 10)
            # Dead, it frees the conversation within a lease: a waiter that gives up
            # after 5 s gets it (the lifetime would have kept it 60 s).
            async with store.lock("g", lock_lifetime=5):
                pass
            await store.close()
            return "served"

        assert _run(main()) == "served"
    finally:
        holder.kill()
        holder.wait(10)
