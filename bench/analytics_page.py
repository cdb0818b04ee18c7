"""First paint of the analytics page on an emulated phone, next to the projects page as the baseline.

Starts the app with `make run` (SQLite, a fresh data dir), signs up in Chromium, enters 2,000 finished
generations over 90 days in the ledger as workers do, then loads `/analytics` and `/projects` in turn at
390x844 with the CPU slowed 4x and a 1.6 Mbit/s, 150 ms link (Chrome's "Slow 4G" figures). For each
load it records first contentful paint, when the headline spend is on screen (the data arrived over the
websocket), when the first Plotly chart has drawn (scrolled to as soon as its place is there: charts draw
only on screen), and how many bytes of script came before the first paint versus in all: the Plotly
bundle is fetched only after the page has painted.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from sqlalchemy import create_engine
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup_and_events import ARGS, free_port, percentile, start, stop

from mediaws.models import Generation, Project, User
from mediaws.services import ledger

LOADS = int(os.environ.get("BENCH_LOADS", "12"))
GENERATIONS = 2_000
PASSWORD = "benchmark passphrase"
TIMINGS = """
() => new Promise((resolve) => {
  const seen = {spend: null, chart: null, scrolled: false};
  const check = () => {
    const now = performance.now();
    if (now > 120000) {
      resolve({timedOut: true, ...seen, text: document.body.innerText.slice(0, 300)});
      return;
    }
    const spend = [...document.querySelectorAll('.rt-Card')].find(
      (card) => /^Spend\\s+\\$/.test(card.innerText));
    if (seen.spend === null && spend) seen.spend = now;
    const place = document.querySelector('.chart');  // charts draw on screen: scroll to the first
    if (place && !seen.scrolled) { place.scrollIntoView(); seen.scrolled = true; }
    if (seen.chart === null && document.querySelector('.js-plotly-plot .main-svg')) seen.chart = now;
    if (seen.spend !== null && seen.chart !== null) {
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      const scripts = performance.getEntriesByType('resource').filter((r) => r.initiatorType === 'script'
        || r.name.endsWith('.js'));
      const before = scripts.filter((r) => r.responseEnd <= paint.startTime);
      const plotly = scripts.filter((r) => r.name.includes('plotly'));
      resolve({
        fcp: paint.startTime, spend: seen.spend, chart: seen.chart,
        scriptsBefore: before.reduce((n, r) => n + r.encodedBodySize, 0),
        scriptsAll: scripts.reduce((n, r) => n + r.encodedBodySize, 0),
        plotlyStart: plotly.length ? plotly[0].startTime : null,
      });
    } else {
      setTimeout(check, 10);
    }
  };
  check();
})
"""
BASELINE = """
() => new Promise((resolve) => {
  const check = () => {
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    if (paint && document.body.innerText.includes('New project')) {
      resolve({fcp: paint.startTime, ready: performance.now()});
    } else { setTimeout(check, 10); }
  };
  check();
})
"""


def seed(database_url: str, email: str) -> int:
    """Enter finished generations of the person's over the last 90 days; return the pico-dollars spent."""
    engine = create_engine(database_url)
    rng = random.Random(7)
    now = datetime.now(UTC)
    total = 0
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        projects = [Project(owner_id=user.id, name=f"Bench {i}", name_key=uuid.uuid4().hex) for i in range(5)]
        session.add_all(projects)
        session.flush()
        for _ in range(GENERATIONS):
            provider, model, kind = rng.choice(
                [
                    ("openai", "gpt-5.4", "text"),
                    ("anthropic", "claude-sonnet-4-5", "text"),
                    ("gemini", "veo-3.1", "video"),
                    ("replicate", "flux-schnell", "image"),
                    ("elevenlabs", "eleven_multilingual_v2", "speech"),
                ]
            )
            ok = rng.random() > 0.05
            picos = rng.randrange(10**6, 5 * 10**11) if ok else None
            done = now - timedelta(seconds=rng.randrange(90 * 86_400))
            row = Generation(
                owner_id=user.id,
                project_id=rng.choice(projects).id,
                capability=kind,
                provider=provider,
                model=model,
                prompt="bench",
                status="succeeded" if ok else "failed",
                cost_picos=picos,
                cost_micros=None if picos is None else picos // 10**6,
                cost_source="provider_usage" if ok else None,
                video_seconds=Decimal(0),
                created_at=done - timedelta(seconds=5),
                completed_at=done,
                duration_ms=rng.randrange(500, 60_000),
            )
            session.add(row)
            session.flush()
            ledger.enter(session, row)
            total += picos or 0
        session.commit()
    engine.dispose()
    return total


def slow_phone(page: Page) -> None:
    """Slow the page's CPU 4x and its network to 1.6 Mbit/s down, 750 kbit/s up, 150 ms latency."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 93_750},
    )


def line(name: str, values: list[float], unit: str = "ms") -> str:
    """p50 and p95 of a list, printed."""
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    return f"  {name:<42} p50 {p50:8.0f} {unit}   p95 {p95:8.0f} {unit}"


def main() -> None:
    """Start, seed, load both pages LOADS times each, print."""
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="mediaws-bench-"))
    process, _ = start(port, data_dir)
    base = f"http://localhost:{port}"
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
            page = context.new_page()
            page.goto(f"{base}/signup")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_label("Repeat password").fill(PASSWORD)
            page.get_by_role("button", name="Create account").click()
            page.get_by_role("button", name="New project").wait_for()
            spent = seed(f"sqlite:///{data_dir / 'mediaws.db'}", email)
            page.goto(f"{base}/analytics")
            page.locator(".chart").first.scroll_into_view_if_needed()
            page.wait_for_selector(".js-plotly-plot .main-svg")
            page.close()
            runs: list[dict[str, float]] = []
            baseline: list[dict[str, float]] = []
            for _ in range(LOADS):
                page = context.new_page()
                slow_phone(page)
                page.goto(f"{base}/analytics", wait_until="commit")
                runs.append(page.evaluate(TIMINGS))
                if runs[-1].get("timedOut"):
                    raise SystemExit(f"the analytics page did not finish loading: {runs[-1]}")
                page.close()
                page = context.new_page()
                slow_phone(page)
                page.goto(f"{base}/projects", wait_until="commit")
                baseline.append(page.evaluate(BASELINE))
                page.close()
            browser.close()
    finally:
        stop(process)
        shutil.rmtree(data_dir, ignore_errors=True)
    fcp = [r["fcp"] for r in runs]
    print(f"analytics page, {GENERATIONS:,} generations in 90 days (${spent / 10**12:,.2f}), {LOADS} loads,")
    print("phone 390x844, CPU 4x slower, 1.6 Mbit/s and 150 ms:")
    print(line("first contentful paint", fcp))
    print(line("headline spend on screen", [r["spend"] for r in runs]))
    print(line("first chart drawn", [r["chart"] for r in runs]))
    print(line("Plotly bundle requested at", [r["plotlyStart"] or 0 for r in runs]))
    before = statistics.median(r["scriptsBefore"] for r in runs) / 1024
    every = statistics.median(r["scriptsAll"] for r in runs) / 1024
    print(f"  script bytes before first paint {before:,.0f} KB of {every:,.0f} KB loaded in all")
    base_fcp = [b["fcp"] for b in baseline]
    print("baseline, the projects page under the same throttling:")
    print(line("first contentful paint", base_fcp))
    print(line("list on screen", [b["ready"] for b in baseline]))
    ratio = percentile(fcp, 0.5) / percentile(base_fcp, 0.5)
    print(f"ratio analytics/projects first paint at p50: {ratio:.2f}x")


if __name__ == "__main__":
    main()
