"""`make bench`'s process meter: CPU time per turn and memory of a stack's processes."""

from __future__ import annotations

import subprocess
import sys

from tools.stack import ProcessMeter

# A child that burns CPU for about half a second, then waits to be measured.
BUSY = (
    "import sys, time\n"
    "end = time.process_time() + 0.5\n"
    "while time.process_time() < end: pass\n"
    "print('done', flush=True)\n"
    "sys.stdin.readline()\n"
)


def test_the_meter_counts_the_cpu_a_child_used_between_start_and_stop() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", BUSY],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        meter = ProcessMeter([child.pid])
        meter.start()
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "done"
        (row,) = meter.stop(turns=10)
    finally:
        child.communicate("\n", timeout=10)
    # About 500 ms over 10 turns; the interpreter's start-up may fall before start().
    assert 20 <= row.cpu_ms_per_turn <= 200
    assert row.role == "other"
    assert 0 < row.pss_mb <= row.rss_mb <= row.peak_rss_mb


def test_a_process_gone_before_stop_counts_no_memory() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    meter = ProcessMeter([child.pid])
    meter.start()
    child.wait()
    (row,) = meter.stop(turns=1)
    assert row.rss_mb == row.pss_mb == 0
