"""Keeping any supported file as an asset: its type proved from its bytes, stored, previews queued."""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from pathlib import Path

from sqlmodel import Session

from mediaws.config import Settings
from mediaws.deps import Deps
from mediaws.errors import ValidationError
from mediaws.media.ingest import CheckedMedia, MediaLimits, MediaRefused, check_media
from mediaws.models import Asset
from mediaws.services import asset_previews, projects, storage_cleanup
from mediaws.services.uploads import upload_name
from mediaws.storage import storage_key

MEGABYTE = 1024 * 1024


def media_limits(settings: Settings) -> MediaLimits:
    """The per-kind size limits of these settings."""
    return MediaLimits(
        image_bytes=settings.max_image_mb * MEGABYTE,
        video_bytes=settings.max_video_mb * MEGABYTE,
        audio_bytes=settings.max_audio_mb * MEGABYTE,
        text_bytes=settings.max_text_mb * MEGABYTE,
    )


def largest_upload_bytes(settings: Settings) -> int:
    """The largest file of any kind these settings accept."""
    return (
        max(settings.max_image_mb, settings.max_video_mb, settings.max_audio_mb, settings.max_text_mb)
        * MEGABYTE
    )


def limits_sentence(settings: Settings) -> str:
    """The per-kind limits in words, e.g. "images are limited to 20 MB, videos to 2048 MB, …"."""
    return (
        f"images are limited to {settings.max_image_mb} MB, videos to {settings.max_video_mb} MB, "
        f"audio to {settings.max_audio_mb} MB and text to {settings.max_text_mb} MB."
    )


def check_filename(filename: str) -> str:
    """The name to keep: refused with NUL or control characters or ``..`` folder parts, else its last part."""
    if any(not ch.isprintable() for ch in filename):
        raise ValidationError("The file name contains control characters; rename the file.", field="file")
    if ".." in re.split(r"[\\/]", filename):
        raise ValidationError("The file name contains folder parts like ../; rename the file.", field="file")
    return upload_name(filename)


def check_file(deps: Deps, path: Path, filename: str) -> CheckedMedia:
    """What the file really is, or a ValidationError saying why it is refused."""
    try:
        return check_media(
            path,
            filename=filename,
            limits=media_limits(deps.settings),
            max_pixels=deps.settings.max_image_pixels,
            decode_slots=deps.settings.image_decode_slots,
        )
    except MediaRefused as exc:
        raise ValidationError(exc.reason, field="file") from None


def ingest_file(
    *,
    session: Session,
    deps: Deps,
    user_id: uuid.UUID,
    project_id: str | uuid.UUID,
    path: Path,
    filename: str,
    kinds: tuple[str, ...] = (),
) -> Asset:
    """Keep the file at ``path`` as an asset of a project of the user's; a refused file leaves nothing behind.

    ``kinds`` narrows what is accepted (e.g. only images for a start image).
    """
    project = projects.get_project(session=session, owner_id=user_id, project_id=project_id)
    name = check_filename(filename)
    checked = check_file(deps, path, name)
    if kinds and checked.kind not in kinds:
        raise ValidationError(f"Choose {' or '.join(kinds)} files here, not {checked.kind}.", field="file")
    asset_id = uuid.uuid4()
    key = storage_key(user_id, project.id, asset_id, checked.mime_type)
    deps.storage.put_file(key, path, checked.mime_type)
    try:
        asset = Asset(
            id=asset_id,
            owner_id=user_id,
            project_id=project.id,
            kind=checked.kind,
            storage_key=key,
            mime_type=checked.mime_type,
            bytes=checked.size_bytes,
            width=checked.width,
            height=checked.height,
            duration_seconds=checked.duration_seconds,
            name=name,
            name_key=name.casefold(),
        )
        session.add(asset)
        job = asset_previews.queue_previews(session, asset)
        session.commit()
    except BaseException:
        session.rollback()
        storage_cleanup.remove_or_owe(deps.storage, deps.session_factory, key)
        raise
    session.refresh(asset)
    asset_previews.dispatch(deps, [job])
    return asset


def ingest_bytes(
    *,
    session: Session,
    deps: Deps,
    user_id: uuid.UUID,
    project_id: str | uuid.UUID,
    data: bytes,
    filename: str,
    kinds: tuple[str, ...] = (),
) -> Asset:
    """Keep bytes already in memory (a small upload) as an asset, through a private temporary file."""
    if not data:
        raise ValidationError("The file is empty.", field="file")
    fd, name = tempfile.mkstemp(prefix="mediaws-upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return ingest_file(
            session=session,
            deps=deps,
            user_id=user_id,
            project_id=project_id,
            path=Path(name),
            filename=filename,
            kinds=kinds,
        )
    finally:
        Path(name).unlink(missing_ok=True)
