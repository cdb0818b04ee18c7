"""Radix Themes' stylesheet with only the colour scales the pages use (Radix's documented per-colour files).

The whole ``styles.css`` (813 KB, 86 KB gzipped, render-blocking on every page) carries the tokens of all 30
colours for light, dark and wide-gamut screens; the app uses twelve. The rest of the sheet (components and
utilities) is imported as Radix ships it.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from mediaws.services.tags import COLOURS as TAG_COLOURS

THEME_COLOURS = ("indigo", "blue", "slate")  # the app's accent, rxconfig's theme accent and grey
STATUS_COLOURS = ("gray", "red", "orange", "amber", "green")  # color_scheme values the pages set
COLOURS = tuple(dict.fromkeys((*THEME_COLOURS, *STATUS_COLOURS, *TAG_COLOURS)))
PACKAGE = "@radix-ui/themes"


def stylesheets(colours: tuple[str, ...] = COLOURS) -> tuple[str, ...]:
    """Radix's sheets in ``styles.css``'s order: the colour scales, the base tokens, components, utilities."""
    scales = tuple(f"{PACKAGE}/tokens/colors/{colour}.css" for colour in colours)
    return (*scales, f"{PACKAGE}/tokens/base.css", f"{PACKAGE}/components.css", f"{PACKAGE}/utilities.css")


class RadixColoursPlugin(rx.plugins.RadixThemesPlugin):
    """Radix Themes as Reflex sets it up, with the stylesheet cut to the colours in ``COLOURS``."""

    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        """The per-colour sheets instead of the whole ``styles.css`` (nothing while Radix is off)."""
        return stylesheets() if self.enabled else ()

    def get_frontend_dependencies(self, **context: Any) -> tuple[str, ...]:
        """Nothing: the pages import the Radix components they use, which also installs the package.

        Reflex's answer (the package) would put all of Radix Themes on ``window.__reflex`` for dynamic
        components, which the app has none of, and so into every page's scripts: 185 components where the
        pages use 30.
        """
        return ()
