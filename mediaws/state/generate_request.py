"""What the Generate form asks for: the request, its fallbacks and its offline copy."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from mediaws import wiring
from mediaws.services import catalog, voices
from mediaws.state import generate_reads as reads
from mediaws.work import Capability, ModelRef

IMAGE_OPTION = {"video": "start_image_asset_id", "image": "input_image_asset_id"}


@dataclass(frozen=True)
class Form:
    """The Generate form's choices, named as the page state names them (the prompt apart)."""

    project_id: str
    kind: str
    model_key: str
    fields: list[dict[str, str]]
    values: dict[str, str]
    accepts_image: bool
    image_asset_id: str
    fallback_on: bool
    fallback_key: str


FORM_VARS = [field.name for field in fields(Form)]


def option_fields(model_key: str) -> list[catalog.OptionField]:
    """The options a model takes, a speech model's voice given its default."""
    ref = ModelRef.from_key(model_key)
    registry = wiring.app_deps().registry
    info = registry.resolve(ref)
    found = catalog.option_fields(info)
    if info.capability is not Capability.SPEECH:
        return found
    menu = voices.voice_menu(registry, ref.provider, info)
    return voices.with_default(voices.speech_fields(found), menu.choices)


def request(form: Form, prompt: str, with_image: bool = True) -> dict[str, Any]:
    """What the form asks for, as keyword arguments of quote and start_generation."""
    ref = ModelRef.from_key(form.model_key)
    options = catalog.parse_option_values(option_fields(form.model_key), form.values)
    if reads.speaks(form.kind, form.fields):
        options.setdefault("voice", "")
    if with_image and form.accepts_image and form.image_asset_id and form.kind in IMAGE_OPTION:
        options[IMAGE_OPTION[form.kind]] = form.image_asset_id
    return {
        "deps": wiring.app_deps(),
        "project_id": form.project_id,
        "capability": form.kind,
        "provider_id": ref.provider,
        "model": ref.model,
        "prompt": prompt,
        "options": options,
        "endpoint_id": ref.endpoint,
    }


def fallbacks(form: Form) -> list[dict[str, str | None]]:
    """The model to try if the chosen one fails, when the person asked for one."""
    if not (form.fallback_on and form.fallback_key):
        return []
    ref = ModelRef.from_key(form.fallback_key)
    return [{"provider": ref.provider, "model": ref.model, "endpoint_id": ref.endpoint}]


def preview_request(form: Form) -> dict[str, Any]:
    """The chosen speech model and options, as keyword arguments of the voice_preview service."""
    asked = request(form, "", with_image=False)
    return {
        "deps": asked["deps"],
        "project_id": form.project_id,
        "provider_id": asked["provider_id"],
        "model": asked["model"],
        "options": asked["options"],
    }


def offline_request(
    form: Form, projects: list[dict[str, str]], models: list[dict[str, str]], owner: str
) -> str:
    """The form as an API request without its prompt (JSON with a label and its account), for the queue."""
    asked = request(form, "")
    project = next((p["name"] for p in projects if p["id"] == form.project_id), "")
    model = next((m["label"] for m in models if m["key"] == form.model_key), asked["model"])
    body = {
        "projectId": form.project_id,
        "type": form.kind,
        "provider": asked["provider_id"],
        "model": asked["model"],
        "options": asked["options"],
        "endpointId": asked["endpoint_id"],
        "fallbacks": [
            {"provider": f["provider"], "model": f["model"], "endpointId": f["endpoint_id"]}
            for f in fallbacks(form)
        ],
    }
    label = f"{form.kind.capitalize()} · {model}" + (f" · {project}" if project else "")
    return json.dumps({"body": body, "label": label, "projectId": form.project_id, "owner": owner})
