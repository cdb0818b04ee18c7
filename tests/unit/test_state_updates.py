"""Reflex's state hook is rewritten to update in transitions, on the runtime this Reflex ships."""

from __future__ import annotations

from pathlib import Path

import pytest
import reflex_base

from mediaws.components.state_updates import (
    HOOK,
    HOOK_WITH_TRANSITIONS,
    IMPORTS,
    IMPORTS_FOR_TRANSITIONS,
    REGISTRY_JS,
    StateUpdateError,
    in_transitions,
)

SHIPPED = Path(reflex_base.__file__).parent / ".templates" / "web" / REGISTRY_JS


def test_the_shipped_hook_is_rewritten_to_set_react_state_in_a_transition() -> None:
    shipped = SHIPPED.read_text()
    assert "useSyncExternalStore(" in shipped

    rewritten = in_transitions(shipped)

    assert "useSyncExternalStore" not in rewritten
    assert "startTransition(() =>" in rewritten
    assert "store.subscribe(name, update)" in rewritten
    assert rewritten.count("export function useStateContext(name)") == 1
    rest = shipped.replace(IMPORTS, "").replace(HOOK, "")
    assert rewritten.replace(IMPORTS_FOR_TRANSITIONS, "").replace(HOOK_WITH_TRANSITIONS, "") == rest


def test_rewriting_twice_changes_nothing_more() -> None:
    once = in_transitions(SHIPPED.read_text())
    assert in_transitions(once) == once


def test_a_runtime_without_the_expected_hook_fails_the_build_loudly() -> None:
    changed = SHIPPED.read_text().replace("useSyncExternalStore(subscribe, getSnapshot, getSnapshot)", "x()")
    with pytest.raises(StateUpdateError, match="useStateContext"):
        in_transitions(changed)
