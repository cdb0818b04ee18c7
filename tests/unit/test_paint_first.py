"""A built page starts its scripts after the first frame: same chunks, same start code, no preload tags."""

from __future__ import annotations

import json
import re
from pathlib import Path

from mediaws.web.paint_first import paint_first, rewrite_pages

PAGE = """<!DOCTYPE html><html><head><link as="script" fetchPriority="low" href="/offline.js" rel="preload"/>
<link href="/assets/app-1.css" rel="stylesheet"/>
<link rel="modulepreload" href="/assets/manifest-1.js"/>
<link rel="modulepreload" href="/assets/entry.client-2.js"/>
<link rel="modulepreload" href="/assets/root-3.js"/>
</head><body><main><h1>Log in</h1></main>
<script>window.__reactRouterContext = {"basename":"/"};</script>
<script type="module" async="">import "/assets/manifest-1.js";
import * as route0 from "/assets/root-3.js";
window.__reactRouterRouteModules = {"root":route0};
import("/assets/entry.client-2.js");
// if (a</b) {}
</script>
<script>window.__reactRouterContext.streamController.close();</script></body></html>"""


def _loader(html: str) -> tuple[list[str], list[str], str]:
    loader = r"var urls=(\[.*?\]),scripts=(\[.*?\]),code=(\".*?\"),started=false;function"
    found = re.search(loader, html, re.S)
    assert found is not None
    urls, scripts, code = found.groups()
    return json.loads(urls), json.loads(scripts), json.loads(code.replace("<\\/", "</"))


def test_the_chunks_and_start_code_move_behind_the_first_frame() -> None:
    html = paint_first(PAGE)
    assert 'rel="modulepreload"' not in html and 'type="module" async' not in html
    assert 'rel="preload"' not in html  # the page's own scripts are fetched with the chunks, after painting
    urls, scripts, code = _loader(html)
    assert urls == ["/assets/manifest-1.js", "/assets/entry.client-2.js", "/assets/root-3.js"]
    assert scripts == ["/offline.js"]
    assert code == PAGE.split('<script type="module" async="">')[1].split("</script>\n<script>window.__r")[0]
    assert "first-contentful-paint" in html and "requestAnimationFrame" in html and "visibilityState" in html
    assert "a</b" not in html  # nothing in the start code can close the loader's script
    assert '<link href="/assets/app-1.css" rel="stylesheet"/>' in html and "<h1>Log in</h1>" in html
    assert html.index("streamController.close") > html.index("data-paint-first")


def test_pages_without_a_start_script_and_rewritten_pages_are_left_alone(tmp_path: Path) -> None:
    assert paint_first("<html><body>plain</body></html>") == "<html><body>plain</body></html>"
    once = paint_first(PAGE)
    assert paint_first(once) == once
    (tmp_path / "login").mkdir()
    (tmp_path / "login" / "index.html").write_text(PAGE)
    (tmp_path / "404.html").write_text("<html>no scripts</html>")
    assert rewrite_pages(tmp_path) == 1
    assert (tmp_path / "login" / "index.html").read_text() == once
    assert rewrite_pages(tmp_path) == 0
