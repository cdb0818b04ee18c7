"""Reflex's Vite config gets the Radix and icon chunk groups, on the config this Reflex writes."""

from __future__ import annotations

import pytest
from reflex.utils import frontend_skeleton

from mediaws.components.chunk_groups import GROUPS, REFLEX_GROUPS, ChunkGroupsError, with_groups
from rxconfig import config


def _reflex_vite_config() -> str:
    return frontend_skeleton._compile_vite_config(config)


def test_radix_and_the_icons_each_become_one_named_chunk() -> None:
    written = _reflex_vite_config()
    assert REFLEX_GROUPS in written

    grouped = with_groups(written)

    assert 'name: "radix"' in grouped and 'name: "icons"' in grouped
    assert "/node_modules[\\\\/](@radix-ui|radix-ui)[\\\\/]/" in grouped  # a JS regex literal: \\ in the file
    assert grouped.replace(GROUPS, REFLEX_GROUPS) == written  # nothing else of Reflex's config changes


def test_grouping_twice_changes_nothing_more() -> None:
    once = with_groups(_reflex_vite_config())
    assert with_groups(once) == once


def test_a_config_without_reflex_groups_fails_the_build_loudly() -> None:
    with pytest.raises(ChunkGroupsError, match="code-splitting groups"):
        with_groups(_reflex_vite_config().replace('name: "reflex-env"', 'name: "env"'))
