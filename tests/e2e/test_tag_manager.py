"""Managing tags from the gallery: rename, recolour, create, a taken name refused, delete; cards follow."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect
from sqlmodel import Session, select

from mediaws.db import make_engine
from mediaws.models import User
from mediaws.models.assets import PREVIEW_READY
from mediaws.services import projects, tags
from mediaws.storage.local import LocalStorage
from tests.e2e.support import AppServer, Shots, sign_up
from tests.support.assets import make_asset

CARDS = "[data-asset]"
NO_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"
SMALL_TARGETS = """() => [...document.querySelectorAll(
    '[role=dialog] button, [role=dialog] .rt-TextFieldRoot, [role=dialog] [role=combobox]')]
  .filter((e) => { const r = e.getBoundingClientRect();
    return r.width > 0 && (r.height < 43.5 || r.width < 43.5); })
  .map((e) => e.getAttribute('aria-label') || e.textContent)"""


def _seed(server: AppServer, email: str) -> str:
    """A project with two notes, the first tagged "Keepers"; returns the project id."""
    storage = LocalStorage(server.data_dir / "files")
    with Session(make_engine(server.database_url), expire_on_commit=False) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        project = projects.create_project(session=session, owner_id=user.id, name="Fox film")
        notes = []
        for name in ("Kept note.txt", "Plain note.txt"):
            asset = make_asset(
                session, storage, owner_id=user.id, project_id=project.id, kind="text", name=name
            )
            asset.preview_status, asset.excerpt = PREVIEW_READY, f"{name}: plans for the shoot."
            session.add(asset)
            notes.append(asset)
        keepers = tags.create_tag(session=session, user_id=user.id, name="Keepers", colour="blue")
        tags.add_tags(session, notes[:1], [keepers])
        session.commit()
        return str(project.id)


def _shot(page: Page, shots: Shots, name: str) -> None:
    """A screenshot of the screen as seen (a full-page one would stretch the fixed dialog)."""
    shots.count += 1
    page.screenshot(path=str(shots.folder / f"{shots.count:02d}-{name}.png"))


def _row(dialog: Locator, name: str) -> Locator:
    return dialog.locator("[data-tag]").filter(
        has=dialog.page.get_by_label(f"Name of tag {name}", exact=True)
    )


def _chips(page: Page, name: str) -> Locator:
    return page.locator(CARDS + " .rt-Badge").filter(has_text=re.compile(rf"^{re.escape(name)}$"))


def _open_manager(page: Page) -> Locator:
    page.get_by_role("button", name="Manage tags").click()
    dialog = page.get_by_role("dialog", name="Manage tags")
    expect(dialog).to_be_visible()
    return dialog


def test_rename_recolour_create_and_delete_tags(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """Each change shows at once on the cards and in the tag filter; the assets stay when a tag goes."""
    email = f"tags-{viewport}-{uuid.uuid4().hex[:8]}@example.com"
    page = new_page()
    page.emulate_media(reduced_motion="reduce")
    sign_up(page, app_server, email)
    project_id = _seed(app_server, email)
    page.goto(f"{app_server.url}/projects/{project_id}/assets")
    cards = page.locator(CARDS)
    expect(cards).to_have_count(2)
    expect(_chips(page, "Keepers")).to_have_count(1)
    if viewport == "phone":
        page.locator(".filters-toggle").click()
    else:
        expect(page.get_by_role("button", name="Manage tags")).to_have_text("Manage tags")
    expect(page.get_by_role("button", name="Manage tags")).to_be_visible()
    shots(page, "filter-bar")

    dialog = _open_manager(page)
    keepers = _row(dialog, "Keepers")
    expect(keepers).to_contain_text("1 asset")
    _shot(page, shots, "manage-tags")
    assert page.evaluate(NO_OVERFLOW), "the dialog scrolls sideways"
    assert page.evaluate(SMALL_TARGETS) == [], "tap targets under 44px"

    keepers.get_by_label("Name of tag Keepers").fill("Best shots")
    keepers.get_by_label("Name of tag Keepers").press("Enter")
    expect(page.get_by_text("Renamed to “Best shots”.")).to_be_visible()
    expect(_chips(page, "Best shots")).to_have_count(1)
    expect(_chips(page, "Keepers")).to_have_count(0)

    best = _row(dialog, "Best shots")
    best.get_by_role("combobox", name="Colour of tag Best shots").click()
    page.get_by_role("option", name="Teal").click()
    expect(_chips(page, "Best shots")).to_have_attribute("data-accent-color", "teal")
    expect(best.locator(".rt-Badge")).to_have_attribute("data-accent-color", "teal")

    dialog.get_by_label("New tag", exact=True).fill("Drafts")
    dialog.get_by_role("combobox", name="Colour of the new tag").click()
    page.get_by_role("option", name="Amber").click()
    dialog.get_by_role("button", name="Create").click()
    drafts = _row(dialog, "Drafts")
    expect(drafts).to_contain_text("No assets")
    expect(drafts.locator(".rt-Badge")).to_have_attribute("data-accent-color", "amber")
    expect(dialog.get_by_label("New tag", exact=True)).to_have_value("")

    drafts.get_by_label("Name of tag Drafts").fill("best SHOTS")
    drafts.get_by_role("button", name="Save").click()
    expect(drafts.get_by_role("alert")).to_have_text("You already have a tag named “best SHOTS”.")
    expect(drafts.locator(".rt-Badge")).to_have_text("Drafts")
    expect(_chips(page, "Best shots")).to_have_count(1)
    assert page.evaluate(NO_OVERFLOW)
    _shot(page, shots, "taken-name")

    best.get_by_role("button", name="Delete tag Best shots").click()
    expect(best.get_by_role("alert")).to_contain_text(
        "Delete tag “Best shots”? It is removed from 1 asset; the assets stay."
    )
    _shot(page, shots, "confirm-delete")
    best.get_by_role("button", name="Delete tag", exact=True).click()
    expect(page.get_by_text("Deleted tag “Best shots”.")).to_be_visible()
    expect(dialog.locator("[data-tag]")).to_have_count(1)
    expect(_chips(page, "Best shots")).to_have_count(0)
    expect(cards).to_have_count(2)
    _shot(page, shots, "after-delete")

    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    page.get_by_role("combobox", name="Tag", exact=True).click()
    expect(page.get_by_role("option")).to_have_text(["Any tag", "Drafts"])
    page.keyboard.press("Escape")
    page.reload()
    expect(cards).to_have_count(2)
    expect(page.locator(CARDS + " .rt-Badge").filter(has_text="shots")).to_have_count(0)
