"""Click → DOM update of the main interactions on pages with real data (issue #15, Deliver 4 and 8).

Same app and seeded account as `bench/lighthouse.py` (`bench/live_site.py`), Chromium at 1280x800 in the
signed-in profile. Before each press the page arms a `pointerdown` listener in the capture phase (the start:
`performance.now()` as the press reaches the page, a little before its `click`) and a MutationObserver on
the whole document; the end is the first mutation after which the result is on screen (the new type's
fields, the chosen size shown, the filtered cards, the filtered spend, the flipped archive button). The
two states alternate; SAMPLES timed presses per interaction after WARMUP untimed ones. Prints p50/p95/max.

    .venv/bin/python bench/click_dom.py                 # ~5 min on 2 cores
    BENCH_SAMPLES=60 .venv/bin/python bench/click_dom.py
    BENCH_ONLY=Gallery .venv/bin/python bench/click_dom.py
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_site import ARGS, CHROMIUM, DESKTOP, Site, seeded_site
from playwright.sync_api import Page, sync_playwright
from startup_and_events import percentile

SAMPLES = int(os.environ.get("BENCH_SAMPLES", "40"))
ONLY = os.environ.get("BENCH_ONLY", "")  # measure only the interactions whose name holds this
WARMUP = 3
ARM = """
([done, shown]) => {
  const ok = new Function('return (' + done + ')')();
  const seen = new Function('return (' + shown + ')')();
  window.__clickDom = window.__clickShown = null;
  let start = null;
  const observer = new MutationObserver(() => {
    const now = performance.now();
    if (start === null) return;
    if (window.__clickShown === null && seen()) window.__clickShown = now - start;
    if (ok()) {
      observer.disconnect();
      window.__clickDom = now - start;
      if (window.__clickShown === null) window.__clickShown = window.__clickDom;
    }
  });
  observer.observe(document.documentElement,
    {subtree: true, childList: true, characterData: true, attributes: true});
  document.addEventListener('pointerdown', () => { start = performance.now(); }, {capture: true, once: true});
}
"""
FIELD = (  # a label on screen: the page keeps each type's first form mounted, hidden
    "(label) => [...document.querySelectorAll('label')].some("
    "(e) => e.textContent.trim() === label && e.checkVisibility())"
)
CHECKED = (  # a segmented control's item holds its label twice (the second one sizes the bold state)
    "() => ['{0}', '{0}{0}'].includes(document.querySelector('[role=radio][aria-checked=true]')"
    "?.textContent.trim())"
)
TRIGGER = (
    "() => [...document.querySelectorAll('button[role=combobox]')].some("
    "(b) => b.getAttribute('aria-label') === '{0}' && b.textContent.trim() === '{1}')"
)
SPEND = (
    "() => { const c = [...document.querySelectorAll('.rt-Card')].find("
    "(e) => /^Spend\\b/.test(e.innerText)); return c ? c.querySelectorAll('.rt-Text')[1].textContent : ''; }"
)


@dataclass
class Step:
    """One press: what to press (after `prepare`), the JS test that its result is on screen, and the one
    that the choice itself is (the control's new state, before the server's answer if the page shows it)."""

    press: Callable[[Page], None]
    done: str
    prepare: Callable[[Page], None] = lambda _page: None
    shown: str = ""
    label: str = ""
    """Set where the two directions differ: each is printed on its own row as well."""


def timed(page: Page, step: Step) -> tuple[float, float]:
    """Arm the observers, press, wait for the result; milliseconds from press to choice and to result."""
    step.prepare(page)
    page.evaluate(ARM, [step.done, step.shown or step.done])
    step.press(page)
    page.wait_for_function("() => window.__clickDom !== null", timeout=30_000)
    return tuple(page.evaluate("() => [window.__clickShown, window.__clickDom]"))  # type: ignore[return-value]


def _radio(name: str) -> Callable[[Page], None]:
    return lambda page: page.get_by_role("radio", name=name, exact=True).click()


def _open(label: str) -> Callable[[Page], None]:
    def prepare(page: Page) -> None:
        page.get_by_role("combobox", name=label, exact=True).click()
        page.get_by_role("listbox").wait_for()

    return prepare


def _option(name: str) -> Callable[[Page], None]:
    return lambda page: page.get_by_role("option", name=name, exact=True).click()


def generate_type(page: Page, base: str) -> list[Step]:
    """Generate: Image ↔ Speech; done when the other type's own field (Size / Voice) is there."""
    page.goto(f"{base}/generate")
    page.get_by_text("Estimated cost:").wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    only = "() => ({0})('{1}') && !({0})('{2}')"
    return [
        Step(
            _radio("Speech"),
            only.format(FIELD, "Voice", "Size"),
            shown=CHECKED.format("Speech"),
            label="→ Speech",
        ),
        Step(
            _radio("Image"),
            only.format(FIELD, "Size", "Voice"),
            shown=CHECKED.format("Image"),
            label="→ Image",
        ),
    ]


def generate_option(page: Page, base: str) -> list[Step]:
    """Generate, image: the Size select between two of its values; done when the trigger shows the new one."""
    page.goto(f"{base}/generate")
    page.get_by_text("Estimated cost:").wait_for(timeout=30_000)
    page.get_by_role("radio", name="Image", exact=True).click()
    size = page.get_by_role("combobox", name="Size", exact=True)
    size.wait_for()
    size.click()
    names = [name.strip() for name in page.get_by_role("option").all_inner_texts()]
    page.keyboard.press("Escape")
    shows = "() => document.querySelector('#' + CSS.escape('{0}')).textContent.trim() === '{1}'"
    trigger = size.get_attribute("id") or ""
    return [Step(_option(name), shows.format(trigger, name), _open("Size")) for name in names[:2]]


def gallery_filter(page: Page, base: str, project: str, *, whole: bool = False) -> list[Step]:
    """Project gallery: Type Videos ↔ All types; done when the cards on screen are the filtered ones.

    ``whole``: first scroll until the page holds every card (30), so that it narrows and widens by itself.
    """
    if whole:
        every_card = _whole_gallery(page, base, project)
    else:
        page.goto(f"{base}{project}")
        page.locator("[data-asset]").first.wait_for()
        page.wait_for_load_state("networkidle")
        every_card = 24
    count = (  # cards on screen: while `data-only` names a type, CSS hides the other types' cards
        "() => {{ const only = document.querySelector('[data-only]')?.dataset.only || 'all';"
        " const shown = only === 'all' ? '[data-asset]:not([data-extra])'"
        " : `[data-asset][data-kind=${{only}}]`;"
        " return document.querySelectorAll(shown).length === {0}; }}"
    )
    videos, every = TRIGGER.format("Type", "Videos"), TRIGGER.format("Type", "All types")
    return [
        Step(_option("Videos"), count.format(6), _open("Type"), videos, "→ Videos"),
        Step(_option("All types"), count.format(every_card), _open("Type"), every, "→ All"),
    ]


def _whole_gallery(page: Page, base: str, project: str) -> int:
    """Open the project gallery and scroll until it holds every card; how many."""
    page.goto(f"{base}{project}")
    page.locator("[data-asset]").first.wait_for()
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("document.querySelectorAll('[data-asset]').length > 24")
    page.get_by_role("button", name="Load more").wait_for(state="detached")
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")
    return page.locator("[data-asset]").count()


VISUAL_FIRST = (  # the card shown first: CSS `order` moves cards before the list itself is reordered
    "() => [...document.querySelectorAll('[data-asset]')].filter((e) => e.checkVisibility())"
    ".map((e) => [e.getBoundingClientRect(), e.dataset.asset])"
    ".sort(([a], [b]) => (a.top - b.top) || (a.left - b.left))[0]?.[1]"
)


def gallery_sort(page: Page, base: str, project: str) -> list[Step]:
    """Gallery holding every card: Sort Newest first ↔ Name; done when the card shown first is that sort's."""
    _whole_gallery(page, base, project)
    first_newest = page.evaluate(VISUAL_FIRST)
    _open("Sort")(page)
    _option("Name")(page)
    page.wait_for_function(f"(id) => ({VISUAL_FIRST})() !== id", arg=first_newest)
    page.wait_for_load_state("networkidle")
    first_by_name = page.evaluate(VISUAL_FIRST)
    _open("Sort")(page)
    _option("Newest first")(page)
    _whole_gallery(page, base, project)
    first = "() => ({0})() === '{1}'"
    picks = (("Name", first_by_name, "→ Name"), ("Newest first", first_newest, "→ Newest"))
    return [
        Step(_option(pick), first.format(VISUAL_FIRST, card), _open("Sort"), TRIGGER.format("Sort", pick), to)
        for pick, card, to in picks
    ]


def gallery_favourites(page: Page, base: str, project: str) -> list[Step]:
    """Gallery holding every card, three starred: Favourites only on ↔ off; done when those cards show."""
    every = _whole_gallery(page, base, project)
    stars = page.get_by_role("button", name=re.compile("^Favourite "))
    for at in range(3):
        if stars.nth(at).get_attribute("aria-pressed") != "true":
            stars.nth(at).click()
            page.wait_for_function(
                "(star) => star.getAttribute('aria-pressed') === 'true'", arg=stars.nth(at).element_handle()
            )
    page.wait_for_load_state("networkidle")
    shown = (
        "() => [...document.querySelectorAll('[data-asset]')].filter((e) => e.checkVisibility()).length {0}"
    )
    ticked = (
        "() => document.querySelector('[role=checkbox][aria-label=\"Favourites only\"]')"
        "?.ariaChecked === '{0}'"
    )
    tick = lambda p: p.get_by_role("checkbox", name="Favourites only").click()  # noqa: E731
    return [
        Step(tick, shown.format("=== 3"), shown=ticked.format("true"), label="→ favourites"),
        # a list read again from the server holds its first page only
        Step(tick, shown.format(f">= {min(every, 24)}"), shown=ticked.format("false"), label="→ every card"),
    ]


def analytics_filter(page: Page, base: str, label: str, one: str, every: str) -> list[Step]:
    """Analytics (2,000+ generations): a filter's ``one`` ↔ ``every``; done when the spend changes."""
    page.goto(f"{base}/analytics")
    page.locator(".chart").first.scroll_into_view_if_needed(timeout=60_000)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    steps = []
    for name in (one, every):

        def prepare(page: Page, name: str = name) -> None:
            _open(label)(page)
            page.evaluate("(spend) => { window.__spend = (" + SPEND + ")(); }", None)

        done = (
            "() => { const s = (" + SPEND + ")();"
            " return /^\\$[\\d,]+\\.\\d\\d$/.test(s) && s !== window.__spend; }"
        )
        steps.append(Step(_option(name), done, prepare, TRIGGER.format(label, name)))
    return steps


def archive_restore(page: Page, base: str, project: str) -> list[Step]:
    """Project page: Archive project ↔ Restore project; done when the button says the other."""
    page.goto(f"{base}{project}")
    page.get_by_role("button", name="Archive project").wait_for()
    page.wait_for_load_state("networkidle")
    says = "() => [...document.querySelectorAll('button')].some((b) => b.textContent.trim() === '{0}')"
    return [
        Step(lambda p, old=old: p.get_by_role("button", name=old).click(), says.format(new))
        for old, new in (("Archive project", "Restore project"), ("Restore project", "Archive project"))
    ]


def measure(site: Site) -> dict[str, list[tuple[float, float]]]:
    """Every interaction, alternating its two states; the timed samples by name."""
    base = site.url
    plans: dict[str, Callable[[Page], list[Step]]] = {
        "Generate: type switch (Image ↔ Speech)": lambda p: generate_type(p, base),
        "Generate: option change (image Size)": lambda p: generate_option(p, base),
        "Gallery: Type filter (Videos ↔ All, 30 files)": lambda p: gallery_filter(
            p, base, site.pages["project gallery"]
        ),
        "Gallery holding every card: Type filter (Videos ↔ All, 30 files)": lambda p: gallery_filter(
            p, base, site.pages["project gallery"], whole=True
        ),
        "Gallery holding every card: Sort (Newest first ↔ Name)": lambda p: gallery_sort(
            p, base, site.pages["project gallery"]
        ),
        "Gallery holding every card: Favourites only (3 of 30)": lambda p: gallery_favourites(
            p, base, site.pages["project gallery"]
        ),
        "Analytics: Provider filter (2,006 generations)": lambda p: analytics_filter(
            p, base, "Provider", "anthropic", "All providers"
        ),
        "Analytics: Model filter (2,006 generations)": lambda p: analytics_filter(
            p, base, "Model", "claude-sonnet-4-5", "All models"
        ),
        "Analytics: Project filter (2,006 generations)": lambda p: analytics_filter(
            p, base, "Project", "Podcast", "All projects"
        ),
        "Project: Archive ↔ Restore": lambda p: archive_restore(p, base, site.pages["project"]),
    }
    found: dict[str, list[tuple[float, float]]] = {}
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(site.profile), executable_path=CHROMIUM, headless=True, args=ARGS, viewport=DESKTOP
        )
        page = context.new_page()
        for name, plan in plans.items():
            if ONLY and ONLY not in name:
                continue
            steps = plan(page)
            samples = [timed(page, steps[n % len(steps)]) for n in range(WARMUP + SAMPLES)]
            found[name] = samples[WARMUP:]
            for step in steps:
                if step.label:
                    timed_here = [n for n in range(WARMUP, len(samples)) if steps[n % len(steps)] is step]
                    found[f"{name}, {step.label}"] = [samples[n] for n in timed_here]
            load = os.getloadavg()
            print(f"  {name}: done (load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})", flush=True)
        context.close()
    return found


def main() -> None:
    """Serve, seed, measure, print."""
    with seeded_site() as site:
        found = measure(site)
    print(f"\nclick → DOM update, {SAMPLES} presses each (ms), Chromium 1280x800, signed in with data:\n")
    print("| interaction | choice shown p50 / p95 | result shown p50 / p95 | result max |")
    print("| --- | ---: | ---: | ---: |")
    for name, pairs in found.items():
        shown, done = [pair[0] for pair in pairs], [pair[1] for pair in pairs]
        print(
            f"| {name} | {percentile(shown, 0.5):.1f} / {percentile(shown, 0.95):.1f} "
            f"| {percentile(done, 0.5):.1f} / {percentile(done, 0.95):.1f} | {max(done):.1f} |"
        )


if __name__ == "__main__":
    main()
