"""The production build under its security headers: no CSP violation, uploads work, loopback only."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.e2e.support import AppServer, Shots, create_project, sign_up

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _violations(page: Page, console: list[str]) -> list[str]:
    recorded: list[str] = page.evaluate("window.__cspViolations || []")
    return recorded + [text for text in console if "Content Security Policy" in text or "Refused to" in text]


def _visit(page: Page, console: list[str], path: str, app_server: AppServer) -> None:
    response = page.goto(f"{app_server.url}{path}")
    assert response is not None
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    page.wait_for_load_state("networkidle")
    found = _violations(page, console)
    assert not found, f"{path}:\n" + "\n".join(found)


def test_pages_render_under_the_policy_with_no_violation(
    app_server: AppServer, browser: Browser, shots: Shots, tmp_path: Path
) -> None:
    """Log in, projects, a project, generate (with an image upload) and settings, with zero CSP reports."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(_text(message)))
    try:
        _visit(page, console, "/login", app_server)
        sign_up(page, app_server, f"csp-{uuid.uuid4().hex[:8]}@example.com")
        _visit(page, console, "/projects", app_server)
        create_project(page, "Policies")
        page.get_by_role("link", name="Generate").click()
        expect(page).to_have_url(re.compile(r"/generate"))
        expect(page.get_by_text("Estimated cost:")).to_be_visible(timeout=30_000)
        page.get_by_role("radio", name="Video").click()
        picture = tmp_path / "start.png"
        Image.new("RGB", (320, 180), (40, 120, 200)).save(picture, format="PNG")
        page.locator("#start-image input[type=file]").set_input_files(str(picture))
        expect(page.get_by_role("img", name="Start image")).to_be_visible()
        shots(page, "generate-under-csp")
        found = _violations(page, console)
        assert not found, "/generate:\n" + "\n".join(found)
        _visit(page, console, "/settings/keys", app_server)
        _visit(page, console, "/settings/account", app_server)
    finally:
        context.close()


def _text(message: ConsoleMessage) -> str:
    return f"{message.type}: {message.text}"


def test_the_server_listens_on_loopback_only(app_server: AppServer) -> None:
    """`reflex run --env prod` with the default settings binds 127.0.0.1, not every interface."""
    port = urlsplit(app_server.url).port
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, state = fields[1], fields[3]
            if state == "0A" and int(address.rsplit(":", 1)[1], 16) == port:
                listening.add(address.rsplit(":", 1)[0])
    assert listening == {"0100007F"}, listening
