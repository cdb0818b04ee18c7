"""Hear a voice before paying for a long text: the provider's free sample, an earlier preview, or a short one.

A preview that has to be generated is an ordinary generation of a fixed sentence in the current
project, so its cost is recorded and counted against the budget like everything else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from mediaws.deps import Deps
from mediaws.errors import MediawsError
from mediaws.models import Asset, Generation
from mediaws.providers.base import Capability, ListsVoices, VoiceListing
from mediaws.services import generation
from mediaws.services.provider_access import provider_for

SAMPLE = "Hello! This is how I sound. The quick brown fox jumps over the lazy dog."
SPEECH = Capability.SPEECH.value


@dataclass(frozen=True)
class Preview:
    """Where to hear the sample now (``url``), or the generation that is making it."""

    url: str = ""
    generation_id: str = ""
    reused: bool = False


def asset_url(asset_id: uuid.UUID | str) -> str:
    """The URL the browser plays a stored file from."""
    return f"/api/assets/{asset_id}/file"


def _request(
    project_id: str | uuid.UUID, provider_id: str, model: str, options: dict[str, Any]
) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "capability": SPEECH,
        "provider_id": provider_id,
        "model": model,
        "prompt": SAMPLE,
        "options": dict(options),
    }


def price(
    *,
    session: Session,
    deps: Deps,
    user_id: uuid.UUID,
    project_id: str | uuid.UUID,
    provider_id: str,
    model: str,
    options: dict[str, Any],
) -> str:
    """What a preview would cost: "free" (or the provider's own free sample), else the sample's estimate."""
    if _known_free_sample(session, deps, user_id, provider_id, str(options.get("voice") or "")):
        return "free"
    quoted = generation.quote(
        session=session, deps=deps, user_id=user_id, **_request(project_id, provider_id, model, options)
    )
    return "free" if quoted.estimate.free or quoted.estimate.micros == 0 else quoted.estimate.display()


def _listed_voices(
    session: Session, deps: Deps, user_id: uuid.UUID, provider_id: str, *, call_provider: bool
) -> tuple[VoiceListing, ...]:
    """The provider's voices for the user's key: listed now, or only those it already listed."""
    if not issubclass(deps.registry.provider(provider_id), ListsVoices):
        return ()  # no voice list to look at: skip opening the key
    try:
        provider = provider_for(
            session=session,
            keyring=deps.keyring,
            settings=deps.settings,
            registry=deps.registry,
            user_id=user_id,
            provider_id=provider_id,
        )
    except MediawsError:
        return ()
    if not isinstance(provider, ListsVoices):
        return ()
    try:
        return tuple((provider.list_voices() if call_provider else provider.cached_voices()) or ())
    except MediawsError:
        return ()


def _sample_url(voices: tuple[VoiceListing, ...], voice: str) -> str | None:
    return next((item.preview_url for item in voices if item.id == voice and item.preview_url), None)


def _known_free_sample(
    session: Session, deps: Deps, user_id: uuid.UUID, provider_id: str, voice: str
) -> bool:
    """Whether voices already listed (no provider call) give this voice a free sample."""
    if not voice:
        return False
    listed = _listed_voices(session, deps, user_id, provider_id, call_provider=False)
    return _sample_url(listed, voice) is not None


def free_sample_url(
    *, session: Session, deps: Deps, user_id: uuid.UUID, provider_id: str, voice: str
) -> str | None:
    """The provider's own preview of a voice (ElevenLabs lists one per voice), if it has one."""
    if not voice:
        return None
    return _sample_url(_listed_voices(session, deps, user_id, provider_id, call_provider=True), voice)


def earlier_preview(
    *, session: Session, user_id: uuid.UUID, provider_id: str, model: str, options: dict[str, Any]
) -> Asset | None:
    """The audio of a succeeded preview the user already paid for with the same model, voice and options."""
    rows = session.exec(
        select(Generation)
        .where(
            Generation.owner_id == user_id,
            Generation.capability == SPEECH,
            Generation.provider == provider_id,
            Generation.model == model,
            Generation.prompt == SAMPLE,
            Generation.status == "succeeded",
        )
        .order_by(col(Generation.created_at).desc())
    ).all()
    for row in rows:
        if row.options == options:
            found = generation.assets_of(session, row)
            if found:
                return found[0]
    return None


def start_preview(
    *,
    session: Session,
    deps: Deps,
    user_id: uuid.UUID,
    project_id: str | uuid.UUID,
    provider_id: str,
    model: str,
    options: dict[str, Any],
) -> Preview:
    """The free provider sample, else an earlier identical preview, else a new cheap generation of it."""
    voice = str(options.get("voice") or "")
    url = free_sample_url(session=session, deps=deps, user_id=user_id, provider_id=provider_id, voice=voice)
    if url:
        return Preview(url=url)
    earlier = earlier_preview(
        session=session, user_id=user_id, provider_id=provider_id, model=model, options=options
    )
    if earlier is not None:
        return Preview(url=asset_url(earlier.id), generation_id=str(earlier.generation_id), reused=True)
    started = generation.start_generation(
        session=session, deps=deps, user_id=user_id, **_request(project_id, provider_id, model, options)
    )
    return Preview(generation_id=str(started.id))
