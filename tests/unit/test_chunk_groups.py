"""Reflex's Vite config gets the Radix, icon and runtime chunk groups, on the config this Reflex writes."""

from __future__ import annotations

import re

import pytest
from reflex.utils import frontend_skeleton

from mediaws.components.chunk_groups import GROUP_TESTS, GROUPS, REFLEX_GROUPS, ChunkGroupsError, with_groups
from rxconfig import config

WEB = "/srv/app/.web"


def _reflex_vite_config() -> str:
    return frontend_skeleton._compile_vite_config(config)


def _group(module: str) -> str | None:
    found = [name for name, test in GROUP_TESTS.items() if re.search(test, module)]
    assert len(found) <= 1, (module, found)
    return found[0] if found else None


def test_radix_the_icons_and_the_runtime_each_become_one_named_chunk() -> None:
    written = _reflex_vite_config()
    assert REFLEX_GROUPS in written

    grouped = with_groups(written)

    for name in ("radix", "icons", "sonner", "runtime"):
        assert f'name: "{name}"' in grouped
    assert grouped.replace(GROUPS, REFLEX_GROUPS) == written  # nothing else of Reflex's config changes


def test_each_module_lands_in_its_group_and_on_demand_libraries_in_none() -> None:
    assert _group(f"{WEB}/node_modules/@radix-ui/themes/dist/esm/components/badge.js") == "radix"
    assert _group(f"{WEB}/node_modules/@radix-ui/react-dialog/dist/index.mjs") == "radix"
    assert _group(f"{WEB}/node_modules/lucide-react/dist/esm/icons/sparkles.mjs") == "icons"
    assert _group(f"{WEB}/node_modules/sonner/dist/index.mjs") == "sonner"
    assert _group(f"{WEB}/utils/state.js") == "runtime"
    assert _group(f"{WEB}/utils/context.jsx") == "runtime"
    assert _group(f"{WEB}/node_modules/socket.io-client/build/esm/index.js") == "runtime"
    assert _group(f"{WEB}/node_modules/@emotion/react/dist/emotion-react.browser.esm.js") == "runtime"
    for on_demand in (
        "node_modules/plotly.js-cartesian-dist-min/plotly-cartesian.min.js",
        "node_modules/react-plotly.js/factory.js",
        "node_modules/react-markdown/lib/index.js",
        "node_modules/react-dropzone/dist/es/index.js",
        "public/external/mediaws/components/when_visible/when_visible.jsx",
        "app/routes/[projects]._index.jsx",
    ):
        assert _group(f"{WEB}/{on_demand}") is None, on_demand


def test_grouping_twice_changes_nothing_more() -> None:
    once = with_groups(_reflex_vite_config())
    assert with_groups(once) == once


def test_a_config_without_reflex_groups_fails_the_build_loudly() -> None:
    with pytest.raises(ChunkGroupsError, match="code-splitting groups"):
        with_groups(_reflex_vite_config().replace('name: "reflex-env"', 'name: "env"'))
