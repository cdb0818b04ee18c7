"""A filter's answer makes every control follow the server again in one script."""

from __future__ import annotations

from typing import Any

import pytest

from mediaws.state import local_choice


def _script(event: Any) -> str:
    return next(value._var_value for name, value in event.args if str(name) == "javascript_code")


def test_one_script_resets_every_choice_then_runs_the_rest() -> None:
    """Each filter's control is set back to "" (follow the server) and the extra script runs last."""
    (event,) = local_choice.follow_server(local_choice.GALLERY_FILTERS, then="done();")
    code = _script(event)
    for name in local_choice.GALLERY_FILTERS:
        assert f"gallery_{name}" in code
    assert code.count(")();") == len(local_choice.GALLERY_FILTERS)
    assert code.endswith("done();")


class _Renamed:
    """A client state var whose push event no longer names its script "function"."""

    def push(self, value: str) -> Any:
        class Event:
            args = (("callback", "() => {}"),)

        return Event()


def test_a_reflex_push_without_its_script_is_refused() -> None:
    """If Reflex renamed the push's argument, the reset must fail loudly, not become an empty script."""
    with pytest.raises(RuntimeError, match="no longer carries one script"):
        local_choice.follow_server({"x": _Renamed()})  # type: ignore[dict-item]
