"""Personal access tokens in Settings: create (shown once), use with the API, revoke."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.support import AppServer, Shots, sign_up

TOKEN_PATTERN = re.compile(r"mws_[A-Za-z0-9_-]{43}")


def _settle(page: Page) -> None:
    """Let toasts go and dialogs finish animating, scrolled to the top, so screenshots show the section."""
    page.mouse.move(0, 0)
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=15_000)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function(
        "document.getAnimations().every("
        "a => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity)"
    )


def _projects(server: AppServer, token: str) -> httpx.Response:
    return httpx.get(f"{server.url}/api/projects", headers={"Authorization": f"Bearer {token}"}, timeout=20)


def test_token_created_used_and_revoked(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """A token made in Settings is shown once, opens the API, and is refused right after revoking."""
    page = new_page()
    page.goto(f"{app_server.url}/settings/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fsettings%2Faccount"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server.url)
    sign_up(page, app_server, f"tok-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("menuitem", name="Account").click()
    expect(page).to_have_url(re.compile(r"/settings/account"))
    section = page.locator("#access-tokens")
    expect(section.get_by_text("No access tokens yet.")).to_be_visible()
    docs = section.get_by_role("link", name="API reference").first
    expect(docs).to_have_attribute("href", "/docs")
    assert httpx.get(f"{app_server.url}/docs", timeout=20).status_code == 200
    _settle(page)
    shots(page, "tokens-empty")

    page.get_by_role("button", name="New token").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Create token").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Token name is required.")
    dialog.get_by_label("Name").fill("x" * 101)
    dialog.get_by_role("button", name="Create token").click()
    expect(dialog.get_by_role("alert")).to_contain_text("the limit is 100")
    dialog.get_by_label("Name").fill("Nightly backup")
    dialog.get_by_role("button", name="Create token").click()

    reveal = page.get_by_role("alertdialog")
    expect(reveal.get_by_text("It will not be shown again")).to_be_visible()
    token = reveal.locator(".new-token").inner_text().strip()
    assert TOKEN_PATTERN.fullmatch(token), token
    expect(
        reveal.get_by_text(f'curl -H "Authorization: Bearer {token}" {app_server.url}/api/projects')
    ).to_be_visible()
    reveal.get_by_role("button", name="Copy token").click()
    expect(reveal.get_by_role("button", name="Copy token")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == token
    _settle(page)
    shots(page, "token-shown-once")

    answer = _projects(app_server, token)
    assert answer.status_code == 200, answer.text
    assert answer.json() == []

    reveal.get_by_role("button", name="Done").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    assert token not in page.content()
    row = section.locator("[data-status='active']")
    expect(row).to_have_count(1)
    expect(row.get_by_role("heading", name="Nightly backup")).to_be_visible()
    expect(row.get_by_text(token[:8] + "…")).to_be_visible()

    page.get_by_role("button", name="New token").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("  NIGHTLY backup ")
    dialog.get_by_role("button", name="Create token").click()
    expect(dialog.get_by_role("alert")).to_contain_text("You already have an active token named")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(section.locator("[data-status='active']")).to_have_count(1)

    page.reload()
    row = section.locator("[data-status='active']")
    expect(row.get_by_text("last used just now")).to_be_visible()
    assert token not in page.content()
    _settle(page)
    shots(page, "tokens-list")

    row.get_by_role("button", name="Revoke token Nightly backup").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm.get_by_text("401 Unauthorized")).to_be_visible()
    _settle(page)
    shots(page, "revoke-confirm")
    confirm.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text("Token “Nightly backup” revoked.")).to_be_visible()
    expect(section.get_by_text("No active tokens.")).to_be_visible()

    refused = _projects(app_server, token)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"

    section.get_by_text("Show revoked tokens (1)").click()
    revoked = section.locator("[data-status='revoked']")
    expect(revoked.get_by_text("revoked", exact=True)).to_be_visible()
    expect(revoked.get_by_role("button", name=re.compile("Revoke"))).to_have_count(0)
    _settle(page)
    shots(page, "tokens-revoked")
    assert token not in app_server.log.read_text(errors="replace"), "the token reached the server log"


def test_time_zone_is_checked_saved_and_shown(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """A made-up zone is refused with the reason; a real one is saved and shown after a reload."""
    page = new_page()
    sign_up(page, app_server, f"tz-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    page.goto(f"{app_server.url}/settings/account")
    field = page.get_by_label("IANA time zone")
    expect(field).to_have_value("UTC")
    field.fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_role("alert")).to_contain_text("Unknown time zone 'Mars/Olympus_Mons'")
    field.fill("Asia/Tokyo")
    field.press("Escape")  # closes the suggestions a desktop browser lists under the field
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_text("Days and months now count in Asia/Tokyo.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("IANA time zone")).to_have_value("Asia/Tokyo")
    _settle(page)
    shots(page, "time-zone")


def test_email_choices_are_saved_and_the_missing_mail_server_said(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """The summary is off and budget warnings on by default; switching is saved at once and kept."""
    page = new_page()
    sign_up(page, app_server, f"mail-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    page.goto(f"{app_server.url}/settings/account")
    card = page.locator("#email-choices")
    expect(card.get_by_text("Email is not set up on this server")).to_be_visible()
    summary = card.get_by_role("switch", name="Monthly cost summary")
    budgets = card.get_by_role("switch", name="Budget warnings at 80 % and 100 %")
    expect(summary).to_have_attribute("aria-checked", "false")
    expect(budgets).to_have_attribute("aria-checked", "true")
    summary.click()
    expect(page.get_by_text("Monthly cost summary on.")).to_be_visible()
    budgets.click()
    expect(page.get_by_text("Budget warning emails off.")).to_be_visible()
    page.reload()
    expect(card.get_by_role("switch", name="Monthly cost summary")).to_have_attribute("aria-checked", "true")
    expect(card.get_by_role("switch", name="Budget warnings at 80 % and 100 %")).to_have_attribute(
        "aria-checked", "false"
    )
    card.scroll_into_view_if_needed()
    _settle(page)
    card.screenshot(path=str(shots.folder / "email-card.png"))
