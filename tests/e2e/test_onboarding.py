"""A first-time user is guided to a first result; a wrong address says so and leads home."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.e2e.support import AppServer, Shots, axe_violations, sign_up


def _guide(page: Page) -> Locator:
    return page.get_by_role("heading", name="Get started")


def test_a_new_account_is_guided_to_a_first_project(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """Sign up → the guide's three buttons lead on → making a project ends the guide for good."""
    page = new_page()
    sign_up(page, app_server, f"first-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    expect(_guide(page)).to_be_visible()
    steps = page.locator(".onboarding-steps > li")
    expect(steps).to_have_count(3)
    expect(steps.get_by_role("heading")).to_have_text(
        ["Make a project", "Try the free local provider", "Add a provider key"]
    )
    shots(page, "guide")

    page.get_by_role("button", name="Open Generate").click()
    expect(page).to_have_url(re.compile(r"/generate/?$"))
    page.go_back()
    page.get_by_role("button", name="Add a key").click()
    expect(page).to_have_url(re.compile(r"/settings/keys/?$"))
    page.go_back()

    page.get_by_role("button", name="Make a project").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("First steps")
    dialog.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name="First steps")).to_be_visible()
    expect(_guide(page)).to_have_count(0)
    shots(page, "first-project")
    page.reload()
    expect(page.get_by_role("heading", name="First steps")).to_be_visible()
    expect(_guide(page)).to_have_count(0)


def test_the_guide_can_be_hidden(app_server: AppServer, new_page: Callable[[], Page], viewport: str) -> None:
    """Hidden, it stays hidden after a reload, and the plain empty list shows instead."""
    page = new_page()
    sign_up(page, app_server, f"hide-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    expect(_guide(page)).to_be_visible()
    page.get_by_role("button", name="Hide this guide").click()
    expect(_guide(page)).to_have_count(0)
    expect(page.get_by_text("No projects yet. Create one to start generating.")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="New project")).to_be_visible()
    expect(page.get_by_text("No projects yet. Create one to start generating.")).to_be_visible()
    expect(_guide(page)).to_have_count(0)


def test_a_wrong_address_says_so_and_leads_home(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """An address that leads nowhere shows "Page not found" with a way to the projects, and passes axe."""
    page = new_page()
    sign_up(page, app_server, f"lost-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    page.goto(f"{app_server.url}/no/such/page")
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    assert axe_violations(page, "404") == []
    shots(page, "not-found")
    page.get_by_role("link", name="Go to your projects").click()
    expect(page).to_have_url(re.compile(r"/projects/?$"))
    expect(page.get_by_role("button", name="New project")).to_be_visible()
