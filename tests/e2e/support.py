"""Helpers shared by the browser tests."""

from __future__ import annotations

import io
import os
import re
import subprocess
import threading
import uuid
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page, WebSocketRoute, expect

from tests.providers.fakeserver import FakeServer, Recorded, Reply

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MEDIAWS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PICTURE_SHOWN = "(selector) => [...document.querySelectorAll(selector)].some((i) => i.naturalWidth > 0)"


def server_env(data_dir: Path, port: int) -> dict[str, str]:
    """The app server's environment: this one without a database URL, a data dir, no telemetry, bun."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEDIAWS_DATABASE_URL"}}
    env.update(
        MEDIAWS_DATA_DIR=str(data_dir),
        MEDIAWS_PORT=str(port),
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
    )
    env.setdefault("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org/")
    bun = ROOT / ".tools" / "node_modules" / "bun" / "bin" / "bun.exe"
    if bun.exists():
        env.setdefault("REFLEX_BUN_PATH", str(bun))
    return env


AXE = Path(__file__).resolve().parents[2] / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
STRUCTURE = ["heading-order", "landmark-one-main", "page-has-heading-one", "region", "landmark-unique"]
AXE_RUN = """async ([tags, extra]) => (await axe.run(document, {
  runOnly: {type: 'tag', values: tags},
  rules: Object.fromEntries(extra.map((id) => [id, {enabled: true}])),
})).violations.map(
  (v) => `${v.id} (${v.impact}): ${v.help}\\n` + v.nodes.map(
    (n) => `    ${n.target.join(' ')}: ${n.html.slice(0, 160)}\\n`
      + `      ${n.failureSummary.replace(/\\n/g, ' ')}`
  ).join('\\n'))"""
PASSWORD = "correct horse battery staple"
PROJECT = "Launch <b>teaser</b> ✨ 春"
SECRET = "sk-proj-" + "Zq9" * 12 + "Wx7T"


@dataclass
class AppServer:
    """The running app: where it listens, where its data and log live."""

    url: str
    data_dir: Path
    log: Path
    database_url: str
    redis_url: str = ""
    process: subprocess.Popen[bytes] | None = None


class Shots:
    """Numbered screenshots saved as test artifacts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, page: Page, name: str) -> None:
        """Save a full-page screenshot."""
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


def axe_violations(page: Page, where: str) -> list[str]:
    """Run axe-core's WCAG 2.0/2.1 A and AA rules, landmarks and heading order; a text block per violation."""
    assert AXE.exists(), f"{AXE} is missing: `make test-deps` installs axe-core"
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return [f"{where}: {violation}" for violation in page.evaluate(AXE_RUN, [WCAG_AA, STRUCTURE])]


def option(page: Page, label: str, *, exact: bool = False) -> Locator:
    """Generate's option of that label in the form on screen (every type's form is mounted, one shown)."""
    return page.get_by_label(label, exact=exact).filter(visible=True)


def sign_up(page: Page, server: AppServer, email: str) -> None:
    """Create an account through the sign-up page."""
    page.goto(f"{server.url}/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/projects/?$"))
    expect(page.get_by_role("button", name="New project")).to_be_visible()  # the page is live: clicks count


def create_project(page: Page, name: str) -> None:
    """Create a project from the projects page through its dialog; return once its card is shown."""
    page.get_by_role("button", name="New project").click()
    page.get_by_role("dialog").get_by_label("Name").fill(name)
    page.get_by_role("dialog").get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill the login form that is on screen."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def first_day_journey(app_server: AppServer, new_page: Callable[[], Page], shots: Shots, tag: str) -> None:
    """Sign up → project → key (masked) → reload → log out → log in → a stranger sees not found."""
    viewport = tag
    email = f"ada-{viewport}-{uuid.uuid4().hex[:8]}@example.com"
    page = new_page()
    received: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append(str(frame))))

    page.goto(f"{app_server.url}/projects")
    expect(page).to_have_url(re.compile(r"/login"))
    shots(page, "login-required")
    page.get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/signup"))
    shots(page, "signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/projects/?$"))
    expect(page.get_by_role("button", name="New project")).to_be_visible()  # the page is live: clicks count
    expect(page.get_by_text("No projects yet")).to_be_visible()
    shots(page, "projects-empty")

    page.get_by_role("button", name="New project").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(PROJECT)
    dialog.get_by_label("Description").fill("Spring launch <i>clips</i>")
    dialog.get_by_label("Monthly budget (USD, optional)").fill("25.50")
    shots(page, "new-project")
    dialog.get_by_role("button", name="Create project").click()
    card_title = page.get_by_role("heading", name=PROJECT)
    expect(card_title).to_be_visible()
    expect(page.get_by_text("Budget $25.50/mo")).to_be_visible()
    expect(page.locator("main b")).to_have_count(0)
    shots(page, "projects")

    card_title.click()
    expect(page).to_have_url(re.compile(r"/projects/[0-9a-f-]{36}/?$"))
    expect(page.get_by_role("heading", name=PROJECT, level=1)).to_be_visible()
    expect(page.get_by_role("paragraph").filter(has_text="Spring launch <i>clips</i>")).to_be_visible()
    project_url = page.url
    shots(page, "project")

    page.get_by_role("link", name="API keys").click()
    expect(page).to_have_url(re.compile(r"/settings/keys"))
    page.get_by_role("button", name="Add OpenAI key").click()
    page.get_by_label("API key", exact=True).fill(SECRET)
    shots(page, "add-key")
    page.get_by_role("button", name="Save key").click()
    openai_row = page.locator("[data-provider='openai']")
    expect(openai_row.get_by_text("•••• Wx7T")).to_be_visible()
    expect(openai_row.get_by_role("button", name="Replace OpenAI key")).to_be_visible()
    shots(page, "key-masked")

    openai_row.get_by_role("button", name="Test OpenAI key").click()
    expect(page.get_by_text("OpenAI accepted the key.")).to_be_visible(timeout=15_000)
    expect(openai_row.get_by_text("last used just now")).to_be_visible()
    shots(page, "key-tested")

    page.reload()
    expect(page.locator("[data-provider='openai']").get_by_text("•••• Wx7T")).to_be_visible()
    assert SECRET not in page.content()
    assert not any(SECRET in frame for frame in received), "the key came back to the browser"
    assert SECRET not in app_server.log.read_text(errors="replace"), "the key reached the server log"
    shots(page, "key-after-reload")

    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("menuitem", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    assert "mediaws_session" not in {c["name"] for c in page.context.cookies()}, "logout left the cookie"
    page.goto(project_url)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    log_in(page, email)
    expect(page).to_have_url(re.compile(re.escape(project_url.rstrip("/")) + "/?$"))
    expect(page.get_by_role("heading", name=PROJECT, level=1)).to_be_visible()
    shots(page, "back-after-login")

    stranger = new_page()
    sign_up(stranger, app_server, f"eve-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    stranger.goto(project_url)
    expect(stranger.get_by_role("heading", name="Project not found")).to_be_visible()
    expect(stranger.get_by_text(PROJECT)).to_have_count(0)
    shots(stranger, "stranger-not-found")


class SlowReplicate:
    """Replicate predictions that creep forward a few percent per poll and only stop when cancelled."""

    def __init__(self) -> None:
        self.server = FakeServer()
        self.polls: dict[str, int] = {}
        self.server.route("POST", r"/v1/models/[^/]+/[^/]+/predictions", self._create)
        self.server.route("GET", r"/v1/predictions/(?P<id>[^/]+)", self._get)
        self.server.route("POST", r"/v1/predictions/(?P<id>[^/]+)/cancel", self._cancel)

    def _prediction(self, prediction_id: str, status: str) -> dict[str, object]:
        percent = min(5 + 3 * self.polls.get(prediction_id, 0), 95)
        return {
            "id": prediction_id,
            "model": "minimax/video-01",
            "version": "hidden",
            "input": {},
            "logs": f"{percent}%|███       | {percent}/100",
            "output": None,
            "error": None,
            "status": status,
            "created_at": "2026-11-28T10:00:00Z",
            "metrics": {},
            "urls": {},
        }

    def _create(self, _request: Recorded, _match: object) -> Reply:
        prediction_id = f"e2e{len(self.polls)}"
        self.polls[prediction_id] = 0
        return Reply(201, json=self._prediction(prediction_id, "starting"))

    def _get(self, _request: Recorded, match: re.Match[str]) -> Reply:
        self.polls[match["id"]] = self.polls.get(match["id"], 0) + 1
        return Reply(json=self._prediction(match["id"], "processing"))

    def _cancel(self, _request: Recorded, match: re.Match[str]) -> Reply:
        return Reply(json=self._prediction(match["id"], "canceled"))


def _tone_wav(seconds: float = 0.6, rate: int = 16_000) -> bytes:
    """A short mono WAV of a square-wave beep, to stand in for a voice sample."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        frames += (6000 if (n // 20) % 2 else -6000).to_bytes(2, "little", signed=True)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


class FakeElevenLabs:
    """ElevenLabs' voices (premade and cloned, with free samples) for the keys it knows; 401 for others."""

    VOICES = (
        ("21m00Tcm4TlvDq8ikWAM", "Rachel", "premade"),
        ("cl0n3dNarrat0r000001", "My narrator", "cloned"),
        ("pNInz6obpgDQGcFmaJgB", "Adam", "premade"),
    )

    def __init__(self) -> None:
        self.server = FakeServer()
        self.sample = _tone_wav()
        self.keys: set[str] = set()
        self._held: dict[str, threading.Event] = {}
        self.server.route("GET", r"/v1/voices", self._voices)
        self.server.route("GET", r"/v1/models", self._models)
        self.server.route("GET", r"/samples/(?P<id>[^/]+)\.wav", self._sample)

    def hold(self, key: str) -> None:
        """Accept this key, but keep its voice list waiting until release(key)."""
        self.keys.add(key)
        self._held[key] = threading.Event()

    def release(self, key: str) -> None:
        """Let the held voice list of this key answer."""
        self._held[key].set()

    def _refused(self, request: Recorded) -> Reply | None:
        if request.headers.get("xi-api-key") in self.keys:
            return None
        return Reply(401, json={"detail": {"status": "invalid_api_key", "message": "Invalid API key"}})

    def _voices(self, request: Recorded, _match: object) -> Reply:
        gate = self._held.get(request.headers.get("xi-api-key", ""))
        if gate is not None:
            gate.wait(timeout=30)
        listed = [
            {
                "voice_id": voice_id,
                "name": name,
                "category": category,
                "labels": {},
                "preview_url": f"{self.server.url}/samples/{voice_id}.wav",
            }
            for voice_id, name, category in self.VOICES
        ]
        return self._refused(request) or Reply(json={"voices": listed})

    def _models(self, request: Recorded, _match: object) -> Reply:
        return self._refused(request) or Reply(json=[])

    def _sample(self, _request: Recorded, _match: object) -> Reply:
        return Reply(body=self.sample, headers={"Content-Type": "audio/wav"})


class HeldAnswers:
    """The page's websocket to the server, with the server's messages held back while `on`."""

    def __init__(self, page: Page) -> None:
        self.on = False
        self.held: list[str | bytes] = []
        self._page: WebSocketRoute | None = None
        page.route_web_socket(re.compile(r"/_event"), self._route)

    def _route(self, page_side: WebSocketRoute) -> None:
        self._page = page_side
        page_side.connect_to_server().on_message(self._from_server)

    def _from_server(self, message: str | bytes) -> None:
        if self.on:
            self.held.append(message)
        elif self._page is not None:
            self._page.send(message)

    def release(self) -> None:
        """Let the held messages through, in order, and stop holding."""
        self.on = False
        assert self._page is not None
        for message in self.held:
            self._page.send(message)
        self.held.clear()
