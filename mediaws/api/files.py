"""``/files/{asset_id}/{variant}``: files for whoever holds a signed link; the link is the grant, no login."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Query, Request, Response

from mediaws.api.deps import SessionFactory, get_deps, get_session_factory
from mediaws.api.file_responses import FILE_RESPONSES, file_response, signed_cache_control
from mediaws.api.schemas import ErrorOut, error_responses
from mediaws.deps import Deps
from mediaws.errors import NotFoundError
from mediaws.services import asset_files, asset_previews

router = APIRouter(tags=["files"])
PATH = "/files/{asset_id}/{variant}"

LINK_RESPONSES = {
    **FILE_RESPONSES,
    403: {"model": ErrorOut, "description": "The link is altered, malformed or expired (`link_expired`)."},
    **error_responses(422),
}


@router.get(
    PATH,
    response_class=Response,
    responses=LINK_RESPONSES,
    operation_id="signed_file",
    summary="A file or preview, by signed link",
)
@router.head(PATH, response_class=Response, operation_id="signed_file_head", include_in_schema=False)
def signed_file(
    request: Request,
    asset_id: str,
    variant: str,
    exp: str | None = Query(None, description="Unix time the link expires."),
    dl: str | None = Query(None, description="`1`: served as a download (attachment)."),
    sig: str | None = Query(None, description="The link's signature."),
    sessions: SessionFactory = Depends(get_session_factory),
    deps: Deps = Depends(get_deps),
) -> Response:
    """Serve what a link from `file_url` grants: `variant` is `file` (the original) or a preview's name.

    Supports `Range` (one range), `If-None-Match`, `If-Range` and `HEAD`; cached privately until the link
    expires. Only images, audio, video and plain text are shown inline, anything else is a download.
    """
    now = int(time.time())
    with sessions() as session:
        served = asset_files.resolve(
            session=session,
            asset_id=asset_id,
            variant=variant,
            exp=exp,
            dl=dl,
            sig=sig,
            keyring=deps.keyring,
            now=now,
        )
    cache = signed_cache_control(int(exp or 0) - now, preview=variant != asset_files.ORIGINAL)
    try:
        return file_response(request, deps.storage, served, cache_control=cache, download=dl == "1")
    except NotFoundError:
        if variant != asset_files.ORIGINAL:
            asset_previews.heal(deps=deps, asset_id=served.asset.id)
        raise
