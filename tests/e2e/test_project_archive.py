"""Archive and restore a project, and switch Active/Archived: shown at the click, then kept by the server."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.e2e.support import AppServer, Shots, create_project, sign_up

NAME = "Winter catalogue"


def test_archive_restore_and_the_archived_view(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    page = new_page()
    sign_up(page, app_server, f"archive-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    create_project(page, NAME)
    page.get_by_role("heading", name=NAME).click()
    expect(page).to_have_url(re.compile(r"/projects/[0-9a-f-]{36}/?$"))
    project_url = page.url

    page.get_by_role("button", name="Archive project").click()
    expect(page.get_by_role("button", name="Restore project")).to_be_visible()
    expect(page.get_by_text("Archived", exact=True)).to_be_visible()
    expect(page.get_by_text("Project archived.")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Restore project")).to_be_visible()
    shots(page, "archived")

    page.goto(f"{app_server.url}/projects")
    expect(page.get_by_text("0 active · 1 archived")).to_be_visible()
    expect(page.get_by_role("heading", name=NAME)).to_have_count(0)
    page.get_by_role("radio", name="Archived").click()
    expect(page.get_by_role("radio", name="Archived")).to_be_checked()
    expect(page.get_by_role("heading", name=NAME)).to_be_visible()
    page.get_by_role("radio", name="Active").click()
    expect(page.get_by_role("heading", name=NAME)).to_have_count(0)

    page.goto(project_url)
    page.get_by_role("button", name="Restore project").click()
    expect(page.get_by_role("button", name="Archive project")).to_be_visible()
    page.get_by_role("button", name="Archive project").click()  # archive and restore at once: last click wins
    page.get_by_role("button", name="Restore project").click()
    expect(page.get_by_role("button", name="Archive project")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Archive project")).to_be_visible()
    expect(page.get_by_text("Archived", exact=True)).to_have_count(0)
    page.goto(f"{app_server.url}/projects")
    expect(page.get_by_role("heading", name=NAME)).to_be_visible()
