"""Generate opened from an earlier result: ``?from=`` a generation, ``?start=`` an image (owner-checked)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlmodel import Session

from mediaws import wiring
from mediaws.errors import NotFoundError
from mediaws.models import Generation
from mediaws.services import asset_queries, generation, model_lifecycle, voice_preview
from mediaws.work import Capability, ModelRef

if TYPE_CHECKING:
    from mediaws.state.generate import GenerateState

KINDS = {kind.value for kind in Capability}


def prefill(state: GenerateState, session: Session, user_id: uuid.UUID) -> None:
    """Start from one of the user's generations (``?from=``) or image assets (``?start=``)."""
    query = state.router.url.query_parameters
    source, start = str(query.get("from", "")), str(query.get("start", ""))
    try:
        if source:
            _from_generation(
                state,
                session,
                user_id,
                generation.get_generation(session=session, user_id=user_id, generation_id=source),
            )
        found = asset_queries.get_asset(session=session, user_id=user_id, asset_id=start) if start else None
    except NotFoundError:
        return
    if found is None or found.kind != "image":
        return
    if not source and state.kind != "video":
        state.kind = "video"
        state._refresh_models(session, user_id)
    state.image_asset_id, state.image_name = str(found.id), found.name
    state.image_url = voice_preview.asset_url(found.id)


def _from_generation(state: GenerateState, session: Session, user_id: uuid.UUID, row: Generation) -> None:
    """The earlier generation's type, model, options, image and prompt (an unusable model is skipped)."""
    if str(row.project_id) in [p["id"] for p in state.project_options]:
        state.project_id = str(row.project_id)
    state.kind = row.capability if row.capability in KINDS else state.kind
    state._refresh_models(session, user_id)
    state.prompt = row.prompt
    plain, images = generation.split_image_inputs(row.options)
    key = ModelRef.of(row.provider, row.model, row.endpoint_id).key
    if key in [m["key"] for m in state.models if m["usable"]]:
        state.model_key = key
        state._refresh_fields()
        known = {f["name"] for f in state.fields}
        given = {k: ("true" if v else "false") if isinstance(v, bool) else str(v) for k, v in plain.items()}
        state.values = {**state.values, **{k: v for k, v in given.items() if k in known}}
        state.form_version += 1
    elif row.provider in (registry := wiring.app_deps().registry).providers:
        state.model_notice = (
            model_lifecycle.retired_note(registry, row.provider, row.model) or state.model_notice
        )
    for asset_id in images.values():
        state.image_asset_id, state.image_url = asset_id, voice_preview.asset_url(asset_id)
        state.image_name = "Image from the earlier generation"
