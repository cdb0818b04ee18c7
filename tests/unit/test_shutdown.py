"""SIGTERM and SIGINT stop a server process: cleanly when it can, within the grace period when it is stuck."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HUNG = 60  # seconds: far beyond the 1 s grace period; reaching it means the process ignored the signal

SERVER = """
    import asyncio, signal, sys, threading
    from mediaws.shutdown import exit_within

    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: (print("graceful stop", flush=True), loop.stop()))
    assert exit_within(GRACE)
    print("ready", flush=True)
    if STUCK:
        held = threading.Lock()
        held.acquire()
        held.acquire()  # the main thread waits for ever, like one blocked on a dead thread's import lock
    loop.run_forever()
    print("stopped", flush=True)
"""


def _stop(*, stuck: bool, how: signal.Signals, grace: float = 1.0, times: int = 1) -> tuple[int, str, str]:
    """Start a process serving like Granian's worker does, signal it once it is up, return how it ended."""
    process = subprocess.Popen(
        [sys.executable, "-c", f"GRACE = {grace}\nSTUCK = {stuck}\n" + textwrap.dedent(SERVER)],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n", process.communicate()[1]
    for _ in range(times):
        process.send_signal(how)
    try:
        out, err = process.communicate(timeout=HUNG)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"the process ignored {how.name} for {HUNG} s")
    return process.returncode, out, err


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_a_stuck_process_exits_after_the_grace_period(how: signal.Signals) -> None:
    """Its event loop never gets the signal; the deadline ends the process anyway, saying why."""
    code, _out, err = _stop(stuck=True, how=how)
    assert code == 128 + how
    assert f"after {how.name}: exiting without a clean shutdown" in err


def test_a_healthy_process_still_stops_cleanly_and_at_once() -> None:
    """The server's own handler still runs; the deadline keeps nothing alive, even signalled twice at once.

    A stop signals a Granian worker twice (the process group's signal, then the supervisor's).
    """
    code, out, _err = _stop(stuck=False, how=signal.SIGTERM, grace=HUNG * 2, times=2)
    assert (code, out.splitlines()[0], out.splitlines()[-1]) == (0, "graceful stop", "stopped")
