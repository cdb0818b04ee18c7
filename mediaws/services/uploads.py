"""Images people upload (a start image for video, an input image to edit), checked by decoding them."""

from __future__ import annotations

import io
import uuid
import warnings
from pathlib import PureWindowsPath

from PIL import Image, UnidentifiedImageError
from sqlmodel import Session

from mediaws.errors import ValidationError
from mediaws.models import Asset
from mediaws.services import projects
from mediaws.services.generation import Deps
from mediaws.storage import storage_key

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
NAME_MAX = 200


def upload_name(filename: str) -> str:
    """The file's own name without any folder part (``C:\\x\\cat.png`` and ``../cat.png`` → ``cat.png``)."""
    name = PureWindowsPath(filename or "").name.strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:NAME_MAX] or "upload"


def _decoded(data: bytes) -> tuple[str, int, int]:
    """The image's mime type and size, read by decoding it; refuse anything that is not PNG/JPEG/WebP."""
    refusal = ValidationError("Choose a PNG, JPEG or WebP image; this file is not one.", field="image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format or ""
                if fmt not in FORMATS:
                    raise refusal
                image.load()
                return FORMATS[fmt], image.width, image.height
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refusal from None
    except Image.DecompressionBombWarning:
        raise ValidationError(
            "This image is too large in pixels; use a smaller one.", field="image"
        ) from None


def save_upload(
    *,
    session: Session,
    deps: Deps,
    user_id: uuid.UUID,
    project_id: str | uuid.UUID,
    filename: str,
    data: bytes,
    mime_type: str,
) -> Asset:
    """Keep an uploaded PNG, JPEG or WebP (at most 20 MB) as an image asset of one of the user's projects.

    The type is what the bytes decode as, not what the name or the browser claims (``mime_type``).
    """
    project = projects.get_project(session=session, owner_id=user_id, project_id=project_id)
    if not data:
        raise ValidationError("The file is empty.", field="image")
    if len(data) > MAX_UPLOAD_BYTES:
        size = len(data) / (1024 * 1024)
        raise ValidationError(
            f"The image is {size:.1f} MB; the limit is {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.", field="image"
        )
    decoded_mime, width, height = _decoded(data)
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
            width=width,
            height=height,
            name=upload_name(filename),
        )
        session.add(asset)
        session.commit()
    except BaseException:
        session.rollback()
        deps.storage.delete(key)
        raise
    return asset
