"""Images people upload (a start image for video, an input image to edit), checked by decoding them."""

from __future__ import annotations

import uuid
from pathlib import PureWindowsPath

from sqlmodel import Session

from mediaws.deps import Deps
from mediaws.errors import ValidationError
from mediaws.media.inspect import UPLOAD_FORMATS, Checked, TooManyPixels, UnreadableMedia, check_image
from mediaws.models import Asset
from mediaws.services import asset_previews, projects
from mediaws.storage import storage_key

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MEGABYTE = 1024 * 1024
NAME_MAX = 200


def upload_name(filename: str) -> str:
    """The file's own name without any folder part (``C:\\x\\cat.png`` and ``../cat.png`` → ``cat.png``)."""
    name = PureWindowsPath(filename or "").name.strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:NAME_MAX] or "upload"


def too_big_message(size: int | None, *, read: int) -> str:
    """Say how big the file is (when known) and what the limit is."""
    limit = f"uploads are limited to {MAX_UPLOAD_BYTES // MEGABYTE} MB."
    if size is None and read == MAX_UPLOAD_BYTES + 1:
        return f"The file is over {MAX_UPLOAD_BYTES // MEGABYTE} MB; {limit}"
    megabytes = (size or read) / MEGABYTE
    shown = f"{megabytes:.1f}" if megabytes >= MAX_UPLOAD_BYTES / MEGABYTE + 0.05 else f"{megabytes:.2f}"
    return f"The file is {shown} MB; {limit}"


def _decoded(data: bytes, deps: Deps) -> Checked:
    """The image's real type and size, read by decoding it within the pixel budget; refuse anything else."""
    try:
        return check_image(
            data,
            max_pixels=deps.settings.max_image_pixels,
            decode_slots=deps.settings.image_decode_slots,
            formats=UPLOAD_FORMATS,
        )
    except TooManyPixels as exc:
        raise ValidationError(f"{exc.reason} Use a smaller image.", field="image") from None
    except UnreadableMedia as exc:
        message = f"This file is not a PNG, JPEG or WebP image ({exc.reason})."
        raise ValidationError(message, field="image") from None


def save_upload(
    *,
    session: Session,
    deps: Deps,
    user_id: uuid.UUID,
    project_id: str | uuid.UUID,
    filename: str,
    data: bytes,
    mime_type: str,
    size: int | None = None,
) -> Asset:
    """Keep an uploaded PNG, JPEG or WebP (at most 20 MB) as an image asset of one of the user's projects.

    The type is what the bytes decode as, not what the name or the browser claims (``mime_type``);
    ``size`` is the whole file's size when the caller read only the first ``MAX_UPLOAD_BYTES + 1`` bytes.
    """
    project = projects.get_project(session=session, owner_id=user_id, project_id=project_id)
    if not data:
        raise ValidationError("The file is empty.", field="image")
    if len(data) > MAX_UPLOAD_BYTES or (size or 0) > MAX_UPLOAD_BYTES:
        raise ValidationError(too_big_message(size, read=len(data)), field="image")
    checked = _decoded(data, deps)
    decoded_mime = checked.mime_type
    asset_id = uuid.uuid4()
    key = storage_key(user_id, project.id, asset_id, decoded_mime)
    deps.storage.put(key, data, decoded_mime)
    try:
        asset = Asset(
            id=asset_id,
            owner_id=user_id,
            project_id=project.id,
            generation_id=None,
            kind="image",
            storage_key=key,
            mime_type=decoded_mime,
            bytes=len(data),
            width=checked.width,
            height=checked.height,
            name=upload_name(filename),
            name_key=upload_name(filename).casefold(),
        )
        session.add(asset)
        job = asset_previews.queue_previews(session, asset)
        session.commit()
    except BaseException:
        session.rollback()
        deps.storage.delete(key)
        raise
    asset_previews.dispatch(deps, [job])
    return asset
