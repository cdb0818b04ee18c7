"""What a person can generate with: models they hold a key for, and each model's options as form fields."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from mediaws.errors import BadProviderKey, MediawsError, ValidationError
from mediaws.models import ApiKey
from mediaws.providers.base import Capability, ListsModels, ModelInfo, Registry
from mediaws.services import model_lifecycle
from mediaws.services.provider_access import provider_for

if TYPE_CHECKING:
    from mediaws.deps import Deps

ENDPOINT_LIST_TIMEOUT_SECONDS = 4.0


@dataclass(frozen=True)
class ModelChoice:
    """One model on the picker, and whether the user can use it now."""

    provider: str
    provider_label: str
    model: str
    label: str
    description: str
    usable: bool
    notice: str = ""
    """When the provider shuts it down, and what to use instead ("" for a model with no end announced)."""
    needs_key: bool = True


@dataclass(frozen=True)
class EndpointModels:
    """The models one of the user's endpoints offers, or why they could not be listed."""

    provider: str
    endpoint_id: str
    name: str
    models: tuple[str, ...] = ()
    problem: str = ""


@dataclass(frozen=True)
class OptionField:
    """One control of a model's options form, read from its schema."""

    name: str
    label: str
    kind: str
    choices: tuple[str, ...] = ()
    minimum: str = ""
    maximum: str = ""
    default: str = ""


def available_models(
    *, session: Session, registry: Registry, user_id: uuid.UUID, capability: Capability
) -> list[ModelChoice]:
    """Models of one kind their providers still offer: usable ones first, those needing no key leading.

    A deprecated model says when it shuts down; a shut-down one is not offered.
    """
    return models_by_kind(session=session, registry=registry, user_id=user_id).get(capability, [])


def models_by_kind(
    *, session: Session, registry: Registry, user_id: uuid.UUID
) -> dict[Capability, list[ModelChoice]]:
    """``available_models`` of every kind at once, from one read of the user's keys."""
    keyed = set(session.exec(select(ApiKey.provider).where(ApiKey.user_id == user_id)).all())
    found: dict[Capability, list[ModelChoice]] = {}
    for provider, info in registry.all_models():
        standing = model_lifecycle.standing(registry, provider.id, info.id)
        if standing.status == "retired":
            continue
        found.setdefault(info.capability, []).append(
            ModelChoice(
                provider=provider.id,
                provider_label=provider.label,
                model=info.id,
                label=info.label,
                description=info.description,
                usable=not provider.needs_key or provider.id in keyed,
                notice=standing.note,
                needs_key=provider.needs_key,
            )
        )
    return {
        kind: sorted(choices, key=lambda c: (not c.usable, c.needs_key, c.provider_label, c.label))
        for kind, choices in found.items()
    }


def user_endpoints(*, session: Session, registry: Registry, user_id: uuid.UUID) -> list[tuple[str, str, str]]:
    """The user's endpoints as (provider, id, name), by name."""
    kinds = [provider.id for provider in registry.providers.values() if provider.endpoints]
    rows = session.exec(
        select(ApiKey.provider, ApiKey.id, ApiKey.name)
        .where(ApiKey.user_id == user_id, col(ApiKey.provider).in_(kinds))
        .order_by(col(ApiKey.name))
    ).all()
    return [(provider, str(endpoint_id), name) for provider, endpoint_id, name in rows]


def endpoint_models(
    *, deps: Deps, user_id: uuid.UUID, provider_id: str, endpoint_id: str, name: str, timeout: float
) -> EndpointModels:
    """Ask one endpoint for its models within ``timeout``; failures become a short note."""
    settings = deps.settings.model_copy(update={"provider_timeout_seconds": timeout})
    found = EndpointModels(provider_id, endpoint_id, name)
    try:
        with deps.session_factory() as session:
            provider = provider_for(
                session=session,
                keyring=deps.keyring,
                settings=settings,
                registry=deps.registry,
                user_id=user_id,
                provider_id=provider_id,
                endpoint_id=endpoint_id,
            )
        if not isinstance(provider, ListsModels):
            return replace(found, problem="cannot list its models")
        models = tuple(provider.list_models())
    except BadProviderKey:
        return replace(found, problem="key refused")
    except MediawsError:
        return replace(found, problem="unreachable")
    return replace(found, models=models, problem="" if models else "no models")


def list_endpoint_models(
    *, deps: Deps, user_id: uuid.UUID, timeout: float = ENDPOINT_LIST_TIMEOUT_SECONDS
) -> list[EndpointModels]:
    """Each endpoint of the user with its live models; asked in parallel, so a dead one costs one timeout."""
    with deps.session_factory() as session:
        endpoints = user_endpoints(session=session, registry=deps.registry, user_id=user_id)
    if not endpoints:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(endpoints))) as pool:
        return list(
            pool.map(
                lambda item: endpoint_models(
                    deps=deps,
                    user_id=user_id,
                    provider_id=item[0],
                    endpoint_id=item[1],
                    name=item[2],
                    timeout=timeout,
                ),
                endpoints,
            )
        )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def option_fields(info: ModelInfo) -> list[OptionField]:
    """The model's options as form fields: choices, numbers with their limits, switches, text."""
    schema = info.options.model_json_schema()
    fields = []
    for name, prop in schema.get("properties", {}).items():
        spec = dict(prop)
        for alternative in spec.pop("anyOf", []):
            if alternative.get("type") != "null":
                spec = {**alternative, **spec}
        if "const" in spec:
            continue
        label = str(spec.get("title") or name.replace("_", " ").capitalize())
        default = _text(spec.get("default"))
        if "enum" in spec:
            fields.append(
                OptionField(name, label, "select", tuple(_text(v) for v in spec["enum"]), default=default)
            )
            continue
        kind = {"boolean": "bool", "integer": "integer", "number": "number"}.get(
            str(spec.get("type")), "text"
        )
        minimum = spec.get("minimum", spec.get("exclusiveMinimum"))
        maximum = spec.get("maximum", spec.get("exclusiveMaximum"))
        fields.append(OptionField(name, label, kind, (), _text(minimum), _text(maximum), default))
    return fields


def parse_option_values(fields: list[OptionField], values: dict[str, str]) -> dict[str, Any]:
    """Turn the strings a form holds into typed options; blanks mean "use the model's default"."""
    parsed: dict[str, Any] = {}
    for field in fields:
        raw = (values.get(field.name) or "").strip()
        if not raw:
            continue
        try:
            if field.kind == "bool":
                parsed[field.name] = raw == "true"
            elif field.kind == "integer" or (
                field.kind == "select" and all(c.lstrip("-").isdigit() for c in field.choices)
            ):
                parsed[field.name] = int(raw)
            elif field.kind == "number":
                parsed[field.name] = float(raw)
            else:
                parsed[field.name] = raw
        except ValueError:
            what = "a whole number" if field.kind in {"integer", "select"} else "a number"
            raise ValidationError(f"{field.label} must be {what}.", field=field.name) from None
    return parsed
