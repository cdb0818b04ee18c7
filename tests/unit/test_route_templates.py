"""Each route with an id is prerendered once as a template, and the not-found page is the SPA fallback."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from mediaws.web.route_templates import NOT_FOUND, not_found_as_fallback, router_config, template_path

ROUTES = ["index", "login", "projects", "projects/[project_id]", "projects/[project_id]/assets", "404"]
REFLEX = 'export default {"basename": "/", "ssr": false, "prerender": true, "build": "build"};'


def test_template_addresses_put_an_underscore_for_each_parameter() -> None:
    assert template_path("projects/[project_id]/assets") == "/projects/_/assets"
    assert template_path("/assets/[asset_id]") == "/assets/_"
    assert template_path("projects") is None
    assert template_path("docs/[[...splat]]") is None


def test_only_a_prerendering_config_changes() -> None:
    development = 'export default {"basename": "/", "ssr": false};'
    assert router_config(development) == development
    written = router_config(REFLEX)
    assert 'const config = {"basename": "/", "ssr": false, "build": "build"};' in written
    assert router_config(written) == written


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node (the README's Node 20)")
def test_the_build_prerenders_static_pages_each_template_and_the_not_found_page(tmp_path: Path) -> None:
    (tmp_path / "react-router.config.mjs").write_text(router_config(REFLEX))
    (tmp_path / "routes.json").write_text(json.dumps([*ROUTES, "docs/[[...splat]]"]))
    script = (
        "import('./react-router.config.mjs').then(async ({ default: config }) => console.log(JSON.stringify("
        "{ ...config, prerender: await config.prerender({ getStaticPaths: () => ['/', '/login'] }) })))"
    )
    run = subprocess.run(["node", "-e", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    config = json.loads(run.stdout)
    assert config == {
        "basename": "/",
        "ssr": False,
        "build": "build",
        "prerender": ["/", "/login", "/projects/_", "/projects/_/assets", NOT_FOUND],
    }
    assert config["prerender"][2:4] == [template_path(ROUTES[3]), template_path(ROUTES[4])]


def test_the_not_found_page_becomes_the_spa_fallback(tmp_path: Path) -> None:
    assert not_found_as_fallback(tmp_path) is False
    (tmp_path / "__spa-fallback.html").write_text("empty")
    page = tmp_path / "_not-found"
    page.mkdir()
    (page / "index.html").write_text("<h1>Page not found</h1>")
    assert not_found_as_fallback(tmp_path) is True
    assert (tmp_path / "__spa-fallback.html").read_text() == "<h1>Page not found</h1>"
