"""`make bench`: what the gateway's HTTP client costs for each turn it sends to Rasa.

Every turn is one POST from a gateway worker to a Rasa instance, and the workers share
their cores with Rasa. The same round trip is made with httpx (the client the rest of
the gateway uses: PTB, the Zalo client) and with aiohttp (the client of
api/conversation/rasa_client.py), against one server on loopback that answers at once
with a gateway-channel reply of the usual size, 25 requests at a time. The figure is
the client process's CPU time per request; the server runs in another process.

Writes bench/http_client.json and a section of bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

import aiohttp
import httpx

from tools.bench_common import _machine, git_commit, put_readme_section, write_json

README_START = "<!-- http-bench:start (written by tools/bench_http.py) -->"
README_END = "<!-- http-bench:end -->"
PATH = "/webhooks/gateway/webhook"
# A reply of the gateway channel's shape (bot/channels/gateway.py): one answer with
# buttons, the parse result with shortened rankings, the timing.
REPLY = json.dumps(
    {
        "messages": [
            {
                "text": "Anh/Chị mở ứng dụng VNeID, chọn “Kích hoạt tài khoản”. " * 6,
                "buttons": [
                    {"title": f"Câu hỏi {n}", "payload": f"/q{n}"} for n in range(3)
                ],
            }
        ],
        "parse": {
            "intent": {"name": "faq", "confidence": 0.93},
            "intent_ranking": [{"name": f"i{n}", "confidence": 0.1} for n in range(5)],
            "entities": [],
            "response_selector": {
                "faq": {
                    "response": {"intent_response_key": "faq/x", "confidence": 0.9},
                    "ranking": [
                        {"intent_response_key": f"faq/{n}", "confidence": 0.1}
                        for n in range(5)
                    ],
                }
            },
        },
        "timing": {"shape": 0.1, "handle": 12.0, "tracker": 0.0},
    },
    ensure_ascii=False,
).encode()


def _serve(port: int, ready: Any) -> None:
    """A keep-alive HTTP/1.1 server answering every POST with ``REPLY``."""

    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n" % len(REPLY) + REPLY
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        ready.set()
        await server.serve_forever()

    asyncio.run(main())


def _payload(n: int) -> dict[str, Any]:
    return {
        "sender": f"bench-{n}",
        "message": "kích hoạt vneid thế nào",
        "metadata": {},
    }


async def _drive(
    one: Callable[[int], Awaitable[None]], requests: int, users: int
) -> None:
    numbers = iter(range(requests))

    async def user() -> None:
        for n in numbers:
            await one(n)

    await asyncio.gather(*(user() for _ in range(users)))


async def _with_httpx(url: str, requests: int, users: int) -> None:
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=200)) as http:

        async def one(n: int) -> None:
            response = await http.post(url, json=_payload(n), timeout=10.0)
            response.raise_for_status()
            response.json()

        await _drive(one, requests, users)


async def _with_aiohttp(url: str, requests: int, users: int) -> None:
    from api.conversation.rasa_client import rasa_session

    async with rasa_session() as http:
        timeout = aiohttp.ClientTimeout(total=10.0)

        async def one(n: int) -> None:
            async with http.post(url, json=_payload(n), timeout=timeout) as response:
                json.loads(await response.read())

        await _drive(one, requests, users)


CLIENTS = {"httpx": _with_httpx, "aiohttp": _with_aiohttp}


def measure(requests: int, users: int, rounds: int) -> dict[str, Any]:
    """CPU ms per request of each client, median of ``rounds`` alternating runs."""
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    from tools.chaos import _free_port

    port = _free_port()
    server = context.Process(target=_serve, args=(port, ready), daemon=True)
    server.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("the loopback server did not start")
        url = f"http://127.0.0.1:{port}{PATH}"
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in CLIENTS}
        for _ in range(rounds):
            for name, client in CLIENTS.items():
                cpu, wall = time.process_time(), time.perf_counter()
                asyncio.run(client(url, requests, users))
                runs[name].append(
                    (time.process_time() - cpu, time.perf_counter() - wall)
                )
    finally:
        server.kill()
        server.join()
    clients = {
        name: {
            "cpu_ms_per_request": round(
                statistics.median(c for c, _ in times) * 1000 / requests, 3
            ),
            "requests_per_s": round(
                requests / statistics.median(w for _, w in times), 1
            ),
        }
        for name, times in runs.items()
    }
    return {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "make bench (python -m tools.bench_http)",
        "git_commit": git_commit(),
        "machine": _machine(),
        "settings": {
            "requests": requests,
            "concurrent": users,
            "rounds": rounds,
            "reply_bytes": len(REPLY),
        },
        "clients": clients,
    }


def _section(results: dict[str, Any]) -> str:
    settings = results["settings"]
    rows = "\n".join(
        f"| {name} | {f['cpu_ms_per_request']} | {f['requests_per_s']} |"
        for name, f in results["clients"].items()
    )
    return f"""{README_START}
## The gateway's HTTP client to Rasa

`make bench` (`python -m tools.bench_http`), {results["measured_at"]}, commit
{results["git_commit"]}: {settings["requests"]} POSTs of a turn, {settings["concurrent"]}
at a time, to a loopback server answering at once with a {settings["reply_bytes"]}-byte
gateway-channel reply; median of {settings["rounds"]} alternating rounds. CPU is the
client process's only (the server runs apart); requests/s is bounded by both sharing
the machine's cores.

| client | CPU ms a request | requests/s |
|---|---|---|
{rows}

api/conversation/rasa_client.py uses aiohttp for this reason; httpx stays where a
library brings it (python-telegram-bot) or the calls are few (the Zalo client).
{README_END}"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_http")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    results = measure(args.requests, args.users, args.rounds)
    print(json.dumps(results["clients"], indent=2))
    if not args.no_write:
        write_json("http_client.json", results)
        put_readme_section(README_START, README_END, _section(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
