"""Pages with an id in their address paint from HTML too: each such route is prerendered once, as a template.

React Router prerenders only addresses without parameters, so `/projects/<id>` and every unknown address
were answered with the empty SPA fallback: nothing painted until the page's ~265 KB of scripts had run.
The production build now also prerenders each dynamic route at its template address (every parameter
`_`, e.g. `/projects/_/assets`) and the not-found page at `/_not-found`, which becomes the build's SPA
fallback (Reflex copies that to `404.html`). The server answers an address of a dynamic route with its
template's HTML (``PagePaths``). The app shell and the page's skeleton paint at once, and React hydrates
the same route at the real address: the prerendered markup holds the state's defaults, never the `_`.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

TEMPLATE = "_"
NOT_FOUND = "/_not-found"
SPA_FALLBACK = "__spa-fallback.html"
PARAM = re.compile(r"^\[([A-Za-z_]\w*)\]$")
CONFIG = re.compile(r"^export default (\{.*\});\s*$", re.S)
PRERENDER = """import { readFileSync } from "node:fs";

const config = {config};
// Reflex's routes (written by its compile, before this build): each one with parameters is prerendered at
// its template address, every parameter "_", as mediaws/web/route_templates.py's template_path names it.
const routes = JSON.parse(readFileSync(new URL("./routes.json", import.meta.url), "utf8"));
const templates = routes
  .filter((route) => route.includes("[") && !route.includes("[["))
  .map((route) => "/" + route.replace(/\\[\\w+\\]/g, "{template}"));
export default {
  ...config,
  prerender: ({ getStaticPaths }) => [...getStaticPaths(), ...templates, "{not_found}"],
};
"""


def template_path(route: str) -> str | None:
    """The template address of a route with single-segment parameters; None for a static or catch-all one."""
    parts = route.strip("/").split("/")
    if not any(part.startswith("[") for part in parts):
        return None
    if any(part.startswith("[") and not PARAM.match(part) for part in parts):
        return None
    return "/" + "/".join(TEMPLATE if PARAM.match(part) else part for part in parts)


def template_for(route_of: Callable[[str], str | None], path: str) -> str | None:
    """The template address that answers ``path``: its route's template when ``path`` has a dynamic route."""
    route = route_of(path)
    return template_path(route) if route else None


def router_config(config_js: str) -> str:
    """Reflex's React Router config with the templates prerendered; unchanged when it prerenders nothing."""
    found = CONFIG.match(config_js)
    if found is None:
        return config_js
    config = json.loads(found.group(1))
    if config.pop("prerender", None) is not True:
        return config_js
    return (
        PRERENDER.replace("{config}", json.dumps(config))
        .replace("{template}", TEMPLATE)
        .replace("{not_found}", NOT_FOUND)
    )


def prerender_templates() -> None:
    """Have Reflex write its React Router config with the templates (it offers no setting for the list)."""
    from reflex.utils import frontend_skeleton

    original = frontend_skeleton._update_react_router_config
    if getattr(original, "with_templates", False):
        return

    def with_templates(config: Any, prerender_routes: bool = False) -> str:
        return router_config(original(config, prerender_routes=prerender_routes))

    with_templates.with_templates = True  # type: ignore[attr-defined]
    frontend_skeleton._update_react_router_config = with_templates


def not_found_as_fallback(static_dir: Path) -> bool:
    """Make the prerendered not-found page the SPA fallback (and Reflex's 404.html); whether there was one."""
    page = static_dir / NOT_FOUND.strip("/") / "index.html"
    if not page.is_file():
        return False
    shutil.copyfile(page, static_dir / SPA_FALLBACK)
    return True
