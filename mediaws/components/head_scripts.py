"""The app's own page-wide scripts, fetched with React's chunks and run once React has put them in the head.

``rx.script`` reaches the head through react-helmet, so the browser only learns of a script once React has
started: on a phone that is seconds after the page arrived, the script comes last, and the page's first
update waits for it (its observers run inside React's commits). A preload link in the prerendered head has
it fetched early; the build's paint-first loader (``web/paint_first.py``) starts that fetch with the page's
chunks, after the first paint, at low priority. The script element Helmet adds later runs from that copy.
"""

from __future__ import annotations

import reflex as rx


def page_script(src: str) -> list[rx.Component]:
    """A deferred script for every page, preloaded with the page's HTML."""
    return [
        rx.el.link(rel="preload", href=src, custom_attrs={"as": "script", "fetchPriority": "low"}),
        rx.script(src=src, defer=True),
    ]
