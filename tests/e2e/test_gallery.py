"""The gallery: browse, scroll for more, search, filter, star, bulk tag and archive, upload, old results."""

from __future__ import annotations

import io
import re
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import func
from sqlmodel import Session, col, select

from mediaws.config import Settings
from mediaws.db import make_engine
from mediaws.deps import Deps
from mediaws.models import Asset, Generation, User
from mediaws.providers.registry import default_registry
from mediaws.security.crypto import Keyring
from mediaws.security.master_key import decode_key, generate_key
from mediaws.services import ingest, projects
from mediaws.storage import LocalStorage
from tests.e2e.support import AppServer, HeldAnswers, Shots, sign_up
from tests.support.media import mp4, wav

CARDS = "[data-asset]"
FOX_PROMPT = "a red fox asleep in fresh snow"
NO_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"
THUMBS_LOADED = (
    "() => { const i = [...document.querySelectorAll('[data-asset] img')].filter((x) => {"
    " const r = x.getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight; });"
    " return i.length > 0 && i.every((x) => x.complete && x.naturalWidth > 0); }"
)


@dataclass
class Seeded:
    """A project with 30 assets of every kind, and the one a generation made."""

    project_id: str
    generated_id: str


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (160, 120), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _deps(server: AppServer) -> Deps:
    engine = make_engine(server.database_url)
    return Deps(
        settings=Settings(data_dir=server.data_dir, database_url=server.database_url),
        registry=default_registry(),
        keyring=Keyring([decode_key(generate_key())]),
        storage=LocalStorage(server.data_dir / "files"),
        session_factory=lambda: Session(engine, expire_on_commit=False),
    )


def _files() -> list[tuple[str, bytes, str]]:
    files = [(f"photo {n}.png", _png((20 * n, 120, 200 - 10 * n)), "") for n in range(10)]
    files[2] = ("fox 1.png", files[2][1], FOX_PROMPT)
    files[5] = ("fox 2.png", files[5][1], FOX_PROMPT + ", close up")
    files += [(f"clip {n}.mp4", mp4(seconds=0.5), "") for n in range(6)]
    files += [(f"voice {n}.wav", wav(seconds=0.5), "") for n in range(6)]
    files += [(f"note {n}.txt", f"Note {n}\nPlans for the shoot, part {n}.\n".encode(), "") for n in range(7)]
    return files


def _seed(server: AppServer, email: str) -> Seeded:
    """30 assets (10 images, 6 videos, 6 audio, 8 texts), one of them a generation's result."""
    deps = _deps(server)
    with deps.session_factory() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        project = projects.create_project(session=session, owner_id=user.id, name="Fox film")
        made = Generation(
            owner_id=user.id,
            project_id=project.id,
            capability="text",
            provider="openai",
            model="gpt-5.4",
            prompt="An old script about a fox",
            options={},
            status="succeeded",
            cost_micros=42_000,
            cost_source="provider_usage",
            duration_ms=1_200,
        )
        session.add(made)
        session.commit()
        for name, data, prompt in _files():
            asset = ingest.ingest_bytes(
                session=session, deps=deps, user_id=user.id, project_id=project.id, data=data, filename=name
            )
            if prompt:
                asset.prompt = prompt
                session.add(asset)
                session.commit()
        script = ingest.ingest_bytes(
            session=session,
            deps=deps,
            user_id=user.id,
            project_id=project.id,
            data=b"FADE IN: a fox.\n",
            filename="script.txt",
        )
        script.generation_id, script.prompt, script.cost_micros = made.id, made.prompt, 42_000
        session.add(script)
        session.commit()
        seeded = Seeded(project_id=str(project.id), generated_id=str(script.id))
    _wait_for_previews(deps, user.id)
    return seeded


def _wait_for_previews(deps: Deps, user_id: uuid.UUID) -> None:
    """The app server's worker makes thumbnails, posters and waveforms; wait until none is pending."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with deps.session_factory() as session:
            pending = session.exec(
                select(func.count())
                .select_from(Asset)
                .where(Asset.owner_id == user_id, col(Asset.preview_status) == "pending")
            ).one()
        if pending == 0:
            return
        time.sleep(0.5)
    pytest.fail("previews were still pending after two minutes")


def _signed_up(app_server: AppServer, new_page: Callable[[], Page], tag: str) -> tuple[Page, Seeded]:
    email = f"gallery-{tag}-{uuid.uuid4().hex[:8]}@example.com"
    page = new_page()
    sign_up(page, app_server, email)
    return page, _seed(app_server, email)


def _choose(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def _all_loaded(page: Page, count: int) -> None:
    expect(page.locator(CARDS)).to_have_count(24)  # the first page
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(page.locator(CARDS)).to_have_count(count)
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)
    page.wait_for_load_state("networkidle")


def _open_filters(page: Page, viewport: str) -> None:
    if viewport == "phone" and page.locator(".gallery-filters.open").count() == 0:
        page.locator(".filters-toggle").click()


def test_browse_scroll_search_filter_star_tag_and_archive(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """The whole gallery at phone and desktop size, filters surviving a reload."""
    page, seeded = _signed_up(app_server, new_page, viewport)
    answers = HeldAnswers(page)
    gallery = f"{app_server.url}/projects/{seeded.project_id}/assets"
    page.goto(gallery)
    cards = page.locator(CARDS)
    expect(cards).to_have_count(24)
    page.locator(CARDS + " img").first.scroll_into_view_if_needed()
    page.wait_for_function(THUMBS_LOADED)
    assert page.evaluate(NO_OVERFLOW), "the gallery scrolls sideways"
    assert page.locator(CARDS + " img").first.get_attribute("loading") == "lazy"
    shots(page, "grid")

    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")  # the full-page shot may have
    expect(cards).to_have_count(30)  # brought "Load more" on screen already: either way the rest comes
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)
    shots(page, "all-loaded")

    page.get_by_label("Search assets").fill("fox")
    expect(cards).to_have_count(3)
    expect(page).to_have_url(re.compile(r"[?&]q=fox"))
    page.reload()
    expect(cards).to_have_count(3)
    expect(page.get_by_label("Search assets")).to_have_value("fox")
    page.get_by_role("button", name="Clear filters").first.click()
    expect(cards).to_have_count(24)

    _open_filters(page, viewport)
    _choose(page, "Type", "Videos")
    shown = page.locator(CARDS + ":visible")  # the page hides the other types' cards it holds
    expect(shown).to_have_count(6)
    expect(shown.filter(has_text="clip")).to_have_count(6)
    expect(page).to_have_url(re.compile(r"kind=video"))
    shots(page, "videos")

    star = shown.first.get_by_role("button", name=re.compile("^Favourite"))
    expect(star).to_have_attribute("aria-pressed", "false")
    star.click()
    expect(star).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator(CARDS).first.get_by_role("button", name=re.compile("^Favourite"))).to_have_attribute(
        "aria-pressed", "true"
    )

    page.get_by_role("button", name="Select", exact=True).click()
    boxes = page.get_by_role("checkbox", name=re.compile("^Select clip"))
    boxes.nth(0).click()
    boxes.nth(2).click(modifiers=["Shift"])
    expect(page.get_by_text("3 selected")).to_be_visible()
    page.screenshot(path=str(shots.folder / "bulk-bar-on-screen.png"))
    page.get_by_role("button", name="New tag…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Tag name").fill("Keepers")
    shots(page, "new-tag")
    dialog.get_by_role("button", name="Create and tag").click()
    expect(page.get_by_text("Tagged 3 assets.")).to_be_visible()
    expect(page.locator(CARDS).filter(has_text="Keepers")).to_have_count(3)
    shots(page, "tagged")
    _choose(page, "Choose tag", "Keepers")  # the bulk bar's tag list, built when opened, has the new tag
    expect(page.get_by_role("listbox")).to_have_count(0)

    _open_filters(page, viewport)
    _choose(page, "Type", "All types")
    expect(shown).to_have_count(24)
    page.wait_for_load_state("networkidle")
    answers.on = True
    _choose(page, "Tag", "Keepers")
    expect(shown).to_have_count(3)  # at the press: the page holds every tag's cards
    page.wait_for_timeout(300)
    assert answers.held, "the server answered the pick (the test held nothing back)"
    answers.release()
    expect(page).to_have_url(re.compile(r"[?&]tag="))
    expect(shown).to_have_count(3)
    page.get_by_role("button", name="Select all matching").click()
    expect(page.get_by_text("3 selected")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download zip").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        assert sorted(archive.namelist()) == ["clip 3.mp4", "clip 4.mp4", "clip 5.mp4"]
    page.get_by_role("button", name="Archive", exact=True).click()
    expect(page.get_by_text("Archived 3 assets.")).to_be_visible()
    expect(page.get_by_role("heading", name="No assets match")).to_be_visible()
    page.get_by_role("radio", name="Archived").click()
    expect(cards).to_have_count(3)
    expect(page).to_have_url(re.compile(r"archived=archived"))
    shots(page, "archived")
    page.get_by_role("button", name="Clear filters").first.click()
    expect(cards).to_have_count(24)
    page.get_by_role("button", name="Load more").scroll_into_view_if_needed()
    expect(cards).to_have_count(27)

    page.get_by_role("link", name="Assets", exact=True).click()
    expect(page).to_have_url(re.compile(r"/assets/?$"))
    expect(page.get_by_role("heading", name="All assets")).to_be_visible()
    expect(cards).to_have_count(24)
    expect(page.get_by_role("combobox", name="Upload into project")).to_contain_text("Fox film")

    page.goto(f"{app_server.url}/projects/{seeded.project_id}")
    old = page.get_by_role("link", name=re.compile("^Open the result of"))
    expect(old).to_have_count(1)
    shots(page, "project-results")
    old.click()
    expect(page).to_have_url(re.compile(rf"/assets/{seeded.generated_id}/?$"))


def test_upload_names_each_refusal_and_strangers_see_nothing(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str, tmp_path: Path
) -> None:
    """Several files at once: good ones join the top of the grid, a fake one is refused with its reason."""
    email = f"upload-{viewport}-{uuid.uuid4().hex[:8]}@example.com"
    page = new_page()
    sign_up(page, app_server, email)
    with _deps(app_server).session_factory() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        project = projects.create_project(session=session, owner_id=user.id, name="Uploads")
    page.goto(f"{app_server.url}/projects/{project.id}/assets")
    expect(page.get_by_role("heading", name="No assets yet")).to_be_visible()
    generate = page.get_by_role("link", name="Generate").last
    expect(generate).to_have_attribute("href", re.compile(rf"project={project.id}"))
    shots(page, "empty")

    good = tmp_path / "sunset.png"
    good.write_bytes(_png((250, 120, 40)))
    fake = tmp_path / "holiday.png"
    fake.write_bytes(b"this is not a picture at all\n")
    page.locator("#gallery-upload input[type=file]").set_input_files([good, fake])
    results = page.locator(".upload-result")
    expect(results.filter(has_text="sunset.png")).to_contain_text("Added as image")
    expect(results.filter(has_text="holiday.png")).to_contain_text("refused")
    expect(page.locator(CARDS)).to_have_count(1)
    expect(page.locator(CARDS).first).to_contain_text("sunset.png")
    expect(page.locator(CARDS).first.locator("img")).to_have_count(1, timeout=30_000)
    assert page.evaluate(NO_OVERFLOW)
    shots(page, "uploaded")

    page.get_by_role("button", name="Select", exact=True).click()
    page.get_by_role("checkbox", name="Select sunset.png").click()
    page.get_by_role("button", name="Delete…").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Delete 1 asset for good?")
    expect(confirm).to_contain_text("cannot be undone")
    shots(page, "confirm-delete")
    confirm.get_by_role("button", name="Delete forever").click()
    expect(page.get_by_text("Deleted 1 asset.")).to_be_visible()
    expect(page.get_by_role("heading", name="No assets yet")).to_be_visible()

    stranger = new_page()
    sign_up(stranger, app_server, f"eve-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    stranger.goto(f"{app_server.url}/projects/{project.id}/assets")
    expect(stranger.get_by_role("heading", name="Project not found")).to_be_visible()
    expect(stranger.locator(CARDS)).to_have_count(0)
    expect(stranger.get_by_text("sunset.png")).to_have_count(0)
    stranger.goto(f"{app_server.url}/assets")
    expect(stranger.get_by_role("heading", name="No assets yet")).to_be_visible()
    expect(stranger.get_by_text("sunset.png")).to_have_count(0)
    shots(stranger, "stranger")


SHOWN_KINDS = (
    "() => [...document.querySelectorAll('[data-asset]')].filter((e) => e.checkVisibility())"
    ".map((e) => e.dataset.kind)"
)


def test_a_type_picked_narrows_the_cards_on_the_page_before_the_server_answers(
    app_server: AppServer, new_page: Callable[[], Page], viewport: str
) -> None:
    """On 24 of 30 cards, a type and All types show at the press; the server adds what the page lacks."""
    if viewport == "phone":
        pytest.skip("once is enough: the desktop run covers it")
    page, seeded = _signed_up(app_server, new_page, "narrow")
    answers = HeldAnswers(page)
    page.goto(f"{app_server.url}/projects/{seeded.project_id}/assets")
    cards = page.locator(CARDS)
    expect(cards).to_have_count(24)  # newest first: the script, 7 notes, 6 voices, 6 clips, 4 of 10 photos
    page.wait_for_load_state("networkidle")

    answers.on = True
    _choose(page, "Type", "Videos")
    expect(page.get_by_role("combobox", name="Type")).to_have_text("Videos")
    page.wait_for_function(SHOWN_KINDS + ".join() === 'video,video,video,video,video,video'")
    assert cards.count() == 24, "the page's list was replaced without the server"
    page.wait_for_timeout(300)
    assert answers.held, "the server answered the pick (the test held nothing back)"
    answers.release()
    expect(page).to_have_url(re.compile(r"kind=video"))
    page.wait_for_timeout(300)
    assert page.evaluate(SHOWN_KINDS) == ["video"] * 6

    answers.on = True
    _choose(page, "Type", "Images")
    page.wait_for_function(SHOWN_KINDS + ".join() === 'image,image,image,image'")  # the four on the page
    answers.release()
    page.wait_for_function(SHOWN_KINDS + ".length === 10")  # the server's first page of images adds six
    assert page.evaluate(SHOWN_KINDS) == ["image"] * 10
    assert cards.count() == 30

    answers.on = True
    _choose(page, "Type", "All types")
    page.wait_for_function(SHOWN_KINDS + ".length === 24")  # at the press: the list of every type again
    assert len(set(page.evaluate(SHOWN_KINDS))) == 4
    answers.release()
    expect(cards).to_have_count(24)  # the six images read for "Images" are dropped: that list has pages
    expect(page).not_to_have_url(re.compile(r"kind="))
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(cards).to_have_count(30)
    assert len(page.evaluate(SHOWN_KINDS)) == 30


def test_a_gallery_holding_every_card_narrows_and_widens_by_itself(
    app_server: AppServer, new_page: Callable[[], Page], viewport: str
) -> None:
    """With every card on the page, a type shows and All types comes back at the press, with no new list."""
    if viewport == "phone":
        pytest.skip("once is enough: the desktop run covers it")
    page, seeded = _signed_up(app_server, new_page, "whole")
    answers = HeldAnswers(page)
    page.goto(f"{app_server.url}/projects/{seeded.project_id}/assets")
    cards = page.locator(CARDS)
    _all_loaded(page, 30)
    first_card = cards.first.element_handle()

    answers.on = True
    _choose(page, "Type", "Videos")
    page.wait_for_function(SHOWN_KINDS + ".join() === 'video,video,video,video,video,video'")
    answers.release()
    expect(page).to_have_url(re.compile(r"kind=video"))
    page.wait_for_timeout(300)
    assert cards.count() == 30 and page.evaluate(SHOWN_KINDS) == ["video"] * 6, "the server sent a new list"

    answers.on = True
    _choose(page, "Type", "All types")
    page.wait_for_function(SHOWN_KINDS + ".length === 30")  # before the server has answered
    assert answers.held, "the server answered the pick (the test held nothing back)"
    answers.release()
    expect(page).not_to_have_url(re.compile(r"kind="))
    assert first_card.evaluate("(card) => card.isConnected"), "the cards were mounted anew"

    _choose(page, "Type", "Videos")
    page.get_by_role("button", name="Select", exact=True).click()
    boxes = page.get_by_role("checkbox", name=re.compile("^Select clip"))
    boxes.nth(0).click()
    boxes.nth(2).click(modifiers=["Shift"])  # the range counts the cards on screen, not the hidden ones
    expect(page.get_by_text("3 selected")).to_be_visible()
    page.get_by_role("button", name="Done selecting").click()

    page.reload()  # the address keeps the type: the server reads only the videos
    expect(cards).to_have_count(6)
    page.get_by_label("Search assets").fill("fox")  # the two fox pictures and the script about a fox
    expect(page.get_by_role("heading", name="No assets match")).to_be_visible()
    _choose(page, "Type", "All types")
    expect(cards).to_have_count(3)
    _choose(page, "Type", "Videos")  # from every card on the page: none is a video
    expect(page.get_by_role("heading", name="No assets match")).to_be_visible()
    assert page.evaluate(SHOWN_KINDS) == []
    _choose(page, "Type", "Images")
    expect(page.get_by_role("heading", name="No assets match")).to_be_hidden()
    assert page.evaluate(SHOWN_KINDS) == ["image", "image"]


VISUAL_ORDER = (
    "() => [...document.querySelectorAll('[data-asset]')].filter((e) => e.checkVisibility())"
    ".map((e) => [e.getBoundingClientRect(), e.dataset.asset])"
    ".sort(([a], [b]) => (a.top - b.top) || (a.left - b.left)).map(([, id]) => id)"
)
DOM_ORDER = "() => [...document.querySelectorAll('[data-asset]')].map((e) => e.dataset.asset)"


def test_favourites_archived_and_a_sort_show_at_the_press_on_the_cards_the_page_holds(
    app_server: AppServer, new_page: Callable[[], Page], viewport: str
) -> None:
    """Favourites only, active/archived from all, and a sort of a whole list: before the server answers."""
    if viewport == "phone":
        pytest.skip("once is enough: the desktop run covers it")
    page, seeded = _signed_up(app_server, new_page, "held")
    answers = HeldAnswers(page)
    page.goto(f"{app_server.url}/projects/{seeded.project_id}/assets")
    cards, shown = page.locator(CARDS), page.locator(CARDS + ":visible")
    _all_loaded(page, 30)
    for star in page.get_by_role("button", name=re.compile(r"^Favourite photo [13]\.png$")).all():
        star.click()
        expect(star).to_have_attribute("aria-pressed", "true")
    page.reload()  # 24 of 30 cards: the two starred photos are not among them
    expect(cards).to_have_count(24)
    page.wait_for_load_state("networkidle")
    only = page.get_by_role("checkbox", name="Favourites only")
    answers.on = True
    only.click()
    expect(only).to_be_checked()
    expect(shown).to_have_count(0)
    page.wait_for_timeout(300)
    assert cards.count() == 24 and answers.held, "the server answered the pick (the test held nothing back)"
    answers.release()
    expect(shown).to_have_count(2)  # the server's first page of favourites adds what the page lacked
    assert cards.count() == 26
    answers.on = True
    only.click()
    expect(shown).to_have_count(24)
    answers.release()
    expect(cards).to_have_count(24)
    _all_loaded(page, 30)

    answers.on = True
    only.click()
    expect(only).to_be_checked()
    expect(shown).to_have_count(2)
    assert cards.count() == 30, "the page's list was replaced without the server"
    page.wait_for_timeout(300)
    assert answers.held, "the server answered the pick (the test held nothing back)"
    answers.release()
    expect(page).to_have_url(re.compile(r"[?&]fav=1"))
    expect(shown).to_have_count(2)
    assert cards.count() == 30
    answers.on = True
    only.click()
    expect(only).not_to_be_checked()
    expect(shown).to_have_count(30)
    answers.release()
    expect(page).not_to_have_url(re.compile(r"fav="))

    page.get_by_role("button", name="Select", exact=True).click()
    page.get_by_role("checkbox", name="Select photo 1.png", exact=True).click()
    page.get_by_role("button", name="Archive", exact=True).click()
    expect(page.get_by_text("Archived 1 asset.")).to_be_visible()
    page.get_by_role("button", name="Done selecting").click()
    page.get_by_role("radio", name="All", exact=True).click()  # read again: the list lacked the archived
    expect(page).to_have_url(re.compile(r"archived=all"))
    _all_loaded(page, 30)
    archived = cards.filter(has_text="photo 1.png").first.get_attribute("data-asset")
    answers.on = True
    page.get_by_role("radio", name="Archived", exact=True).click()
    expect(shown).to_have_count(1)
    assert shown.first.get_attribute("data-asset") == archived
    answers.release()
    expect(page).to_have_url(re.compile(r"archived=archived"))
    expect(shown).to_have_count(1)
    answers.on = True
    page.get_by_role("radio", name="Active", exact=True).click()
    expect(shown).to_have_count(29)
    assert archived not in page.evaluate(VISUAL_ORDER)
    answers.release()
    expect(page).not_to_have_url(re.compile(r"archived="))

    page.get_by_role("radio", name="All", exact=True).click()
    expect(shown).to_have_count(30)
    page.wait_for_load_state("networkidle")
    before = page.evaluate(VISUAL_ORDER)
    assert before == page.evaluate(DOM_ORDER)
    answers.on = True
    _choose(page, "Sort", "Name")
    page.wait_for_function(f"(before) => ({VISUAL_ORDER})().join() !== before.join()", arg=before)
    at_press = page.evaluate(VISUAL_ORDER)
    assert sorted(at_press) == sorted(before) and page.evaluate(DOM_ORDER) == before
    page.wait_for_timeout(300)
    assert answers.held, "the server answered the pick (the test held nothing back)"
    answers.release()
    expect(page).to_have_url(re.compile(r"sort=name"))
    page.wait_for_function(f"(order) => ({DOM_ORDER})().join() === order.join()", arg=at_press)
    assert page.evaluate(VISUAL_ORDER) == at_press, "the page's list took the order the press showed"
    page.reload()  # the server reads the first page in that order (the next may follow as it scrolls)
    expect(cards.nth(23)).to_be_attached()
    assert page.evaluate(DOM_ORDER)[:24] == at_press[:24]
