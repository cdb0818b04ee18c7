"""Result files, to their owner only, and image uploads (start or input images)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile

from mediaws.api.deps import SessionFactory, current_user, get_deps, get_session_factory
from mediaws.api.schemas import AssetOut
from mediaws.models import User
from mediaws.services import generation, uploads
from mediaws.services.generation import Deps
from mediaws.storage.base import extension_for

router = APIRouter(prefix="/api/assets", tags=["assets"])


@router.get(
    "/{asset_id}/file",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file's bytes."}},
)
def asset_file(
    asset_id: str,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
    deps: Deps = Depends(get_deps),
) -> Response:
    """The bytes of one of the caller's files, with its content type."""
    with sessions() as session:
        asset = generation.get_asset(session=session, user_id=user.id, asset_id=asset_id)
    data = deps.storage.get(asset.storage_key)
    return Response(
        content=data,
        media_type=asset.mime_type,
        headers={
            "Content-Disposition": f'inline; filename="{asset.id}.{extension_for(asset.mime_type)}"',
            "Cache-Control": "private",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("", response_model=AssetOut, status_code=201)
def upload_image(
    project_id: uuid.UUID = Form(alias="projectId"),
    file: UploadFile = File(description="PNG, JPEG or WebP, at most 20 MB."),
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
    deps: Deps = Depends(get_deps),
) -> AssetOut:
    """Keep an image in a project, to pass as ``start_image_asset_id`` or ``input_image_asset_id``."""
    data = file.file.read(uploads.MAX_UPLOAD_BYTES + 1)
    with sessions() as session:
        asset = uploads.save_upload(
            session=session,
            deps=deps,
            user_id=user.id,
            project_id=project_id,
            filename=file.filename or "",
            data=data,
            mime_type=file.content_type or "",
            size=file.size,
        )
        return AssetOut.of(asset)
