"""mediaws as an installable PWA: manifest and icons, Chromium's installability check, the service worker,
a visited page reloaded offline, immutable hashed assets, and the install offers (Chromium and iOS)."""

from __future__ import annotations

import gzip
import io
import json
import re
import urllib.request
import uuid

from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import ROOT, VIEWPORTS
from tests.e2e.support import AppServer, Shots, sign_up

IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1"
)
BUILD = ROOT / ".web" / "build" / "client"
FAKE_INSTALL_PROMPT = """() => {
  const event = new Event("beforeinstallprompt", { cancelable: true });
  event.prompt = () => { window.__installPrompted = true; };
  event.userChoice = Promise.resolve({ outcome: "dismissed" });
  window.dispatchEvent(event);
}"""


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return response.status, dict(response.headers.items()), response.read()


def _installability_errors(page: Page) -> list[dict[str, object]]:
    session = page.context.new_cdp_session(page)
    try:
        return list(session.send("Page.getInstallabilityErrors")["installabilityErrors"])
    finally:
        session.detach()


def _wait_for_service_worker(page: Page) -> None:
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")


def test_manifest_icons_and_favicon_load(app_server: AppServer) -> None:
    status, headers, body = _get(f"{app_server.url}/manifest.webmanifest")
    assert status == 200 and headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(body)
    assert manifest["name"] == manifest["short_name"] == "mediaws"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/projects", "/", "standalone")
    assert manifest["theme_color"] == "#2563eb" and manifest["background_color"] and manifest["description"]
    assert {icon["purpose"] for icon in manifest["icons"]} == {"any", "maskable"}
    assert {shot["form_factor"] for shot in manifest["screenshots"]} == {"narrow", "wide"}
    for image in [*manifest["icons"], *manifest["screenshots"]]:
        status, headers, body = _get(app_server.url + image["src"])
        assert status == 200 and headers["content-type"] == "image/png"
        width, height = Image.open(io.BytesIO(body)).size
        assert image["sizes"] == f"{width}x{height}", image["src"]
    for path in ("/favicon.ico", "/icons/apple-touch-icon.png"):
        assert _get(app_server.url + path)[0] == 200


def test_installable_and_a_visited_page_opens_offline(
    app_server: AppServer, profile: BrowserContext, shots: Shots
) -> None:
    page = profile.pages[0] if profile.pages else profile.new_page()
    page.goto(f"{app_server.url}/login")
    expect(page.locator('head link[rel="apple-touch-icon"]')).to_have_count(1)
    expect(page.locator('head meta[name="apple-mobile-web-app-capable"]')).to_have_attribute("content", "yes")
    _wait_for_service_worker(page)
    assert _installability_errors(page) == []

    sign_up(page, app_server, f"pwa-{uuid.uuid4().hex[:8]}@example.com")
    _wait_for_service_worker(page)
    assert _installability_errors(page) == []

    page.reload()
    expect(page.get_by_role("button", name="New project")).to_be_visible()
    assert page.evaluate("navigator.serviceWorker.controller?.scriptURL") == f"{app_server.url}/sw.js"

    hashed = page.evaluate("[...document.querySelectorAll('link[href*=\"/assets/\"]')].map(l => l.href)")
    assert hashed
    answer = profile.request.get(hashed[0])
    assert answer.status == 200
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert profile.request.get(f"{app_server.url}/sw.js").headers["cache-control"] == "no-cache"

    profile.set_offline(True)
    try:
        page.reload()
        expect(page).to_have_title(re.compile("Projects"))
        expect(page.get_by_role("link", name="mediaws home")).to_be_visible()
        shots(page, "projects-offline")
    finally:
        profile.set_offline(False)


def test_install_offers_card_and_banner_once(app_server: AppServer, browser: Browser, shots: Shots) -> None:
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    try:
        page = context.new_page()
        sign_up(page, app_server, f"pwa-install-{uuid.uuid4().hex[:8]}@example.com")
        banner = page.get_by_role("region", name="Install mediaws")
        hint = page.get_by_text("Install it on this device")  # in the first-run guide
        expect(banner).to_be_hidden()
        expect(hint).to_be_hidden()
        page.evaluate(FAKE_INSTALL_PROMPT)
        expect(banner).to_be_visible()
        expect(hint).to_be_visible()
        shots(page, "install-banner")
        banner.get_by_role("button", name="Install", exact=True).click()
        assert page.evaluate("window.__installPrompted") is True
        expect(banner).to_be_hidden()

        page.goto(f"{app_server.url}/settings/account")
        expect(page.get_by_text("Signed in as")).to_be_visible()
        card_button = page.get_by_role("button", name="Install mediaws")
        expect(card_button).to_be_hidden()
        page.evaluate(FAKE_INSTALL_PROMPT)
        expect(card_button).to_be_visible()
        expect(banner).to_be_hidden()  # dismissed once, not offered again
        shots(page, "install-card")
    finally:
        context.close()


def test_ios_safari_gets_home_screen_instructions(
    app_server: AppServer, browser: Browser, shots: Shots
) -> None:
    context = browser.new_context(viewport=VIEWPORTS["phone"], user_agent=IPHONE_SAFARI, is_mobile=True)
    try:
        page = context.new_page()
        sign_up(page, app_server, f"pwa-ios-{uuid.uuid4().hex[:8]}@example.com")
        page.goto(f"{app_server.url}/settings/account")
        expect(page.get_by_text("Add to Home Screen")).to_be_visible()
        expect(page.get_by_role("button", name="Install mediaws")).to_be_hidden()
        shots(page, "install-ios")
    finally:
        context.close()


def test_a_new_version_offers_a_reload_that_activates_it(
    app_server: AppServer, profile: BrowserContext, shots: Shots
) -> None:
    page = profile.pages[0] if profile.pages else profile.new_page()
    page.goto(f"{app_server.url}/login")
    _wait_for_service_worker(page)
    sign_up(page, app_server, f"pwa-update-{uuid.uuid4().hex[:8]}@example.com")
    page.reload()
    expect(page.get_by_role("button", name="New project")).to_be_visible()
    first = page.evaluate("navigator.serviceWorker.controller.scriptURL")
    bar = page.get_by_role("status").filter(has_text="New version available")
    expect(bar).to_be_hidden()

    sw = BUILD / "sw.js"
    original = sw.read_bytes()
    try:
        _serve_sw(original + f"\n// deploy {uuid.uuid4()}\n".encode())
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        expect(bar).to_be_visible()
        shots(page, "new-version")
        with page.expect_event("load"):
            bar.get_by_role("button", name="Reload").click()
        expect(page.get_by_role("button", name="New project")).to_be_visible()
        expect(bar).to_be_hidden()
        assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == first
        assert page.evaluate("navigator.serviceWorker.getRegistration().then(r => !r.waiting)") is True
    finally:
        _serve_sw(original)


def _serve_sw(content: bytes) -> None:
    """Replace the built sw.js and its gzip sidecar as a new deployment would (no brotli: gzip is sent)."""
    (BUILD / "sw.js").write_bytes(content)
    (BUILD / "sw.js.gz").write_bytes(gzip.compress(content))
    (BUILD / "sw.js.br").unlink(missing_ok=True)
