"""The scripts every page needs come in a few chunks, not thirty: Radix and the icons grouped at build time.

Vite (Rolldown) splits the build into one chunk per module shared between routes: Radix Themes' components
and lucide's icons end up as ~20 chunks of 0.3-3 KB that every page fetches after its first paint. Over
HTTP/1.1 (what ``make run`` serves) a browser opens six connections to the app, so those requests queue in
rounds of six, a round trip each: on a phone's network that is most of the wait before the page responds.
This adds two code-splitting groups to Reflex's Vite config: Radix's modules in one chunk, lucide's icons in
another. Pages that used only some of them fetch a little more, once, and cache it with the rest.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

VITE_CONFIG = "vite.config.js"
REFLEX_GROUPS = """          groups: [
            {
              test: /env.json/,
              name: "reflex-env",
            },
          ],"""
GROUPS = """          groups: [
            {
              test: /env.json/,
              name: "reflex-env",
            },
            {
              test: /node_modules[\\\\/](@radix-ui|radix-ui)[\\\\/]/,
              name: "radix",
            },
            {
              test: /node_modules[\\\\/]lucide-react[\\\\/]/,
              name: "icons",
            },
          ],"""


class ChunkGroupsError(RuntimeError):
    """Reflex's Vite config no longer has the code-splitting groups this extends (a Reflex upgrade)."""


def with_groups(source: str) -> str:
    """Reflex's Vite config with the Radix and icon groups added (idempotent)."""
    if GROUPS in source:
        return source
    if source.count(REFLEX_GROUPS) != 1:
        raise ChunkGroupsError(f"{VITE_CONFIG}: Reflex's code-splitting groups not found")
    return source.replace(REFLEX_GROUPS, GROUPS)


class ChunkGroupsPlugin(rx.plugins.Plugin):
    """Reflex build hook: group Radix and the icons into one chunk each."""

    def pre_compile(self, **context: Any) -> None:
        """Queue the change to this compile's Vite config."""
        context["add_modify_task"](VITE_CONFIG, with_groups)
