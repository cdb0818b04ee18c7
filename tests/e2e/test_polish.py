"""Polish: offline API docs, toasts per page, the result in view, share, pull to refresh, skeletons."""

from __future__ import annotations

import re
import urllib.request
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, FloatRect, Locator, Page, Route, expect
from sqlmodel import Session, select

from mediaws.db import make_engine
from mediaws.models import User
from mediaws.services import projects
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.support import AppServer, Shots, create_project, sign_up
from tests.e2e.test_asset_detail import _seed

BUZZES = "window.__buzz = []; navigator.vibrate = (pattern) => { window.__buzz.push(pattern); return true; };"
SHARE_STUB = (
    "window.__shared = []; navigator.share = async (data) => { window.__shared.push(data); };"
    " navigator.canShare = () => true;"
)
NO_SHARE = "delete Navigator.prototype.share; delete Navigator.prototype.canShare; delete navigator.share;"


def _only_this_origin(page: Page) -> list[str]:
    """Abort every request that leaves localhost; return the list of those that tried."""
    outside: list[str] = []

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname in {"localhost", "127.0.0.1"}:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return outside


@pytest.mark.parametrize("viewport", ["desktop"])
def test_api_docs_need_no_cdn(app_server: AppServer, new_page: Callable[[], Page], shots: Shots) -> None:
    """/docs and /redoc load Swagger UI and ReDoc from the app: offline, they still render."""
    for path in ("/docs", "/redoc"):
        with urllib.request.urlopen(f"{app_server.url}{path}", timeout=10) as answer:  # noqa: S310
            html = answer.read().decode()
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources, path
        assert all(source.startswith("/") and not source.startswith("//") for source in sources), sources

    page = new_page()
    outside = _only_this_origin(page)
    page.goto(f"{app_server.url}/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/projects").first).to_be_visible()
    shots(page, "swagger-offline")
    page.goto(f"{app_server.url}/redoc")
    expect(page.get_by_role("heading", name=re.compile("mediaws API")).first).to_be_visible()
    expect(page.get_by_text("/api/projects").first).to_be_attached()
    shots(page, "redoc-offline")
    assert outside == []


def _settled_box(element: Locator) -> FloatRect | None:
    """The element's box once it has stopped moving (two reads 100 ms apart agree)."""
    previous = None
    for _ in range(50):
        box = element.bounding_box()
        if box is not None and box == previous:
            return box
        previous = box
        element.page.wait_for_timeout(100)
    return previous


def test_a_toast_asked_for_while_the_page_starts_waits_for_the_toaster(
    app_server: AppServer, browser: Browser
) -> None:
    """Sonner is not among a page's first scripts; toasts asked for before it has arrived are all shown."""
    context = browser.new_context(viewport=VIEWPORTS["phone"], service_workers="block")  # all via the network
    page = context.new_page()
    held: list[Route] = []
    page.route(re.compile(r"/assets/sonner[^/]*\.js$"), lambda route: held.append(route))  # answered below
    html = httpx.get(f"{app_server.url}/login").text  # names the page's first scripts
    assert "/assets/entry.client" in html and "sonner" not in html
    page.goto(f"{app_server.url}/login")
    page.wait_for_function("() => document.readyState === 'complete' && typeof mwsToast === 'function'")
    page.wait_for_timeout(1000)
    assert not held, "the toaster was fetched while the page was starting"
    page.evaluate("window.mwsToast.info('Early one', {duration: 60000})")
    page.evaluate("window.mwsToast.success('Early two', {duration: 60000})")
    page.wait_for_timeout(300)
    expect(page.locator("[data-sonner-toast]")).to_have_count(0)
    assert held, "the toaster was not asked for"
    for route in held:
        route.continue_()
    expect(page.locator("[data-sonner-toast]", has_text="Early one")).to_be_visible()
    expect(page.locator("[data-sonner-toast]", has_text="Early two")).to_be_visible()
    context.close()


@pytest.mark.parametrize("viewport", ["phone"])
def test_toasts_stay_on_their_page_below_the_top_bar(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots
) -> None:
    """A toast sits under the top bar, and is gone when the route changes; one sent with a redirect is not."""
    page = new_page()
    sign_up(page, app_server, f"toast-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_role("button", name="New project").click()
    page.get_by_role("dialog").get_by_label("Name").fill("Toasty")
    page.get_by_role("dialog").get_by_role("button", name="Create project").click()
    created = page.locator("[data-sonner-toast]", has_text="Created project")
    expect(created).to_be_visible()
    page.evaluate("window.mwsToast.info('A long one', {duration: 60000})")
    long_one = page.locator("[data-sonner-toast]", has_text="A long one")
    expect(long_one).to_be_visible()
    topbar = page.locator(".topbar").bounding_box()
    toast_box = _settled_box(created)  # sonner slides toasts in and restacks them for a few hundred ms
    assert topbar and toast_box and toast_box["y"] >= topbar["y"] + topbar["height"], (topbar, toast_box)
    shots(page, "toast-under-topbar")

    page.locator(".main-nav").get_by_role("link", name="Assets").click()
    expect(page).to_have_url(re.compile(r"/assets/?$"))
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=2_500)

    page.go_back()
    expect(page).to_have_url(re.compile(r"/projects/?$"))
    page.evaluate("window.mwsToast.info('Another long one', {duration: 60000})")
    expect(page.locator("[data-sonner-toast]", has_text="Another long one")).to_be_visible()
    page.go_forward()
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=2_500)

    page.go_back()
    page.get_by_role("link", name=re.compile("Toasty")).click()
    page.get_by_role("button", name="Delete project…").click()
    dialog = page.get_by_role("alertdialog")
    dialog.get_by_label("Project name").fill("Toasty")
    dialog.get_by_role("button", name="Delete forever").click()
    expect(page).to_have_url(re.compile(r"/projects/?$"))
    expect(page.locator("[data-sonner-toast]", has_text="Deleted project")).to_be_visible()
    shots(page, "toast-carried-after-delete")


@pytest.mark.parametrize("viewport", ["phone"])
def test_generate_scrolls_to_the_result_and_says_where_it_went(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots
) -> None:
    """On a phone the finished result scrolls into view, says which project keeps it, and buzzes."""
    page = new_page()
    page.add_init_script(BUZZES)
    sign_up(page, app_server, f"scroll-{uuid.uuid4().hex[:8]}@example.com")
    create_project(page, "Harbour")
    page.locator(".main-nav").get_by_role("link", name="Generate").click()
    expect(page.get_by_text("$0.00 (free)")).to_be_visible(timeout=30_000)
    page.get_by_label("Prompt").fill("Fishing boats at dusk")
    page.get_by_role("button", name="Generate").click()
    saved = page.get_by_role("status").filter(has_text="Saved to Harbour.")
    expect(saved).to_be_visible(timeout=60_000)
    expect(saved.get_by_role("link", name="Open the project")).to_be_visible()
    result = page.locator("[data-outcome='succeeded']")
    page.wait_for_function(
        "() => { const r = document.querySelector('[data-outcome]').getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight / 2; }"
    )
    expect(result).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0
    assert page.evaluate("window.__buzz") == [[30, 60, 30]]
    shots(page, "result-in-view")


@pytest.mark.parametrize("viewport", ["phone"])
@pytest.mark.parametrize("sheet", [True, False], ids=["share-sheet", "copy-fallback"])
def test_share_uses_the_share_sheet_or_copies_the_link(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, sheet: bool
) -> None:
    """The Share button opens the system share sheet where there is one, else copies the link."""
    page = new_page()
    page.add_init_script(SHARE_STUB if sheet else NO_SHARE)
    email = f"share-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, app_server, email)
    seeded = _seed(app_server, email)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server.url)
    page.goto(f"{app_server.url}/assets/{seeded.first}")
    expect(page.get_by_role("heading", name="First asset", level=1)).to_be_visible()
    page.get_by_role("button", name="Share", exact=True).click()
    link = page.get_by_label("Share link")
    expect(link).to_have_value(re.compile(rf"^{re.escape(app_server.url)}/files/{seeded.first}/file\?"))
    if sheet:
        expect(page.get_by_role("status").filter(has_text="Shared.")).to_be_visible()
        shared = page.evaluate("window.__shared")
        assert shared == [{"title": "First asset", "url": link.input_value()}]
    else:
        expect(page.get_by_role("status").filter(has_text="Link copied.")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == link.input_value()
    shots(page, "shared" if sheet else "copied")


def _touch_drag(page: Page, from_y: int, to_y: int) -> None:
    page.evaluate(
        """([fromY, toY]) => {
            const target = document.querySelector('main h1');
            const x = 180;
            const touch = (y) => new Touch({identifier: 7, target, clientX: x, clientY: y});
            const send = (type, list, changed) => target.dispatchEvent(new TouchEvent(type,
                {bubbles: true, cancelable: true, touches: list, changedTouches: changed}));
            send('touchstart', [touch(fromY)], [touch(fromY)]);
            for (let y = fromY + 20; y <= toY; y += 20) send('touchmove', [touch(y)], [touch(y)]);
            window.__indicator = document.querySelector('.pull-indicator')?.textContent || '';
            send('touchend', [], [touch(toY)]);
        }""",
        [from_y, to_y],
    )


@pytest.mark.parametrize("viewport", ["phone"])
def test_pull_to_refresh_reloads_the_list_in_place(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots
) -> None:
    """Pulling the list down past the threshold runs its load again: a project made elsewhere shows."""
    page = new_page()
    email = f"pull-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, app_server, email)
    page.evaluate("window.__same_page = true")
    with Session(make_engine(app_server.database_url)) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        projects.create_project(session=session, owner_id=user.id, name="Made on another device")
    expect(page.get_by_text("Made on another device")).to_have_count(0)

    _touch_drag(page, 200, 240)  # too short: nothing happens
    page.wait_for_timeout(1_000)
    expect(page.get_by_text("Made on another device")).to_have_count(0)

    _touch_drag(page, 200, 420)
    assert "Release to refresh" in page.evaluate("window.__indicator")
    expect(page.get_by_role("status").filter(has_text="Refreshing")).to_be_visible()
    shots(page, "refreshing")
    expect(page.get_by_role("heading", name="Made on another device")).to_be_visible()
    assert page.evaluate("window.__same_page") is True

    page.locator(".main-nav").get_by_role("link", name="Assets").click()
    expect(page.get_by_role("heading", name="Assets", level=1)).to_be_visible()
    _touch_drag(page, 200, 420)
    expect(page.get_by_role("heading", name="Assets", level=1)).to_be_visible()
    assert page.evaluate("window.__same_page") is True


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_loading_views_are_skeletons(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots
) -> None:
    """Until the server answers, a page shows grey shapes of its content (announced), never a lone spinner."""
    page = new_page()
    sign_up(page, app_server, f"bones-{uuid.uuid4().hex[:8]}@example.com")
    page.route_web_socket(re.compile(r"/_event"), lambda socket: None)  # the server never answers
    for path in ("/projects", "/assets", "/generate"):
        page.goto(f"{app_server.url}{path}")
        skeleton = page.get_by_role("status").filter(has_text="Checking your session")
        expect(skeleton).to_be_attached()
        expect(page.locator(".page-skeleton .skeleton").first).to_be_visible()
        expect(page.locator(".rt-Spinner")).to_have_count(0)
    shots(page, "skeleton")
