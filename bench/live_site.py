"""The production app with one account full of data, for the browser benches (Lighthouse, click → DOM).

Serves `python -m mediaws.serve` (what `make run` starts: `reflex run --env prod`, reusing `.web/build`
while the frontend is unchanged) on BENCH_PORT (default 3117, so the build is reused between runs) with a
fresh SQLite data dir, signs up in a Chromium profile (the HttpOnly session cookie lives in the profile,
where the page's websocket sends it), then seeds through the e2e helpers: a project of 30 files with their
thumbnails, posters and waveforms; two projects of priced generations (a budget at 85 %); and 2,000 finished
generations over 90 days in five more projects, entered in the spend ledger.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from analytics_page import seed as seed_spend  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from sqlmodel import Session, create_engine, select  # noqa: E402

from mediaws import migrations  # noqa: E402
from mediaws.models import Asset  # noqa: E402
from tests.e2e import test_analytics, test_gallery  # noqa: E402
from tests.e2e.support import CHROMIUM, PASSWORD, AppServer, server_env  # noqa: E402
from tests.e2e.support import CHROMIUM_ARGS as ARGS  # noqa: E402

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PORT = int(os.environ.get("BENCH_PORT", "3117"))
START_SECONDS = 900


@dataclass
class Site:
    """The running app, the signed-in profile and the pages worth opening, by name."""

    url: str
    data_dir: Path
    profile: Path
    email: str
    pages: dict[str, str] = field(default_factory=dict)
    logged_out: frozenset[str] = frozenset({"login", "signup"})


def serve(data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    """Migrate a fresh SQLite database and start the app; return once `/ping` answers."""
    migrations.upgrade(f"sqlite:///{data_dir / 'mediaws.db'}")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mediaws.serve"],
            cwd=ROOT,
            env=server_env(data_dir, PORT),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    began = time.monotonic()
    while time.monotonic() - began < START_SECONDS:
        if process.poll() is not None:
            raise SystemExit(f"the app exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://localhost:{PORT}/ping", timeout=2):
                return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise SystemExit(f"the app did not answer /ping in {START_SECONDS} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the app and every process it started."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def sign_up(url: str, profile: Path, email: str) -> None:
    """Create the account in a persistent Chromium profile: its session cookie stays in the profile."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=ARGS, viewport=PHONE
        )
        page = context.new_page()
        page.goto(f"{url}/signup")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Repeat password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        page.get_by_role("button", name="New project").wait_for()
        context.close()


def seed(site: Site) -> None:
    """Fill the account and name its pages."""
    database_url = f"sqlite:///{site.data_dir / 'mediaws.db'}"
    log = site.data_dir / "app.log"
    server = AppServer(url=site.url, data_dir=site.data_dir, log=log, database_url=database_url)
    files = test_gallery._seed(server, site.email)
    money = test_analytics._seed(server, site.email)
    seed_spend(database_url, site.email)
    engine = create_engine(database_url)
    with Session(engine) as session:
        image = session.exec(
            select(Asset).where(Asset.project_id == uuid.UUID(files.project_id), Asset.kind == "image")
        ).first()
    engine.dispose()
    assert image is not None
    site.pages = {
        "login": "/login",
        "signup": "/signup",
        "projects": "/projects",
        "project": f"/projects/{money.budgeted}",
        "project gallery": f"/projects/{files.project_id}/assets",
        "all assets": "/assets",
        "asset": f"/assets/{image.id}",
        "generate": "/generate",
        "analytics": "/analytics",
        "project analytics": f"/projects/{money.budgeted}/analytics",
        "API keys": "/settings/keys",
        "account": "/settings/account",
        "404": "/no-such-page",
    }


@contextmanager
def seeded_site(keep: Path | None = None) -> Iterator[Site]:
    """Serve, sign up and seed; stop the app and remove its data afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix="mediaws-bench-"))
    work = keep or Path(tempfile.mkdtemp(prefix="mediaws-bench-profile-"))
    work.mkdir(parents=True, exist_ok=True)
    profile = work / "profile"
    shutil.rmtree(profile, ignore_errors=True)
    site = Site(
        url=f"http://localhost:{PORT}",
        data_dir=data_dir,
        profile=profile,
        email=f"bench-{uuid.uuid4().hex[:8]}@example.com",
    )
    process = serve(data_dir, work / "app.log")
    try:
        sign_up(site.url, profile, site.email)
        seed(site)
        yield site
    finally:
        stop(process)
        shutil.rmtree(data_dir, ignore_errors=True)
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
