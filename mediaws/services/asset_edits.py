"""Organising assets: rename, describe, favourite, archive, delete, duplicate, move and tag, one or many."""

from __future__ import annotations

import logging
import threading
import typing
import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete
from sqlmodel import Session, col

from mediaws.deps import Deps
from mediaws.errors import ValidationError
from mediaws.models import Asset, AssetTag, Tag
from mediaws.models.base import utcnow
from mediaws.services import projects, storage_cleanup, tags, validation
from mediaws.services.asset_queries import get_asset, owned_assets, tags_of
from mediaws.services.validation import check_plain
from mediaws.storage import storage_key
from mediaws.storage.base import variant_key

log = logging.getLogger(__name__)
NAME_MAX = 200
DESCRIPTION_MAX = 5000
BULK_MAX = 1000
Action = Literal["archive", "unarchive", "favourite", "unfavourite", "delete", "tag", "untag", "move"]
ACTIONS: tuple[Action, ...] = typing.get_args(Action)


@dataclass(frozen=True)
class AssetChanges:
    """What a person changed on one asset; None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    favourite: bool | None = None
    archived: bool | None = None
    tag_ids: tuple[str | uuid.UUID, ...] | None = None


def clean_name(name: str) -> str:
    """A display name: trimmed, 1 to 200 characters, no control characters or invisible formatting."""
    return validation.clean_name(name, what="The name", field="name", max_length=NAME_MAX)


def _clean_description(text: str) -> str:
    check_plain(text, field="description")
    if len(text) > DESCRIPTION_MAX:
        raise ValidationError(f"Descriptions are at most {DESCRIPTION_MAX} characters.", field="description")
    return text.strip()


def _set_name(asset: Asset, name: str) -> None:
    asset.name = clean_name(name)
    asset.name_key = asset.name.casefold()


def update_asset(
    *, session: Session, user_id: uuid.UUID, asset_id: str | uuid.UUID, changes: AssetChanges
) -> Asset:
    """Apply a person's changes to one of their assets, all or nothing."""
    asset = get_asset(session=session, user_id=user_id, asset_id=asset_id)
    if changes.name is not None:
        _set_name(asset, changes.name)
    if changes.description is not None:
        asset.description = _clean_description(changes.description)
    if changes.favourite is not None:
        asset.favourite = changes.favourite
    if changes.archived is not None:
        asset.archived_at = (asset.archived_at or utcnow()) if changes.archived else None
    if changes.tag_ids is not None:
        wanted = tags.owned_tags(session=session, user_id=user_id, tag_ids=list(changes.tag_ids))
        session.exec(delete(AssetTag).where(col(AssetTag.asset_id) == asset.id))
        tags.add_tags(session, [asset], wanted)
    asset.updated_at = utcnow()
    session.add(asset)
    session.commit()
    session.refresh(asset)
    return asset


def drain_soon(deps: Deps) -> None:
    """Delete owed objects now in a background thread; what fails waits for the worker's next round."""

    def run() -> None:
        try:
            storage_cleanup.drain(session_factory=deps.session_factory, storage=deps.storage)
        except Exception:
            log.exception("deleting stored objects failed; the worker retries")

    threading.Thread(target=run, name="storage-cleanup", daemon=True).start()


def delete_assets(*, session: Session, deps: Deps, assets: list[Asset]) -> int:
    """Delete assets for good: rows and owed object deletes in one transaction, then the objects."""
    for asset in assets:
        storage_cleanup.queue_deletion(session, storage_cleanup.asset_keys(asset))
        session.delete(asset)
    session.commit()
    drain_soon(deps)
    return len(assets)


Copied = tuple[str, dict[str, dict[str, object]], list[str]]


def _copy_objects(
    deps: Deps, asset: Asset, user_id: uuid.UUID, project_id: uuid.UUID, new_id: uuid.UUID
) -> Copied:
    """Copy an asset's file and previews to a new asset's keys; on failure remove what was copied."""
    written: list[str] = []
    try:
        key = storage_key(user_id, project_id, new_id, asset.mime_type)
        deps.storage.copy(asset.storage_key, key)
        written.append(key)
        previews: dict[str, dict[str, object]] = {}
        for variant, preview in asset.previews.items():
            target = variant_key(key, variant, str(preview["mime"]))
            deps.storage.copy(str(preview["key"]), target)
            written.append(target)
            previews[variant] = {**preview, "key": target}
    except BaseException:
        for done in written:
            storage_cleanup.remove_or_owe(deps.storage, deps.session_factory, done)
        raise
    return key, previews, written


def duplicate_asset(*, session: Session, deps: Deps, user_id: uuid.UUID, asset_id: str | uuid.UUID) -> Asset:
    """A copy of an asset (file, previews, tags) in the same project, named "… (copy)"."""
    source = get_asset(session=session, user_id=user_id, asset_id=asset_id)
    new_id = uuid.uuid4()
    key, previews, written = _copy_objects(deps, source, user_id, source.project_id, new_id)
    try:
        copy = Asset.model_validate(
            source.model_dump(exclude={"id", "storage_key", "previews", "created_at", "updated_at"})
            | {"id": new_id, "storage_key": key, "previews": previews, "favourite": False}
        )
        _set_name(copy, f"{source.name[: NAME_MAX - 7]} (copy)")
        session.add(copy)
        session.flush()
        tags.add_tags(session, [copy], tags_of(session=session, asset_ids=[source.id])[source.id])
        session.commit()
    except BaseException:
        session.rollback()
        for done in written:
            storage_cleanup.remove_or_owe(deps.storage, deps.session_factory, done)
        raise
    session.refresh(copy)
    return copy


def move_assets(
    *, session: Session, deps: Deps, user_id: uuid.UUID, assets: list[Asset], project_id: str | uuid.UUID
) -> int:
    """Move assets to another of the user's projects; their objects follow under the new project's folder."""
    target = projects.get_project(session=session, owner_id=user_id, project_id=project_id)
    moving = [asset for asset in assets if asset.project_id != target.id]
    written: list[str] = []
    old_keys: list[str] = []
    try:
        for asset in moving:
            key, previews, copied = _copy_objects(deps, asset, user_id, target.id, asset.id)
            written += copied
            old_keys += storage_cleanup.asset_keys(asset)
            asset.storage_key, asset.previews, asset.project_id = key, previews, target.id
            asset.updated_at = utcnow()
            session.add(asset)
        storage_cleanup.queue_deletion(session, old_keys)
        session.commit()
    except BaseException:
        session.rollback()
        for done in written:
            storage_cleanup.remove_or_owe(deps.storage, deps.session_factory, done)
        raise
    drain_soon(deps)
    return len(moving)


def bulk(
    *,
    session: Session,
    deps: Deps,
    user_id: uuid.UUID,
    action: Action,
    asset_ids: list[str | uuid.UUID],
    tag_ids: list[str | uuid.UUID] | None = None,
    project_id: str | uuid.UUID | None = None,
) -> int:
    """Do one action to many of the user's assets at once; any foreign or unknown id changes nothing."""
    if action not in ACTIONS:
        raise ValidationError(f"Choose one of: {', '.join(ACTIONS)}.", field="action")
    if len(asset_ids) > BULK_MAX:
        raise ValidationError(f"Select at most {BULK_MAX} assets at once.", field="assetIds")
    assets = owned_assets(session=session, user_id=user_id, asset_ids=asset_ids)
    if action == "delete":
        return delete_assets(session=session, deps=deps, assets=assets)
    if action == "move":
        if project_id is None:
            raise ValidationError("Choose the project to move to.", field="projectId")
        return move_assets(session=session, deps=deps, user_id=user_id, assets=assets, project_id=project_id)
    if action in ("tag", "untag"):
        chosen: list[Tag] = tags.owned_tags(session=session, user_id=user_id, tag_ids=list(tag_ids or []))
        if not chosen:
            raise ValidationError("Choose at least one tag.", field="tagIds")
        (tags.add_tags if action == "tag" else tags.remove_tags)(session, assets, chosen)
    now = utcnow()
    for asset in assets:
        if action == "archive":
            asset.archived_at = asset.archived_at or now
        elif action == "unarchive":
            asset.archived_at = None
        elif action in ("favourite", "unfavourite"):
            asset.favourite = action == "favourite"
        asset.updated_at = now
        session.add(asset)
    session.commit()
    return len(assets)
