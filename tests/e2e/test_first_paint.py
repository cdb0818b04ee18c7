"""Every page paints from its HTML, before any script runs: pages with an id and the not-found page too."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import VIEWPORTS
from tests.e2e.support import AppServer


def test_pages_with_an_id_and_a_wrong_address_paint_without_scripts(
    app_server: AppServer, browser: Browser
) -> None:
    """With scripts off an id page shows the app's bar and navigation; a wrong address says so, with 404."""
    context = browser.new_context(viewport=VIEWPORTS["phone"], java_script_enabled=False)
    page = context.new_page()
    one = uuid.uuid4()
    paths = (f"/projects/{one}", f"/projects/{one}/assets", f"/projects/{one}/analytics", f"/assets/{one}")
    try:
        for path in paths:
            response = page.goto(app_server.url + path)
            assert response is not None and response.status == 200, path
            expect(page.get_by_role("link", name="mediaws home")).to_be_visible()
            navigation = page.get_by_role("navigation", name="Main")
            expect(navigation.get_by_role("link", name="Projects")).to_be_visible()
        response = page.goto(f"{app_server.url}/no/such/page")
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
        expect(page.get_by_role("link", name="Go to your projects")).to_be_visible()
    finally:
        context.close()


PAGE_SCRIPTS = ("/pwa.js", "/outbox.js", "/offline.js", "/feedback.js", "/refresh.js")


def test_page_wide_scripts_come_with_the_html_once_each(app_server: AppServer, browser: Browser) -> None:
    """The app's own scripts are asked for with React's chunks, not after React starts; each only once."""
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    try:
        page.goto(app_server.url + "/login")
        page.wait_for_load_state("networkidle")
        page.wait_for_function("() => Boolean(self.mediawsOutbox) && document.readyState === 'complete'")
        fetched = page.evaluate(
            "() => performance.getEntriesByType('resource')"
            ".map((entry) => [new URL(entry.name).pathname, entry.startTime])"
        )
        starts = {path: [start for name, start in fetched if name == path] for path in PAGE_SCRIPTS}
        assert all(len(found) == 1 for found in starts.values()), starts
        react = page.evaluate(
            "() => performance.getEntriesByType('resource')"
            ".find((entry) => entry.name.includes('/assets/entry.client')).responseEnd"
        )
        assert all(found[0] < react for found in starts.values()), (starts, react)  # before React could run
        for path in PAGE_SCRIPTS:
            assert page.locator(f'script[src="{path}"]').count() == 1, path  # and it was added to run
    finally:
        context.close()


def test_scripts_and_the_stylesheet_come_brotli_compressed_to_browsers_that_take_it(
    app_server: AppServer,
) -> None:
    """The build's files are sent as brotli where the browser takes it (smaller), else as gzip."""
    page = httpx.get(f"{app_server.url}/login", headers={"Accept-Encoding": "identity"}).text
    files = re.findall(r"/assets/[\w.-]+\.(?:js|css)", page)
    assert any(name.endswith(".css") for name in files) and any(name.endswith(".js") for name in files)
    for name in sorted(set(files)):
        sizes = {}
        for accepted, sent in (("br, gzip", "br"), ("gzip", "gzip")):
            answer = httpx.get(app_server.url + name, headers={"Accept-Encoding": accepted})
            assert answer.status_code == 200 and answer.headers["content-encoding"] == sent, (name, accepted)
            sizes[sent] = int(answer.headers["content-length"])
        assert sizes["br"] < sizes["gzip"], (name, sizes)


def test_pages_fetch_only_the_radix_components_the_app_uses(app_server: AppServer) -> None:
    """Radix Themes comes tree-shaken: buttons and selects are in the page's scripts, unused avatars not."""
    page = httpx.get(f"{app_server.url}/projects", headers={"Accept-Encoding": "identity"}).text
    scripts = "".join(
        httpx.get(app_server.url + name, headers={"Accept-Encoding": "identity"}).text
        for name in sorted(set(re.findall(r"/assets/[\w.-]+\.js", page)))
    )
    assert "rt-BaseButton" in scripts and "rt-SelectTrigger" in scripts
    unused = [name for name in ("rt-AvatarRoot", "rt-HoverCardContent", "rt-TabsContent") if name in scripts]
    assert not unused, unused
