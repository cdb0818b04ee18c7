"""What a generation request may carry: prompt limits, the request fields of each kind, declared options."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any

import annotated_types
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from mediaws.errors import InvalidProviderRequest, ValidationError
from mediaws.providers.base import (
    AudioRequest,
    Capability,
    ImageRequest,
    ModelInfo,
    SpeechRequest,
    TextRequest,
    VideoRequest,
)

PROMPT_LIMITS: dict[Capability, int] = {
    Capability.TEXT: 100_000,
    Capability.IMAGE: 20_000,
    Capability.VIDEO: 20_000,
    Capability.SPEECH: 20_000,
    Capability.AUDIO: 20_000,
}
PROMPT_MAX = max(PROMPT_LIMITS.values())
OPTION_TEXT_MAX = 1_000
REQUEST_FIELDS: dict[Capability, type] = {
    Capability.TEXT: TextRequest,
    Capability.IMAGE: ImageRequest,
    Capability.VIDEO: VideoRequest,
    Capability.SPEECH: SpeechRequest,
    Capability.AUDIO: AudioRequest,
}


def request_field_names(capability: Capability) -> frozenset[str]:
    """Options that become fields of the request rather than model options."""
    fields = {f.name for f in dataclasses.fields(REQUEST_FIELDS[capability])}
    return frozenset(fields - {"model", "prompt", "text", "messages", "options"})


def request_fields_taken(
    info: ModelInfo, kind: Capability, aliases: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Request fields a model takes without declaring them by name, with their types.

    Those every model of the kind needs (a speech voice, a clip length) and those the provider's
    schema names differently (``aliases``, wire name → request field, e.g. num_outputs → count).
    """
    cls = REQUEST_FIELDS[kind]
    hints = typing.get_type_hints(cls)
    declared = info.options.model_fields
    aliased = {field for wire, field in (aliases or {}).items() if wire in declared}
    return {
        f.name: hints[f.name]
        for f in dataclasses.fields(cls)
        if f.name not in declared
        and f.name in request_field_names(kind)
        and (
            f.name in aliased
            or (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
        )
    }


def check_declared(
    info: ModelInfo, kind: Capability, options: dict[str, Any], aliases: Mapping[str, str] | None = None
) -> None:
    """Every option must be declared by the model's schema (or be a field its kind needs), within limits."""
    needed = request_fields_taken(info, kind, aliases)
    try:
        info.check_options(options, unchecked=frozenset(needed))
    except InvalidProviderRequest as exc:
        if exc.field in options and exc.field not in info.options.model_fields:
            raise ValidationError(
                f"{info.label} does not take the option '{exc.field}'. "
                f"It takes: {', '.join([*info.options.model_fields, *needed]) or 'no options'}.",
                field=exc.field,
            ) from None
        raise ValidationError(str(exc), field=exc.field) from None
    for name, hint in needed.items():
        if name in options and not _is_a(hint, options[name]):
            raise ValidationError(
                f"{info.label}: option '{name}' must be of type {hint.__name__}.", field=name
            )
    fields = info.options.model_fields
    for name, value in options.items():
        bounded = name in fields and any(
            isinstance(rule, annotated_types.MaxLen) for rule in fields[name].metadata
        )
        if isinstance(value, str) and len(value) > OPTION_TEXT_MAX and not bounded:
            raise ValidationError(
                f"{info.label}: option '{name}' is too long ({len(value):,} characters); "
                f"the limit is {OPTION_TEXT_MAX:,}.",
                field=name,
            )


def _is_a(hint: Any, value: Any) -> bool:
    try:
        TypeAdapter(hint).validate_python(value, strict=True)
    except PydanticValidationError:
        return False
    return True
