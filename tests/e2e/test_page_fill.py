"""A project's pages paint its name from their HTML for its owner, before any script; nobody else sees it."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.conftest import VIEWPORTS
from tests.e2e.support import AppServer, create_project, sign_up

NAME = 'Sketches <b>& "drafts"</b>'


def _without_scripts(browser: Browser, signed_in: BrowserContext) -> BrowserContext:
    context = browser.new_context(viewport=VIEWPORTS["phone"], java_script_enabled=False)
    context.add_cookies(signed_in.cookies())
    return context


def test_the_owner_sees_the_project_name_in_the_first_paint_and_nobody_else(
    app_server: AppServer, browser: Browser
) -> None:
    """The name is in the HTML (escaped, private) for the owner; hydration keeps it without an error."""
    owner = browser.new_context(viewport=VIEWPORTS["phone"])
    other = browser.new_context(viewport=VIEWPORTS["phone"])
    contexts = [owner, other]
    try:
        page = owner.new_page()
        sign_up(page, app_server, f"fill-{uuid.uuid4().hex[:8]}@example.com")
        create_project(page, NAME)
        page.get_by_role("heading", name=NAME).click()
        expect(page).to_have_url(re.compile(r"/projects/[0-9a-f-]{36}/?$"))
        project_url = page.url.rstrip("/")

        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        for url, heading, live in (
            (project_url, NAME, page.get_by_role("button", name="Archive project")),
            (project_url + "/analytics", f"{NAME} · analytics", page.get_by_text("Total spend")),
        ):
            page.goto(url)
            expect(live).to_be_visible()
            expect(page.get_by_role("heading", name=heading, level=1, exact=True)).to_be_visible()
        assert [error for error in errors if "ydrat" in error or "react.dev/errors" in error] == []

        still = _without_scripts(browser, owner)
        contexts.append(still)
        painted = still.new_page()
        response = painted.goto(project_url)
        assert response is not None and response.status == 200
        assert response.headers["cache-control"] == "private, no-cache" and "etag" not in response.headers
        expect(painted.get_by_role("heading", name=NAME, level=1, exact=True)).to_be_visible()
        painted.goto(project_url + "/analytics")
        analytics = painted.get_by_role("heading", name=f"{NAME} · analytics", level=1, exact=True)
        expect(analytics).to_be_visible()

        sign_up(other.new_page(), app_server, f"fill-other-{uuid.uuid4().hex[:8]}@example.com")
        stranger = _without_scripts(browser, other)
        contexts.append(stranger)
        looked = stranger.new_page()
        looked.goto(project_url)
        assert "Sketches" not in looked.content()
        expect(looked.get_by_role("link", name="mediaws home")).to_be_visible()
    finally:
        for context in contexts:
            context.close()
