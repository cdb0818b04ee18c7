"""What the Generate page reads: a generation's status, the endpoints' models, live voices, form rows.

The functions that open a database session run in a worker thread (``asyncio.to_thread``), off the event loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mediaws import wiring
from mediaws.deps import Deps
from mediaws.errors import MediawsError
from mediaws.pricing.cost import priced_display
from mediaws.services import accounts, catalog, generation, voice_preview, voices
from mediaws.work import Capability, ModelRef

FINISHED = ("succeeded", "failed", "cancelled")
"""The statuses after which a generation (or a voice sample) changes no more."""


def eta_text(seconds: int | None) -> str:
    """The estimate in words ("about 1 min 20 s left"), or "" when unknown."""
    if seconds is None or seconds < 0:
        return ""
    if seconds < 60:
        return f"about {max(seconds, 1)} s left"
    minutes, rest = divmod(seconds, 60)
    return f"about {minutes} min {rest} s left" if rest else f"about {minutes} min left"


def others(models: list[dict[str, str]], key: str) -> list[dict[str, str]]:
    """The usable picker rows other than the chosen one: the fallback choices."""
    return [m for m in models if m["usable"] and m["key"] != key]


def speaks(kind: str, fields: list[dict[str, str]]) -> bool:
    """Whether the chosen model speaks with a voice that can be picked and previewed."""
    return kind == Capability.SPEECH.value and any(f["name"] == "voice" for f in fields)


def model_label(deps: Deps, provider: str, model: str) -> str:
    """A model's name as people read it, or its id when it is no longer listed."""
    try:
        return deps.registry.model(provider, model).label
    except MediawsError:
        return model


def field_row(field: catalog.OptionField) -> dict[str, str]:
    """One option field as the form renders it."""
    return {
        "name": field.name,
        "label": field.label,
        "kind": field.kind,
        "choices": "|".join(field.choices),
        "min": field.minimum,
        "max": field.maximum,
        "default": field.default,
    }


def status(token: str, generation_id: str) -> dict[str, Any]:
    """Where a generation stands, with its results and cost once it has them."""
    deps = wiring.app_deps()
    with deps.session_factory() as session:
        user = accounts.user_for_token(session=session, token=token)
        row = generation.get_generation(session=session, user_id=user.id, generation_id=generation_id)
        job = generation.job_for(session, row)
        found = generation.assets_of(session, row) if row.status == "succeeded" else []
        text = ""
        if row.capability == Capability.TEXT.value and found:
            text = deps.storage.get(found[0].storage_key).decode(errors="replace")
        made_with = ""
        if row.fallback_from and row.status == "succeeded":
            made_with = (
                f"Made with {model_label(deps, row.provider, row.model)} after {row.fallback_from} failed"
            )
        sources = [str(a.source_asset_id) for a in found if a.source_asset_id is not None]
        return {
            "status": row.status,
            "progress": job.progress_percent or (100 if row.status == "succeeded" else 0),
            "eta": eta_text(job.eta_seconds) if row.status in ("queued", "running") else "",
            "made_with": made_with,
            "source_url": voice_preview.asset_url(sources[0]) if sources else "",
            "message": row.error or job.message,
            "cost": priced_display(row.provider, row.model, row.cost_micros)
            if row.cost_micros is not None
            else "",
            "text": text,
            "results": [
                {"url": voice_preview.asset_url(a.id), "kind": a.kind, "mime": a.mime_type} for a in found
            ],
        }


def endpoint_rows(token: str) -> list[dict[str, str]]:
    """The user's endpoints' models as picker rows, listed live; a dead endpoint is one disabled row."""
    deps = wiring.app_deps()
    with deps.session_factory() as session:
        user_id = accounts.user_for_token(session=session, token=token).id
    rows = []
    for found in catalog.list_endpoint_models(deps=deps, user_id=user_id):
        if found.problem:
            key = ModelRef(found.provider, "", found.endpoint_id).key
            rows.append({"key": key, "label": f"{found.name} · {found.problem}", "usable": ""})
        for model in found.models:
            key = ModelRef(found.provider, model, found.endpoint_id).key
            rows.append({"key": key, "label": f"{found.name} · {model}", "usable": "yes"})
    return rows


def live_voices(token: str, provider_id: str) -> list[voices.Choice]:
    """The signed-in user's voices at a provider that lists them per key (ElevenLabs)."""
    deps = wiring.app_deps()
    with deps.session_factory() as session:
        user_id = accounts.user_for_token(session=session, token=token).id
    return voices.live_voices(deps=deps, user_id=user_id, provider_id=provider_id)


def choice_rows(choices: Iterable[voices.Choice]) -> list[dict[str, str]]:
    """Voices as the voice picker renders them."""
    return [{"id": voice_id, "label": label} for voice_id, label in choices]


def preview_status(token: str, generation_id: str) -> tuple[str, str, str]:
    """(status, audio URL, error) of a voice preview generation."""
    deps = wiring.app_deps()
    with deps.session_factory() as session:
        user = accounts.user_for_token(session=session, token=token)
        row = generation.get_generation(session=session, user_id=user.id, generation_id=generation_id)
        found = generation.assets_of(session, row) if row.status == "succeeded" else []
        url = voice_preview.asset_url(found[0].id) if found else ""
        return row.status, url, row.error or ""
