"""Each type's models and first options, so a type switch on Generate shows its form at the press."""

from __future__ import annotations

import dataclasses
import uuid

from sqlmodel import Session

from mediaws import wiring
from mediaws.services import catalog
from mediaws.state import generate_reads as reads
from mediaws.state.generate_request import option_fields
from mediaws.work import Capability, ModelRef

Rows = list[dict[str, str]]


@dataclasses.dataclass
class KindForm:
    """One type's picker as a switch to it shows it: its models, the one chosen, its options, fallbacks."""

    models: Rows = dataclasses.field(default_factory=list)
    model_key: str = ""
    fields: Rows = dataclasses.field(default_factory=list)
    accepts_image: bool = False
    fallbacks: Rows = dataclasses.field(default_factory=list)
    fallback_key: str = ""


def picker_rows(choices: list[catalog.ModelChoice]) -> tuple[Rows, dict[str, str]]:
    """Built-in models as picker rows, and the notices of the deprecated ones."""
    rows = [
        {
            "key": ModelRef(c.provider, c.model).key,
            "label": f"{c.provider_label} · {c.label}"
            + (" (deprecated)" if c.notice else "")
            + ("" if c.usable else " (add a key)"),
            "usable": "yes" if c.usable else "",
        }
        for c in choices
    ]
    return rows, {ModelRef(c.provider, c.model).key: c.notice for c in choices if c.notice}


def builtin_models(session: Session, user_id: uuid.UUID, kind: Capability) -> tuple[Rows, dict[str, str]]:
    """The picker rows of one type's built-in models, and the notices of the deprecated ones."""
    registry = wiring.app_deps().registry
    return picker_rows(
        catalog.available_models(session=session, registry=registry, user_id=user_id, capability=kind)
    )


def first_forms(session: Session, user_id: uuid.UUID, endpoint_rows: Rows) -> dict[str, KindForm]:
    """Every type's first form, from one read of the user's keys (the Text tab with the endpoints' models)."""
    found = catalog.models_by_kind(session=session, registry=wiring.app_deps().registry, user_id=user_id)
    forms = {}
    for kind in Capability:
        rows, _ = picker_rows(found.get(kind, []))
        forms[kind.value] = first_form(rows + (endpoint_rows if kind is Capability.TEXT else []))
    return forms


def usable_first(rows: Rows) -> Rows:
    """Picker rows with the usable ones first, otherwise in their order."""
    return sorted(rows, key=lambda m: not m["usable"])


def first_form(rows: Rows) -> KindForm:
    """The form a type opens with: its first usable model and that model's default options."""
    models = usable_first(rows)
    key = next((m["key"] for m in models if m["usable"]), "")
    if not key:
        return KindForm(models=models)
    fallbacks = reads.others(models, key)
    return KindForm(
        models=models,
        model_key=key,
        fallbacks=fallbacks,
        fallback_key=fallbacks[0]["key"] if fallbacks else "",
        fields=[reads.field_row(f) for f in option_fields(key)],
        accepts_image=wiring.app_deps().registry.resolve(ModelRef.from_key(key)).accepts_image,
    )
