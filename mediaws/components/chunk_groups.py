"""The scripts every page needs come in a few chunks, not thirty: code-splitting groups added at build time.

Vite (Rolldown) splits the build into one chunk per set of modules shared by the same routes: Radix Themes'
components, lucide's icons and Reflex's runtime ended up as ~30 chunks of 0.3-30 KB that every page fetches
after its first paint. Over HTTP/1.1 (what ``make run`` serves) a browser opens six connections to the app,
so those requests queue in rounds of six, a round trip each: on a phone's network that is most of the wait
before the page responds. This adds code-splitting groups to Reflex's Vite config: Radix's modules in one
chunk, lucide's icons in another, and the runtime every page loads anyway (Reflex's state and event loop,
emotion, react-helmet, socket.io) in a third. Libraries a page imports on demand (Plotly, Markdown, the drop
zone) match none of them and stay where Vite puts them.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

VITE_CONFIG = "vite.config.js"
SEP = r"[\\/]"
RUNTIME_PACKAGES = (
    "@emotion",
    "@socket\\.io",
    "engine\\.io-client",
    "engine\\.io-parser",
    "mergician",
    "react-error-boundary",
    "react-fast-compare",
    "react-helmet",
    "react-side-effect",
    "socket\\.io-client",
    "socket\\.io-parser",
    "stylis",
    "universal-cookie",
    "cookie",
)
GROUP_TESTS = {
    "radix": rf"node_modules{SEP}(@radix-ui|radix-ui){SEP}",
    "icons": rf"node_modules{SEP}lucide-react{SEP}",
    "sonner": rf"node_modules{SEP}sonner{SEP}",  # on demand (lazy_toaster.jsx), under a name tests can find
    "runtime": (
        rf"{SEP}\.web{SEP}(utils|components|app_components{SEP}reflex){SEP}"
        rf"|node_modules{SEP}({'|'.join(RUNTIME_PACKAGES)}){SEP}"
    ),
}
REFLEX_GROUPS = """          groups: [
            {
              test: /env.json/,
              name: "reflex-env",
            },
          ],"""
GROUPS = (
    REFLEX_GROUPS.removesuffix("\n          ],")
    + "".join(
        f"""
            {{
              test: /{test}/,
              name: "{name}",
            }},"""
        for name, test in GROUP_TESTS.items()
    )
    + "\n          ],"
)


class ChunkGroupsError(RuntimeError):
    """Reflex's Vite config no longer has the code-splitting groups this extends (a Reflex upgrade)."""


def with_groups(source: str) -> str:
    """Reflex's Vite config with the Radix, icon and runtime groups added (idempotent)."""
    if GROUPS in source:
        return source
    if source.count(REFLEX_GROUPS) != 1:
        raise ChunkGroupsError(f"{VITE_CONFIG}: Reflex's code-splitting groups not found")
    return source.replace(REFLEX_GROUPS, GROUPS)


class ChunkGroupsPlugin(rx.plugins.Plugin):
    """Reflex build hook: group Radix, the icons and the shared runtime into one chunk each."""

    def pre_compile(self, **context: Any) -> None:
        """Queue the change to this compile's Vite config."""
        context["add_modify_task"](VITE_CONFIG, with_groups)
