"""WCAG 2.1 AA: axe-core finds nothing on any page, and the main journey works by keyboard alone."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import VIEWPORTS
from tests.e2e.support import PASSWORD, AppServer, Shots, axe_violations, sign_up
from tests.e2e.test_analytics import _draw_every_chart, _seed

PROMPT = "A paper boat race on a canal"
FOCUS_SHOWN = (
    "() => { const e = document.activeElement; if (!e || e === document.body) return false;"
    " const ring = (s) => s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;"
    " return [[e], [e, '::before'], [e, '::after'], [e.parentElement]].some("
    "([el, pseudo]) => el && ring(getComputedStyle(el, pseudo))); }"
)
FOCUSED = (
    "() => { const e = document.activeElement;"
    " return e && e !== document.body ? e.outerHTML.slice(0, 200) : ''; }"
)


def _h1(page: Page, url: str, name: str | re.Pattern[str]) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def _generate_image(page: Page, server: AppServer) -> None:
    _h1(page, f"{server.url}/generate", "Generate")
    expect(page.get_by_text("$0.00 (free)")).to_be_visible(timeout=30_000)
    page.get_by_label("Prompt").fill(PROMPT)
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.get_by_text("succeeded")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("img", name="Generated image")).to_be_visible()


def _tour(page: Page, server: AppServer, email: str, shots: Shots, tag: str) -> tuple[list[str], list[str]]:
    """Visit every page signed in, empty first and then with data; return the violations and the URLs."""
    found: list[str] = []
    urls: list[str] = []

    def check(where: str) -> None:
        found.extend(axe_violations(page, f"{tag} {where}"))
        urls.append(page.url)
        shots(page, f"{tag}-{where}")

    expect(page.get_by_text("No projects yet")).to_be_visible()
    check("projects-empty")
    page.get_by_role("button", name="New project").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.wait_for_function("() => !document.getAnimations().some((a) => a.playState === 'running')")
    found.extend(axe_violations(page, f"{tag} new-project-dialog"))
    page.keyboard.press("Escape")
    _h1(page, f"{server.url}/assets", "Assets")
    expect(page.get_by_text("No assets yet")).to_be_visible()
    check("assets-empty")
    _h1(page, f"{server.url}/analytics", "Analytics")
    expect(page.get_by_text("No generations in this range yet.")).to_be_visible()
    check("analytics-empty")
    _h1(page, f"{server.url}/settings/keys", "API keys")
    check("keys")
    _h1(page, f"{server.url}/settings/account", "Account")
    check("account")

    seeded = _seed(server, email)
    _h1(page, f"{server.url}/projects", "Projects")
    expect(page.get_by_role("heading", name="Podcast")).to_be_visible()
    check("projects")
    _h1(page, f"{server.url}/projects/{seeded.budgeted}", "Budgeted <i>film</i>")
    check("project")
    _h1(page, f"{server.url}/projects/{seeded.budgeted}/analytics", re.compile("analytics"))
    _draw_every_chart(page, 3)
    check("project-analytics")
    _h1(page, f"{server.url}/analytics", "Analytics")
    _draw_every_chart(page, 9)
    check("analytics")
    _generate_image(page, server)
    check("generate-result")
    _h1(page, f"{server.url}/assets", "Assets")
    card = page.locator("[data-asset]").filter(has_text=PROMPT)
    expect(card).to_have_count(1)
    check("assets")
    card.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/assets/[0-9a-f-]{36}/?$"))
    expect(page.get_by_role("heading", name="How it was made")).to_be_visible()
    check("asset")
    return found, urls


def test_axe_finds_nothing_on_any_page(
    app_server: AppServer, browser: Browser, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """Logged out and in, empty and with data, light and dark: no WCAG 2.1 A/AA violation anywhere."""
    page = new_page()
    page.emulate_media(reduced_motion="reduce")
    found: list[str] = []
    _h1(page, f"{app_server.url}/login", "Log in")
    found += axe_violations(page, "light login")
    _h1(page, f"{app_server.url}/signup", "Create your account")
    found += axe_violations(page, "light signup")
    email = f"axe-{viewport}-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, app_server, email)
    tour, urls = _tour(page, app_server, email, shots, "light")
    found += tour

    dark = browser.new_context(
        viewport=VIEWPORTS[viewport],
        color_scheme="dark",
        reduced_motion="reduce",
        storage_state=page.context.storage_state(),
    )
    try:
        night = dark.new_page()
        for url in urls:
            night.goto(url)
            expect(night.get_by_role("heading", level=1)).to_be_visible()
            night.wait_for_load_state("networkidle")
            found += axe_violations(night, f"dark {url.removeprefix(app_server.url)}")
            shots(night, "dark")
    finally:
        dark.close()
    assert not found, "axe-core found WCAG 2.1 AA violations:\n" + "\n".join(found)


def _tab_to(target: Locator, key: str = "Tab", limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus; the focus must be visible there."""
    page = target.page
    for _ in range(limit):
        if target.evaluate("(e) => e === document.activeElement"):
            assert page.evaluate(FOCUS_SHOWN), f"the focus on {target} is not visible"
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {target}; it stopped on {page.evaluate(FOCUSED)!r}")


def _every_stop_shows_focus(page: Page) -> list[str]:
    """Tab round the whole page (past its end, back from the top); each stop must show the focus."""
    seen: list[str] = []
    ends = 0
    for _ in range(80):
        page.keyboard.press("Tab")
        where = page.evaluate(FOCUSED)
        if not where:
            ends += 1
            if ends == 2:
                break
            continue
        if where in seen:
            break
        seen.append(where)
        assert page.evaluate(FOCUS_SHOWN), f"the focus is not visible on {where}"
    return seen


def _choose_with_space(page: Page, radio: Locator) -> None:
    """Space on a focused type choice: it shows at once, whatever the page's load events answer later."""
    page.keyboard.press("Space")
    expect(radio).to_be_checked()


def test_the_journey_by_keyboard_alone(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """Sign up, make a project, generate with the local provider, open the gallery and export analytics."""
    page = new_page()
    keys = page.keyboard
    nav = page.get_by_role("navigation", name="Main")
    page.goto(f"{app_server.url}/signup")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    _tab_to(page.get_by_label("Email"))
    keys.type(f"keys-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    _tab_to(page.get_by_label("Password", exact=True))
    keys.type(PASSWORD)
    _tab_to(page.get_by_label("Repeat password"))
    keys.type(PASSWORD)
    _tab_to(page.get_by_role("button", name="Create account"))
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/projects/?$"))
    expect(page.get_by_text("No projects yet")).to_be_visible()

    _tab_to(page.get_by_role("button", name="New project"))
    keys.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    _tab_to(page.get_by_role("dialog").get_by_label("Name"))
    keys.type("Keyboard film")
    _tab_to(page.get_by_role("button", name="Create project"))
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Keyboard film")).to_be_visible()
    stops = _every_stop_shows_focus(page)
    assert len(stops) >= 10, stops
    shots(page, "project-made")

    _tab_to(nav.get_by_role("link", name="Generate"), key="Shift+Tab")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/generate/?$"))
    expect(page.get_by_text("$0.00 (free)")).to_be_visible(timeout=30_000)
    _tab_to(page.get_by_role("radio", name="Image"))
    keys.press("ArrowLeft")
    expect(page.get_by_role("radio", name="Text")).to_be_focused()
    _choose_with_space(page, page.get_by_role("radio", name="Text"))
    expect(page.get_by_label("Server model")).to_be_visible()
    expect(page.get_by_role("radio", name="Text")).to_be_focused()
    keys.press("ArrowRight")
    expect(page.get_by_role("radio", name="Image")).to_be_focused()
    _choose_with_space(page, page.get_by_role("radio", name="Image"))
    _tab_to(page.get_by_role("combobox", name="Model"), key="Shift+Tab")
    keys.press("Enter")
    expect(page.get_by_role("listbox")).to_be_visible()
    keys.type("Local image")
    keys.press("Enter")
    expect(page.get_by_role("combobox", name="Model")).to_contain_text("Local image sketch")
    _tab_to(page.get_by_label("Prompt"))
    keys.type(PROMPT)
    _tab_to(page.get_by_role("button", name="Generate", exact=True))
    shots(page, "generate-focused")
    keys.press("Enter")
    expect(page.get_by_text("succeeded")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("img", name="Generated image")).to_be_visible()

    _tab_to(nav.get_by_role("link", name="Assets"), key="Shift+Tab")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/assets/?$"))
    card = page.locator("[data-asset]").filter(has_text=PROMPT)
    expect(card).to_have_count(1)
    _tab_to(nav.get_by_role("link", name="Analytics"))
    shots(page, "gallery")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/analytics/?$"))
    expect(page.get_by_role("heading", name="Analytics", level=1)).to_be_visible()
    _tab_to(page.get_by_role("button", name="Download the generations as CSV"))
    shots(page, "analytics-focused")
    with page.expect_download() as download:
        keys.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")
