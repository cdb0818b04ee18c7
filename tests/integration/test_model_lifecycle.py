"""Models their providers shut down: refused for new work with the replacement named, priced for old work."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, func, select

from mediaws.deps import Deps
from mediaws.errors import ValidationError
from mediaws.models import Generation, User
from mediaws.pricing.cost import cost, priced_display
from mediaws.providers.base import Capability, Usage
from mediaws.security.crypto import Keyring
from mediaws.services import catalog, generation, keys, model_lifecycle, projects


def _generations(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Generation)).one())


def test_a_shut_down_model_is_refused_naming_its_replacement_and_nothing_is_queued(
    session: Session, make_deps: Callable[..., Deps], user: User
) -> None:
    deps = make_deps()
    project = projects.create_project(session=session, owner_id=user.id, name="Old models")
    before = _generations(session)
    start = functools.partial(
        generation.start_generation,
        session=session,
        deps=deps,
        user_id=user.id,
        project_id=project.id,
        capability="text",
        prompt="Hello",
    )
    with pytest.raises(ValidationError) as refused:
        start(provider_id="gemini", model="gemini-2.5-pro")
    assert str(refused.value) == (
        "Gemini 2.5 Pro can no longer be used. Shut down by its provider on 2026-12-01; "
        "use Gemini 3.8 Flash instead."
    )
    assert refused.value.field == "model"
    with pytest.raises(ValidationError, match=r"Veo 3\.1 can no longer be used"):
        start(
            provider_id="local",
            model="local-text",
            fallbacks=[{"provider": "gemini", "model": "veo-3.1-generate-preview"}],
        )
    assert _generations(session) == before


def test_the_picker_leaves_out_shut_down_models_and_dates_deprecated_ones(
    session: Session, make_deps: Callable[..., Deps], user: User
) -> None:
    deps = make_deps()
    text = catalog.available_models(
        session=session, registry=deps.registry, user_id=user.id, capability=Capability.TEXT
    )
    offered = {(choice.provider, choice.model): choice for choice in text}
    assert ("gemini", "gemini-2.5-pro") not in offered and ("gemini", "gemini-3.5-flash") not in offered
    assert ("gemini", "gemini-3.6-flash") in offered and ("gemini", "gemini-4-argon") in offered
    retiring = offered[("gemini", "gemini-3.1-flash-lite")]
    assert retiring.notice == "Deprecated: its provider shuts it down on 2027-05-07."
    assert offered[("gemini", "gemini-4-argon")].notice == ""
    video = catalog.available_models(
        session=session, registry=deps.registry, user_id=user.id, capability=Capability.VIDEO
    )
    assert not [choice for choice in video if choice.provider == "gemini"]


def test_every_kind_at_once_offers_what_each_kind_offers_alone(
    session: Session, make_deps: Callable[..., Deps], user: User, keyring: Keyring
) -> None:
    """The Generate page's first forms read all kinds at once: the same models, order and usability."""
    deps = make_deps()
    keys.save_key(
        session=session, keyring=keyring, user_id=user.id, provider="openai", secret="sk-test-0123456789"
    )
    every = catalog.models_by_kind(session=session, registry=deps.registry, user_id=user.id)
    for kind in Capability:
        alone = catalog.available_models(
            session=session, registry=deps.registry, user_id=user.id, capability=kind
        )
        assert every.get(kind, []) == alone, kind
    image = {(c.provider, c.usable) for c in every[Capability.IMAGE]}
    assert ("openai", True) in image and ("replicate", False) in image and ("local", True) in image
    assert all(c.model != "gemini-2.5-pro" for choices in every.values() for c in choices)


def test_work_done_before_a_shutdown_keeps_its_price(make_deps: Callable[..., Deps]) -> None:
    """A past generation with a retired model is still priced (and shown) from the table."""
    usage = Usage(input_tokens=1234, output_tokens=567)
    assert cost("gemini", "gemini-2.5-flash", usage, datetime(2026, 11, 30, tzinfo=UTC)).micros == 1788
    assert priced_display("gemini", "gemini-2.5-flash", 1788) == "$0.001788"


def test_warnings_name_every_model_shut_down_or_shutting_down_soon(make_deps: Callable[..., Deps]) -> None:
    registry = make_deps().registry
    lines = model_lifecycle.warnings(registry, day=date(2026, 12, 1))
    assert (
        "gemini/gemini-2.5-pro: Shut down by its provider on 2026-12-01; use Gemini 3.8 Flash instead."
        in lines
    )
    assert not [line for line in lines if "gemini-3.1-flash-lite" in line]  # months away
    later = model_lifecycle.warnings(registry, day=date(2027, 4, 20))
    assert "gemini/gemini-3.1-flash-lite: Deprecated: its provider shuts it down on 2027-05-07." in later
