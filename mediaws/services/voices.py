"""The voices of a speech model as (id, label) pairs for a dropdown: fixed lists, or listed live per key."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mediaws.errors import ValidationError
from mediaws.providers.base import ListsVoices, ModelInfo, Registry, VoiceListing
from mediaws.services.catalog import OptionField
from mediaws.services.provider_access import provider_for

if TYPE_CHECKING:
    from mediaws.deps import Deps

LIVE_LIST_TIMEOUT_SECONDS = 6.0
VOICE = "voice"
VOICE_ID = "voice_id"
OWN_CATEGORIES = ("cloned", "generated", "professional")
Choice = tuple[str, str]


@dataclass(frozen=True)
class VoiceMenu:
    """How the voice is chosen for one model: a fixed list, a list fetched with the key, and typed ids."""

    choices: tuple[Choice, ...] = ()
    live: bool = False
    typed_ids: str = ""


def _literal_choices(info: ModelInfo) -> tuple[Choice, ...]:
    prop = info.options.model_json_schema().get("properties", {}).get(VOICE, {})
    values: list[object] = prop.get("enum") or next(
        (p["enum"] for p in prop.get("anyOf", []) if "enum" in p), []
    )
    return tuple((str(value), str(value).capitalize()) for value in values)


def lists_voices_live(registry: Registry, provider_id: str) -> bool:
    """Whether the provider's voices depend on the user's key and are listed from its API."""
    return issubclass(registry.provider(provider_id), ListsVoices)


def voice_menu(registry: Registry, provider_id: str, info: ModelInfo) -> VoiceMenu:
    """The voices of a speech model: the documented set, or "ask the provider" when they depend on the key."""
    if lists_voices_live(registry, provider_id):
        return VoiceMenu(live=True)
    fixed = registry.provider(provider_id).fixed_voices(info)
    if fixed is not None:
        return VoiceMenu(fixed.choices, typed_ids=fixed.typed_ids)
    return VoiceMenu(_literal_choices(info))


def speech_fields(fields: list[OptionField]) -> list[OptionField]:
    """One "Voice" dropdown first; a model's own voice id option folds into it (the chosen voice wins)."""
    own = next((f for f in fields if f.name == VOICE), None)
    folded = next((f for f in fields if f.name == VOICE_ID), None)
    default = (own or folded or OptionField(VOICE, "Voice", "text")).default
    rest = [f for f in fields if f.name not in (VOICE, VOICE_ID)]
    return [OptionField(VOICE, "Voice", VOICE, default=default), *rest]


def with_default(fields: list[OptionField], choices: Iterable[Choice]) -> list[OptionField]:
    """Give the voice field the first voice as default when the model names none."""
    first = next(iter(choices), None)
    return [
        replace(f, default=first[0]) if f.name == VOICE and not f.default and first else f for f in fields
    ]


def voice_label(voice: VoiceListing) -> str:
    """A voice as the dropdown shows it: "Rachel — premade", "My narrator — cloned"."""
    return f"{voice.name} — {voice.category}" if voice.category else voice.name


def sorted_choices(voices: Iterable[VoiceListing]) -> list[Choice]:
    """The user's own voices (cloned, designed, professional) first, then the provider's; by name."""
    return [
        (v.id, voice_label(v))
        for v in sorted(
            voices, key=lambda v: (v.category not in OWN_CATEGORIES, v.name.casefold(), v.category or "")
        )
    ]


def live_voices(
    *, deps: Deps, user_id: uuid.UUID, provider_id: str, timeout: float = LIVE_LIST_TIMEOUT_SECONDS
) -> list[Choice]:
    """Ask the provider, with the user's stored key and a short timeout, for the voices the key may use."""
    settings = deps.settings.model_copy(update={"provider_timeout_seconds": timeout})
    with deps.session_factory() as session:
        provider = provider_for(
            session=session,
            keyring=deps.keyring,
            settings=settings,
            registry=deps.registry,
            user_id=user_id,
            provider_id=provider_id,
        )
    if not isinstance(provider, ListsVoices):
        raise ValidationError(f"{provider.label} has no voice list; type a voice id.", field=VOICE)
    return sorted_choices(provider.list_voices())


def kept_choice(current: str, choices: Iterable[Choice]) -> str:
    """The current voice if it is still offered, else the first one ("" when there are none)."""
    ids = [voice_id for voice_id, _ in choices]
    return current if current in ids else (ids[0] if ids else "")
