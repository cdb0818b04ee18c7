"""The Radix stylesheet ships every colour scale a page names, and only Radix's own files."""

from __future__ import annotations

import re
from pathlib import Path

from mediaws.components.theme_styles import COLOURS, stylesheets
from mediaws.services.tags import COLOURS as TAG_COLOURS

RADIX_COLOURS = frozenset(
    [
        *("tomato", "red", "ruby", "crimson", "pink", "plum", "purple", "violet", "iris", "indigo", "blue"),
        *("cyan", "teal", "jade", "green", "grass", "brown", "orange", "sky", "mint", "lime", "yellow"),
        *("amber", "gold", "bronze", "gray", "mauve", "slate", "sage", "olive", "sand"),
    ]
)
COLOUR_PROP = re.compile(r"(?:color|accentColor|grayColor)[:=]\{?([^,}]{0,200})")
ROOT = Path(__file__).resolve().parents[2]


def _named_colours(text: str) -> set[str]:
    props = (found.group(1) for found in COLOUR_PROP.finditer(text))
    named = {name for prop in props for name in re.findall(r'"([a-z]+)"', prop)}
    named |= set(re.findall(r"var\(--([a-z]+)-a?\d", text))
    return named & RADIX_COLOURS


def test_every_colour_a_page_or_the_stylesheet_names_is_shipped() -> None:
    from mediaws.mediaws import app

    pages = {route: page.component for route, page in app._unevaluated_pages.items()}
    assert len(pages) >= 12
    named: dict[str, set[str]] = {}
    for route, page in pages.items():
        for colour in _named_colours(str(page() if callable(page) else page)):
            named.setdefault(colour, set()).add(route)
    for colour in _named_colours((ROOT / "assets" / "styles.css").read_text()):
        named.setdefault(colour, set()).add("assets/styles.css")
    assert {"gray", "red", "amber", "indigo"} <= set(named)  # the scan sees the pages' colours
    missing = {colour: sorted(where) for colour, where in named.items() if colour not in COLOURS}
    assert missing == {}, f"add these to mediaws/components/theme_styles.py: {missing}"
    assert set(TAG_COLOURS) <= set(COLOURS)


def test_the_sheets_are_radix_files_in_styles_css_order() -> None:
    sheets = stylesheets()
    assert sheets[-3:] == (
        "@radix-ui/themes/tokens/base.css",
        "@radix-ui/themes/components.css",
        "@radix-ui/themes/utilities.css",
    )
    assert [sheet.rsplit("/", 1)[1] for sheet in sheets[:-3]] == [f"{colour}.css" for colour in COLOURS]
    assert len(COLOURS) == len(set(COLOURS)) < len(RADIX_COLOURS)
