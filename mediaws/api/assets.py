"""Result files, to their owner only."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from sqlmodel import Session

from mediaws.api.deps import current_user, get_deps, get_session
from mediaws.models import User
from mediaws.services import generation
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
    session: Session = Depends(get_session),
    deps: Deps = Depends(get_deps),
) -> Response:
    """The bytes of one of the caller's files, with its content type."""
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
