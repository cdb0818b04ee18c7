"""Lighthouse on every page, phone and desktop, logged in with real data (issue #15, Deliver 3 and 8).

Starts the production app with one seeded account (`bench/live_site.py`), signs up in a Chromium profile,
checks in Playwright that every page opens signed in, then runs the Lighthouse CLI (pinned, from npm into
`.tools/lighthouse` by `make bench`) three times per page and form factor on Debian's headless Chromium with
that same `--user-data-dir`: the session cookie is in the profile, where the page's websocket sends it
(a cookie header from Lighthouse would reach the first request only). Lighthouse's storage reset clears the
service worker, caches and disk cache, not cookies. Login and sign-up run with an empty profile.

Prints the medians (performance, FCP, LCP, TBT, CLS, TTI, Speed Index, accessibility) against the roadmap's
floor, then the failing performance audits of each page's median phone run with their top offenders.
Reports are kept in bench/out/lighthouse/.

    .venv/bin/python bench/lighthouse.py                       # every page, 3 runs each (~25 min, 2 cores)
    .venv/bin/python bench/lighthouse.py --runs 1 --pages generate analytics
    .venv/bin/python bench/lighthouse.py --resume             # keep the reports an interrupted run left
    .venv/bin/python bench/lighthouse.py --runs 1 --pages projects --traces
    node bench/lantern_tti.mjs bench/out/lighthouse/projects-mobile-1   # what ends the simulated TTI
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_site import ARGS, CHROMIUM, PHONE, ROOT, Site, seeded_site
from playwright.sync_api import sync_playwright

ATTEMPTS = 3  # a loaded machine sometimes loses the trace (NO_NAVSTART): run that one again
LIGHTHOUSE_VERSION = "12.8.2"  # the Makefile's LIGHTHOUSE_VERSION: 13.x needs Node >= 22.19, this has 20
LIGHTHOUSE = ROOT / ".tools" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
OUT = ROOT / "bench" / "out" / "lighthouse"
FORMS = ("mobile", "desktop")
NOT_FOUND = "/no-such-page"
FLOOR = {"perf": 90.0, "fcp": 1500.0, "lcp": 2500.0, "cls": 0.1, "tti": 3000.0}
METRICS = {
    "fcp": "first-contentful-paint",
    "lcp": "largest-contentful-paint",
    "tbt": "total-blocking-time",
    "cls": "cumulative-layout-shift",
    "tti": "interactive",
    "si": "speed-index",
}


@dataclass
class Run:
    """One Lighthouse report, reduced to its figures."""

    path: Path
    final_url: str
    figures: dict[str, float]


def check_pages(site: Site) -> None:
    """Open each signed-in page in the profile: it must keep its URL (no redirect to /login), show a title."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(site.profile), executable_path=CHROMIUM, headless=True, args=ARGS, viewport=PHONE
        )
        page = context.new_page()
        for name, path in site.pages.items():
            if name in site.logged_out:
                continue
            page.goto(site.url + path)
            page.locator("h1").first.wait_for(timeout=30_000)
            page.wait_for_load_state("networkidle")
            if page.url.rstrip("/") != (site.url + path).rstrip("/"):
                raise SystemExit(f"{name}: {path} went to {page.url}: not signed in?")
        context.close()


def lighthouse(url: str, profile: Path, form: str, out: Path, keep_trace: bool = False) -> Run:
    """Run the Lighthouse CLI once on Debian's Chromium with this profile; return its figures.

    With `keep_trace`, the trace and network log go to a folder beside the report (`bench/lantern_tti.mjs`).
    """
    flags = ["--headless=new", f"--user-data-dir={profile}", *ARGS]
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={out}",
        "--only-categories=performance,accessibility",
        f"--chrome-flags={' '.join(flags)}",
        "--disable-full-page-screenshot",
        "--no-enable-error-reporting",
        "--quiet",
    ]
    if form == "desktop":
        command.append("--preset=desktop")
    if keep_trace:
        command.append(f"-GA={out.with_suffix('')}")
    if url.endswith(NOT_FOUND):
        command.append("--ignore-status-code")  # the 404 page answers 404, as it should
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    for attempt in range(1, ATTEMPTS + 1):
        try:
            subprocess.run(command, check=True, env=env, stdin=subprocess.DEVNULL, timeout=300)
            error = json.loads(out.read_text()).get("runtimeError")
            if error:
                raise RuntimeError(error["code"])
            break
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, RuntimeError) as failed:
            if attempt == ATTEMPTS:
                raise
            print(f"  {url} ({form}): Lighthouse failed ({failed}); again", flush=True)
    return read(out)


def read(out: Path) -> Run:
    """A saved report's figures."""
    report = json.loads(out.read_text())
    audits, categories = report["audits"], report["categories"]
    figures = {key: float(audits[audit].get("numericValue") or 0) for key, audit in METRICS.items()}
    figures["perf"] = 100 * (categories["performance"]["score"] or 0)
    figures["a11y"] = 100 * (categories["accessibility"]["score"] or 0)
    figures["cpu"] = float(report.get("environment", {}).get("benchmarkIndex") or 0)
    return Run(out, report["finalDisplayedUrl"], figures)


def measure(
    site: Site, names: list[str], runs: int, resume: bool, keep_trace: bool = False
) -> dict[tuple[str, str], list[Run]]:
    """Every page, each form factor, `runs` times; a signed-in page that lands elsewhere stops the bench.

    With `resume`, a report already in bench/out/lighthouse (from an interrupted run) is read, not redone.
    """
    empty = site.profile.parent / "logged-out"
    shutil.rmtree(empty, ignore_errors=True)
    empty.mkdir()
    OUT.mkdir(parents=True, exist_ok=True)
    found: dict[tuple[str, str], list[Run]] = {}
    for name in names:
        path = site.pages[name]
        profile = empty if name in site.logged_out else site.profile
        for form in FORMS:
            for n in range(runs):
                out = OUT / f"{name.replace(' ', '-')}-{form}-{n + 1}.json"
                fresh = not (resume and out.exists())  # a kept report has the earlier account's ids
                run = lighthouse(site.url + path, profile, form, out, keep_trace) if fresh else read(out)
                landed = run.final_url.split("/", 3)[-1].split("?")[0].strip("/")
                signed_out = name not in site.logged_out and landed == "login"
                if signed_out or (fresh and landed != path.strip("/")):
                    raise SystemExit(f"{name}: Lighthouse ended on {run.final_url}, not {path}")
                found.setdefault((name, form), []).append(run)
            load = os.getloadavg()
            print(f"  {name} {form}: done (load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})", flush=True)
    return found


def machine(found: dict[tuple[str, str], list[Run]]) -> str:
    """Lighthouse's CPU benchmark index over every report: TBT and TTI scale with it between machines."""
    index = sorted(run.figures["cpu"] for runs in found.values() for run in runs if run.figures["cpu"])
    if not index:
        return "CPU benchmark index unknown"
    return f"CPU benchmark index {index[0]:,.0f} to {index[-1]:,.0f}"


def median(runs: list[Run], key: str) -> float:
    """The median of one figure over the runs."""
    return statistics.median(run.figures[key] for run in runs)


def median_run(runs: list[Run]) -> Run:
    """The run whose performance score is the median one."""
    return sorted(runs, key=lambda run: run.figures["perf"])[len(runs) // 2]


def _cell(value: float, key: str) -> str:
    mark = ""
    if (key == "perf" and value <= FLOOR["perf"]) or (key in FLOOR and key != "perf" and value >= FLOOR[key]):
        mark = " ✗"
    if key == "cls":
        return f"{value:.3f}{mark}"
    if key in {"perf", "a11y"}:
        return f"{value:.0f}{mark}"
    if key == "tbt":
        return f"{value:,.0f} ms"
    return f"{value / 1000:.2f} s{mark}"


def table(found: dict[tuple[str, str], list[Run]], form: str) -> str:
    """A Markdown table of the medians of one form factor; ✗ marks a figure outside the floor."""
    keys = ("perf", "fcp", "lcp", "tbt", "cls", "tti", "si", "a11y")
    lines = [
        f"| page ({form}) | perf | FCP | LCP | TBT | CLS | TTI | Speed Index | a11y |",
        "| --- |" + " ---: |" * len(keys),
    ]
    for (name, kind), runs in found.items():
        if kind == form:
            lines.append(f"| {name} | " + " | ".join(_cell(median(runs, key), key) for key in keys) + " |")
    return "\n".join(lines)


def _offender(item: dict[str, object]) -> str:
    where = str(item.get("url") or item.get("groupLabel") or item.get("label") or item.get("group") or "")
    node = item.get("node")
    if not where and isinstance(node, dict):
        where = str(node.get("snippet") or node.get("selector") or "")
    where = where.replace(ROOT.as_posix(), "").split("/assets/")[-1][:70]
    facts = []
    for key, unit, scale in (
        ("wastedMs", "ms saved", 1),
        ("wastedBytes", "KB saved", 1024),
        ("totalBytes", "KB", 1024),
        ("transferSize", "KB", 1024),
        ("duration", "ms", 1),
        ("total", "ms", 1),
        ("scripting", "ms scripting", 1),
    ):
        value = item.get(key)
        if isinstance(value, int | float) and value:
            facts.append(f"{value / scale:,.0f} {unit}")
    return f"{where} ({', '.join(facts[:2])})" if facts else where


def offenders(run: Run, limit: int = 3) -> list[str]:
    """The performance audits that fail in this report, each with its biggest items."""
    report = json.loads(run.path.read_text())
    refs = report["categories"]["performance"]["auditRefs"]
    wanted = {ref["id"] for ref in refs if ref.get("group") == "diagnostics"}
    extra = {"bootup-time", "mainthread-work-breakdown", "long-tasks", "largest-contentful-paint-element"}
    lines = []
    for audit_id in sorted(wanted | extra):
        audit = report["audits"].get(audit_id)
        if not audit or audit.get("score") is None or (audit["score"] >= 0.9 and audit_id not in extra):
            continue
        items = (audit.get("details") or {}).get("items") or []
        if not isinstance(items, list):
            continue
        if audit_id == "largest-contentful-paint-element" and items:
            items = items[0].get("items", [])[:1]
        shown = "; ".join(_offender(item) for item in items[:limit] if isinstance(item, dict))
        lines.append(f"    {audit['title']}: {audit.get('displayValue', '')} {shown}".rstrip())
    return lines


def main() -> None:
    """Serve, seed, check the sign-in, run Lighthouse, print the tables and offenders."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", nargs="*", help="page names (default: all)")
    parser.add_argument("--resume", action="store_true", help="keep the reports already in bench/out")
    parser.add_argument("--traces", action="store_true", help="keep each trace for bench/lantern_tti.mjs")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: `make bench` installs Lighthouse {LIGHTHOUSE_VERSION}")
    with seeded_site(OUT / "work") as site:
        names = args.pages or list(site.pages)
        check_pages(site)
        print(f"signed in as {site.email}; {len(names)} pages, {args.runs} runs each", flush=True)
        found = measure(site, names, args.runs, args.resume, args.traces)
    version = subprocess.run(["node", str(LIGHTHOUSE), "--version"], capture_output=True, text=True).stdout
    print(f"\nLighthouse {version.strip()}, medians of {args.runs}; floor: perf > 90, FCP < 1.5 s,")
    print("LCP < 2.5 s, CLS < 0.1, TTI < 3 s (✗: outside it)")
    print(f"{machine(found)} (compare CPU-bound figures only between runs at a similar index)\n")
    for form in FORMS:
        print(table(found, form) + "\n")
    print("Failing performance audits, median phone run:")
    for (name, form), runs in found.items():
        if form == "mobile":
            print(f"  {name}:")
            print("\n".join(offenders(median_run(runs))))


if __name__ == "__main__":
    main()
