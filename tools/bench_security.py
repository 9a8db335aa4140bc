"""`make security`: replays the oversized and hostile inputs of the security review
and writes their timings to bench/security.json and a table in bench/README.md.

Two parts, both on this machine only (loopback):

* the masker alone on 1 MB inputs of the shapes that were quadratic before (one long
  word, digits, e-mail look-alikes, Vietnamese text): each must cost in proportion
  to its length;
* a real gateway (uvicorn, SQLite in a temporary folder, Telegram and Zalo enabled
  with fake secrets, a stand-in Rasa and Telegram API on loopback): a 64 kB
  Telegram text, a signed 1 MB Zalo event, a 10 MB chat body and 40 chat messages
  of 2 000 characters sent at once, while /healthz is asked every 20 ms; the longest
  /healthz wait is how long the gateway was blocked.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from api.channels.zalo import CHANNEL as _ZALO  # noqa: F401  (the channel exists)
from api.privacy.masking import mask

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
MEGABYTE = 1_000_000
TELEGRAM_SECRET = "bench-telegram-secret"
ZALO_APP_ID = "4321987654"
ZALO_SECRET = "bench-zalo-secret"

INPUTS = {
    "one long word (1 MB)": "a" * MEGABYTE,
    "digits (1 MB)": "0123456789" * (MEGABYTE // 10),
    "e-mail look-alikes (1 MB)": ("abc.def+x@" * (MEGABYTE // 10)),
    "Vietnamese text with numbers (1 MB)": (
        "số điện thoại 0912345678 mật khẩu Abc@123 OTP 482913 " * (MEGABYTE // 52)
    )[:MEGABYTE],
}


def time_safety_layer(repeat: int) -> list[dict[str, Any]]:
    """What the scam check adds to a turn: the detector on each message of the safety
    sets (median and slowest), and on a message of the maximum length."""
    import yaml

    from api.safety.detector import Detector

    detect = Detector.from_seeds(ROOT / "seeds").detect  # rules and model, as served

    texts = []
    for name in ("scam_set.yml", "ordinary_set.yml"):
        raw = yaml.safe_load(
            (ROOT / "tests" / "safety" / name).read_text(encoding="utf-8")
        )
        texts += [m["text"] for m in raw["messages"]]
    per_message = []
    for text in texts:
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            detect(text)
            runs.append(time.perf_counter() - started)
        per_message.append(statistics.median(runs))
    longest = ("có người gọi bảo tôi đọc mã OTP " * 70)[:2000]
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        detect(longest)
        runs.append(time.perf_counter() - started)
    return [
        {
            "input": f"safety sets ({len(texts)} messages), median",
            "chars": None,
            "median_ms": round(statistics.median(per_message) * 1000, 3),
        },
        {
            "input": "safety sets, slowest message",
            "chars": None,
            "median_ms": round(max(per_message) * 1000, 3),
        },
        {
            "input": "scam check on 2 000 characters",
            "chars": len(longest),
            "median_ms": round(statistics.median(runs) * 1000, 3),
        },
    ]


def time_masker(repeat: int) -> list[dict[str, Any]]:
    """Median seconds of mask() on each 1 MB input, and on a tenth of it."""
    rows = []
    for name, text in INPUTS.items():
        for size in (len(text) // 10, len(text)):
            runs = []
            for _ in range(repeat):
                started = time.perf_counter()
                mask(text[:size])
                runs.append(time.perf_counter() - started)
            rows.append(
                {
                    "input": name,
                    "chars": size,
                    "median_ms": round(statistics.median(runs) * 1000, 1),
                }
            )
    return rows


async def _probe(client: httpx.AsyncClient, stop: asyncio.Event) -> float:
    """The longest /healthz answer time (ms) until ``stop``."""
    worst = 0.0
    while not stop.is_set():
        started = time.perf_counter()
        await client.get("/healthz", timeout=120)
        worst = max(worst, (time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.02)
    return round(worst, 1)


async def _while_probing(client: httpx.AsyncClient, send: Any) -> dict[str, Any]:
    stop = asyncio.Event()
    probe = asyncio.create_task(_probe(client, stop))
    await asyncio.sleep(0.1)
    started = time.perf_counter()
    statuses = await send()
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    await asyncio.sleep(0.1)
    stop.set()
    return {
        "statuses": statuses,
        "sent_in_ms": elapsed,
        "healthz_worst_ms": await probe,
    }


async def replay(base: str) -> list[dict[str, Any]]:
    """The hostile inputs against the running gateway."""
    from tests.api.test_zalo import event
    from tests.fakes import zalo_signed

    results = []
    async with httpx.AsyncClient(base_url=base) as client:

        async def telegram_64k() -> list[int]:
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": 1, "type": "private"},
                    "from": {"id": 1, "is_bot": False, "first_name": "A"},
                    "text": "a" * 64_000,
                },
            }
            response = await client.post(
                "/channels/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
                timeout=120,
            )
            return [response.status_code]

        async def head_only(path: str, headers: dict[str, str], length: int) -> int:
            # The head announces the body; the answer must come before any of it is
            # sent (a client still writing would see the connection closed).
            host, port = base.removeprefix("http://").split(":")
            reader, writer = await asyncio.open_connection(host, int(port))
            lines = [
                f"POST {path} HTTP/1.1",
                "Host: bench",
                f"Content-Length: {length}",
            ]
            lines += [f"{k}: {v}" for k, v in headers.items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
            await writer.drain()
            status = await asyncio.wait_for(reader.readline(), 60)
            writer.close()
            return int(status.split()[1])

        async def zalo_1mb() -> list[int]:
            body = event(text="a" * MEGABYTE)
            body["app_id"] = ZALO_APP_ID
            raw, headers = zalo_signed(body, ZALO_APP_ID, ZALO_SECRET, None)
            return [await head_only("/channels/zalo/webhook", headers, len(raw))]

        async def chat_10mb() -> list[int]:
            headers = {"Content-Type": "application/json"}
            return [await head_only("/api/chat", headers, 10 * MEGABYTE)]

        async def chat_40x2000() -> list[int]:
            responses = await asyncio.gather(
                *(
                    client.post(
                        "/api/chat",
                        json={"sender": f"b{n}", "text": ("ab@" * 667)[:2000]},
                        timeout=120,
                    )
                    for n in range(40)
                )
            )
            return sorted({r.status_code for r in responses})

        for name, send in (
            ("Telegram text of 64 kB", telegram_64k),
            ("signed Zalo event of 1 MB", zalo_1mb),
            ("chat body of 10 MB", chat_10mb),
            ("40 chat messages of 2 000 characters at once", chat_40x2000),
        ):
            results.append({"input": name, **await _while_probing(client, send)})
    return results


def run_gateway(folder: Path) -> dict[str, Any]:
    """Starts the stand-ins and the gateway, replays, stops everything."""
    from tests.fakes import FakeRasa, FakeTelegram

    rasa, telegram = FakeRasa(), FakeTelegram()
    rasa.answer("Tôi chưa chắc…", "nlu_fallback", 0.2)
    port = 18_790
    env = {
        **os.environ,
        "BDHVS_ENVIRONMENT": "test",
        "BDHVS_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "BDHVS_KEYS_DIR": str(folder / "keys"),
        "BDHVS_RASA_URL": rasa.url,
        "BDHVS_ACTION_SERVER_URL": rasa.url,
        "BDHVS_TELEGRAM_TOKEN": "123456:BENCH",
        "BDHVS_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "BDHVS_TELEGRAM_API_URL": telegram.url,
        "BDHVS_ZALO_APP_ID": ZALO_APP_ID,
        "BDHVS_ZALO_OA_SECRET_KEY": ZALO_SECRET,
        "BDHVS_ZALO_API_URL": rasa.url,
        "BDHVS_ROLLUP_REFRESH_SECONDS": "0",
        "BDHVS_ADDRESS_MESSAGES_PER_MINUTE": "1000",
    }
    python = sys.executable
    subprocess.run(
        [python, "-m", "api", "prepare"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [python, "-m", "api", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code < 600:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        return {"replayed": asyncio.run(replay(base))}
    finally:
        server.terminate()
        server.wait(timeout=30)
        rasa.close()
        telegram.close()


def _table(results: dict[str, Any]) -> str:
    lines = [
        "## Hostile inputs (`make security`)",
        "",
        f"Measured {results['measured_at']} on {results['machine']} "
        "(`make security`, tools/bench_security.py).",
        "",
        "| masker / scam check input | characters | median |",
        "|---|---|---|",
    ]
    lines += [
        f"| {r['input']} | {'–' if r['chars'] is None else format(r['chars'], ',')} "
        f"| {r['median_ms']} ms |"
        for r in results["masker"]
    ]
    lines += [
        "",
        "| sent to the gateway | status | sent in | longest /healthz wait meanwhile |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {r['input']} | {', '.join(map(str, r['statuses']))} | {r['sent_in_ms']} ms "
        f"| {r['healthz_worst_ms']} ms |"
        for r in results["gateway"]["replayed"]
    ]
    return "\n".join(lines) + "\n"


README_START = "<!-- security-bench:start (written by tools/bench_security.py) -->"
README_END = "<!-- security-bench:end -->"


def write(results: dict[str, Any]) -> None:
    """bench/security.json and the section of bench/README.md."""
    BENCH.mkdir(exist_ok=True)
    (BENCH / "security.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    readme = BENCH / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    # Between its own markers, like the other benchmarks' sections: cutting at the
    # next heading took the next section's start marker with it.
    start, end = README_START, README_END
    section = f"{start}\n{_table(results).rstrip()}\n{end}\n"
    heading = "## Hostile inputs (`make security`)"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + section + rest.split(end, 1)[1].lstrip("\n")
    elif heading in text:  # written before the markers
        head, _, rest = text.partition(heading)
        cut = min(
            (i for i in (rest.find("\n## "), rest.find("\n<!-- ")) if i >= 0),
            default=len(rest),
        )
        text = head + section + rest[cut:].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Runs both parts and writes the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "masker": time_masker(args.repeat) + time_safety_layer(args.repeat),
    }
    with tempfile.TemporaryDirectory() as folder:
        results["gateway"] = run_gateway(Path(folder))
    write(results)
    print(_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
