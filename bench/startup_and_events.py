"""Start-up time of `make run` (cold and warm) and websocket event round trips in Chromium.

Prints seconds from `make run` to `/ping` answering with no `.web/` build (cold) and with it (warm),
then p50/p95 over 200 clicks of click → DOM updated for a real event (switching the projects view,
which queries the database), next to a plain `fetch('/ping')` from the same page as the baseline.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.support import CHROMIUM_ARGS as ARGS  # noqa: E402

CLICKS = 200
CLICK_AND_WAIT = """
([label, text]) => new Promise((resolve) => {
  const button = [...document.querySelectorAll('[role=radio]')].find((b) => b.textContent.includes(label));
  const seen = () => document.body.innerText.includes(text);
  let start = 0;
  const observer = new MutationObserver(() => {
    if (seen()) { observer.disconnect(); resolve(performance.now() - start); }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  start = performance.now();
  button.click();
})
"""
PING = "async () => { const t = performance.now(); await fetch('/ping'); return performance.now() - t; }"


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(port: int, data_dir: Path) -> tuple[subprocess.Popen[bytes], float]:
    """Run `make run` and return the process and seconds until /ping answered."""
    env = {**os.environ, "MEDIAWS_PORT": str(port), "MEDIAWS_DATA_DIR": str(data_dir)}
    began = time.perf_counter()
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    while time.perf_counter() - began < 600:
        if process.poll() is not None:
            raise SystemExit(f"make run exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/ping", timeout=1):
                return process, time.perf_counter() - began
        except OSError:
            time.sleep(0.1)
    raise SystemExit("make run did not answer /ping within 600 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop `make run` and everything it started."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure_events(page: Page, base: str) -> tuple[list[float], list[float]]:
    """Sign up, create a project, then time view switches and pings."""
    page.goto(f"{base}/signup")
    page.get_by_label("Email").fill(f"bench-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password", exact=True).fill("benchmark passphrase")
    page.get_by_label("Repeat password").fill("benchmark passphrase")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("button", name="New project").click()
    page.get_by_role("dialog").get_by_label("Name").fill("Bench project")
    page.get_by_role("button", name="Create project").click()
    page.get_by_role("heading", name="Bench project").wait_for()
    events: list[float] = []
    pings: list[float] = []
    for i in range(CLICKS + 10):
        target = ("Archived", "No archived projects.") if i % 2 == 0 else ("Active", "Bench project")
        elapsed = page.evaluate(CLICK_AND_WAIT, list(target))
        ping = page.evaluate(PING)
        if i >= 10:
            events.append(elapsed)
            pings.append(ping)
    return events, pings


def main() -> None:
    """Run both measurements and print the figures."""
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="mediaws-bench-"))
    shutil.rmtree(ROOT / ".web", ignore_errors=True)
    process, cold = start(port, data_dir)
    stop(process)
    process, warm = start(port, data_dir)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page()
            events, pings = measure_events(page, f"http://localhost:{port}")
            browser.close()
    finally:
        stop(process)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"make run → /ping, cold (no .web build): {cold:.1f} s")
    print(f"make run → /ping, warm:                 {warm:.1f} s")
    print(f"event round trip over {len(events)} clicks (click → DOM updated, DB query included):")
    print(
        f"  p50 {percentile(events, 0.5):.1f} ms  p95 {percentile(events, 0.95):.1f} ms  "
        f"mean {statistics.fmean(events):.1f} ms"
    )
    print(
        f"baseline fetch('/ping') from the same page: p50 {percentile(pings, 0.5):.1f} ms  "
        f"p95 {percentile(pings, 0.95):.1f} ms"
    )
    print(f"ratio event/ping at p50: {percentile(events, 0.5) / percentile(pings, 0.5):.1f}x")


if __name__ == "__main__":
    main()
