"""Files of the caller: streamed to their owner only, and uploaded (any supported type) into projects."""

from __future__ import annotations

import shutil
import uuid
from typing import Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile

from mediaws.api.deps import SessionFactory, current_user, get_deps, get_session_factory
from mediaws.api.file_responses import API_CACHE, FILE_RESPONSES, file_response
from mediaws.api.schemas import AssetOut
from mediaws.deps import Deps
from mediaws.errors import NotFoundError
from mediaws.media import scratch
from mediaws.models import User
from mediaws.services import asset_files, asset_previews, ingest

router = APIRouter(prefix="/api/assets", tags=["assets"])
COPY_CHUNK = 1024 * 1024
FileVariant = Literal["file", "small", "large", "poster", "wave", "peaks"]


@router.get("/{asset_id}/file", response_class=Response, responses=FILE_RESPONSES, operation_id="asset_file")
@router.head(
    "/{asset_id}/file", response_class=Response, operation_id="asset_file_head", include_in_schema=False
)
def asset_file(
    request: Request,
    asset_id: str,
    variant: FileVariant = Query(
        "file", description="`file` for the original, or a preview: small, large, poster, wave, peaks."
    ),
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
    deps: Deps = Depends(get_deps),
) -> Response:
    """One of the caller's files (or one of its previews), streamed, with its content type.

    Supports `Range` (one range), `If-None-Match`, `If-Range` and `HEAD`; browsers revalidate each time.
    """
    with sessions() as session:
        served = asset_files.owned(session=session, user_id=user.id, asset_id=asset_id, variant=variant)
    try:
        return file_response(request, deps.storage, served, cache_control=API_CACHE)
    except NotFoundError:
        if variant != asset_files.ORIGINAL:
            asset_previews.heal(deps=deps, asset_id=served.asset.id)
        raise


@router.post("", response_model=AssetOut, status_code=201)
def upload_file(
    project_id: uuid.UUID = Form(alias="projectId"),
    file: UploadFile = File(
        description="An image (PNG, JPEG, WebP, GIF), video (MP4, WebM), audio (MP3, WAV, Ogg) or text "
        "(.txt, .md); the type is read from the bytes, and each kind has its own size limit."
    ),
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
    deps: Deps = Depends(get_deps),
) -> AssetOut:
    """Keep a file in a project; an image can then be ``start_image_asset_id`` or ``input_image_asset_id``.

    Previews (thumbnails, poster, waveform) are made afterwards by the job engine.
    """
    with scratch.render_dir() as folder:
        path = folder / "upload"
        with path.open("wb") as handle:
            shutil.copyfileobj(file.file, handle, COPY_CHUNK)
        with sessions() as session:
            asset = ingest.ingest_file(
                session=session,
                deps=deps,
                user_id=user.id,
                project_id=project_id,
                path=path,
                filename=file.filename or "",
            )
            return AssetOut.of(asset)
