"""Every page paints from its HTML, before any script runs: pages with an id and the not-found page too."""

from __future__ import annotations

import uuid

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
