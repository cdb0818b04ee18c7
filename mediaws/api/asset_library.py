"""The caller's asset library: list, search, read, change, delete, act in bulk, zip, sign links, stats."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import ValidationError as PydanticValidationError
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from mediaws.api.asset_schemas import (
    AssetPageOut,
    AssetPatch,
    BulkOut,
    BulkRequest,
    DownloadOut,
    DownloadRequest,
    KindStats,
    ProjectStats,
    StatsOut,
    ZipRequest,
)
from mediaws.api.deps import SessionFactory, current_user, get_deps, get_session_factory
from mediaws.api.schemas import AssetOut, error_responses
from mediaws.deps import Deps
from mediaws.errors import ValidationError
from mediaws.models import Asset, User
from mediaws.services import asset_edits, asset_files, asset_queries, asset_stats, asset_zip
from mediaws.services.asset_edits import AssetChanges
from mediaws.services.asset_queries import KINDS, AssetQuery, Sort

router = APIRouter(prefix="/api/assets", tags=["assets"])
Kind = Literal["image", "video", "audio", "text"]


def _utc_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@router.get("", response_model=AssetPageOut, responses=error_responses(422))
def list_assets(
    project_id: uuid.UUID | None = Query(
        None, alias="projectId", description="One project; all when absent."
    ),
    kind: list[Kind] = Query([], description="Only these kinds (repeat the parameter)."),
    tag: list[uuid.UUID] = Query([], description="Only assets carrying all of these tags."),
    created_from: date | None = Query(None, alias="from", description="Created on or after this day (UTC)."),
    created_to: date | None = Query(None, alias="to", description="Created on or before this day (UTC)."),
    favourite: bool | None = Query(None),
    archived: Literal["active", "archived", "all"] = Query("active"),
    q: str = Query("", max_length=200, description="Words to find in the prompt, name or description."),
    sort: Sort = Query("newest"),
    limit: int = Query(48, ge=1, le=asset_queries.PAGE_MAX),
    cursor: str | None = Query(None, max_length=2000, description="`nextCursor` of the previous page."),
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
) -> AssetPageOut:
    """One page of the caller's assets, filtered, searched and sorted; pages follow a cursor (keyset)."""
    query = AssetQuery(
        project_id=project_id,
        kinds=tuple(k for k in KINDS if k in kind),
        tag_ids=tuple(tag),
        created_from=None if created_from is None else _utc_day(created_from),
        created_to=None if created_to is None else _utc_day(created_to) + timedelta(days=1),
        favourite=favourite,
        archived=archived,
        search=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    with sessions() as session:
        page = asset_queries.list_assets(session=session, user_id=user.id, query=query)
        items = [AssetOut.of(row, page.tags.get(row.id)) for row in page.items]
    return AssetPageOut(items=items, next_cursor=page.next_cursor)


@router.get("/stats", response_model=StatsOut)
def stats(
    user: User = Depends(current_user), sessions: SessionFactory = Depends(get_session_factory)
) -> StatsOut:
    """How many assets the caller keeps and their bytes: overall, by kind and by project."""
    with sessions() as session:
        found = asset_stats.user_stats(session=session, user_id=user.id)

    def kinds(totals: asset_stats.Totals) -> list[KindStats]:
        return [KindStats(kind=k, count=c, bytes=b) for k, (c, b) in sorted(totals.kinds.items())]

    return StatsOut(
        count=found.total.count,
        bytes=found.total.bytes,
        kinds=kinds(found.total),
        projects=[
            ProjectStats(project_id=pid, count=t.count, bytes=t.bytes, kinds=kinds(t))
            for pid, t in sorted(found.projects.items(), key=lambda item: -item[1].bytes)
        ],
    )


@router.post("/bulk", response_model=BulkOut, responses=error_responses(422))
def bulk(
    body: BulkRequest,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
    deps: Deps = Depends(get_deps),
) -> BulkOut:
    """Archive, unarchive, favourite, unfavourite, tag, untag, move or delete many assets at once."""
    with sessions() as session:
        changed = asset_edits.bulk(
            session=session,
            deps=deps,
            user_id=user.id,
            action=body.action,
            asset_ids=list(body.asset_ids),
            tag_ids=list(body.tag_ids or []),
            project_id=body.project_id,
        )
    return BulkOut(action=body.action, changed=changed)


UUID_SCHEMA = {"type": "string", "format": "uuid"}
ZIP_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ZipRequest.model_json_schema(by_alias=True)},
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "assetIds": {"type": "array", "items": {"type": "string", "format": "uuid"}}
                    },
                }
            },
        },
    }
}


async def _zip_ids(request: Request) -> list[uuid.UUID]:
    """The asset ids of a JSON body, or of a browser form (``assetIds`` repeated) posted to download."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        data: object = {"assetIds": [str(value) for value in form.getlist("assetIds")]}
    else:
        try:
            data = json.loads(await request.body())
        except ValueError:
            raise ValidationError("The body is not valid JSON.", field="body") from None
    try:
        return list(ZipRequest.model_validate(data).asset_ids)
    except PydanticValidationError as exc:
        raise ValidationError("Send assetIds: 1 to 1000 asset ids.", field="assetIds") from exc


@router.post(
    "/zip",
    response_class=StreamingResponse,
    openapi_extra=ZIP_BODY,
    responses={200: {"content": {"application/zip": {}}, "description": "The zip, streamed."}},
)
async def download_zip(
    request: Request,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
    deps: Deps = Depends(get_deps),
) -> StreamingResponse:
    """The chosen assets in one zip file, streamed with its exact length (original names, made unique).

    Takes JSON or a browser form, so a page can post a form and let the browser save the stream to disk.
    """
    asset_ids = await _zip_ids(request)

    def owned() -> list[Asset]:
        with sessions() as session:
            return asset_queries.owned_assets(session=session, user_id=user.id, asset_ids=list(asset_ids))

    assets = await run_in_threadpool(owned)
    chunks, size = asset_zip.zip_stream(storage=deps.storage, assets=assets)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return StreamingResponse(
        iterate_in_threadpool(chunks),
        media_type="application/zip",
        headers={
            "Content-Length": str(size),
            "Content-Disposition": f'attachment; filename="mediaws-assets-{stamp}.zip"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/{asset_id}", response_model=AssetOut)
def get_asset(
    asset_id: str, user: User = Depends(current_user), sessions: SessionFactory = Depends(get_session_factory)
) -> AssetOut:
    """One of the caller's assets, with its tags."""
    with sessions() as session:
        row = asset_queries.get_asset(session=session, user_id=user.id, asset_id=asset_id)
        return AssetOut.of(row, asset_queries.tags_of(session=session, asset_ids=[row.id])[row.id])


@router.patch("/{asset_id}", response_model=AssetOut, responses=error_responses(422))
def update_asset(
    asset_id: str,
    body: AssetPatch,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
) -> AssetOut:
    """Rename, describe, favourite, archive or retag one asset (absent fields stay)."""
    changes = AssetChanges(
        name=body.name,
        description=body.description,
        favourite=body.favourite,
        archived=body.archived,
        tag_ids=None if body.tag_ids is None else tuple(body.tag_ids),
    )
    with sessions() as session:
        row = asset_edits.update_asset(session=session, user_id=user.id, asset_id=asset_id, changes=changes)
        return AssetOut.of(row, asset_queries.tags_of(session=session, asset_ids=[row.id])[row.id])


@router.delete("/{asset_id}", status_code=204, response_class=Response)
def delete_asset(
    asset_id: str,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
    deps: Deps = Depends(get_deps),
) -> Response:
    """Delete an asset for good: its row now, its stored files now or, if the store fails, retried later."""
    with sessions() as session:
        row = asset_queries.get_asset(session=session, user_id=user.id, asset_id=asset_id)
        asset_edits.delete_assets(session=session, deps=deps, assets=[row])
    return Response(status_code=204)


@router.post("/{asset_id}/duplicate", response_model=AssetOut, status_code=201)
def duplicate_asset(
    asset_id: str,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
    deps: Deps = Depends(get_deps),
) -> AssetOut:
    """A copy of an asset (file, previews and tags) in the same project."""
    with sessions() as session:
        row = asset_edits.duplicate_asset(session=session, deps=deps, user_id=user.id, asset_id=asset_id)
        return AssetOut.of(row, asset_queries.tags_of(session=session, asset_ids=[row.id])[row.id])


@router.post("/{asset_id}/download", response_model=DownloadOut, responses=error_responses(422))
def download_link(
    asset_id: str,
    body: DownloadRequest | None = None,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
    deps: Deps = Depends(get_deps),
) -> DownloadOut:
    """A signed link to the file (or a preview) that anyone holding it can open until it expires."""
    wanted = body or DownloadRequest()
    longest = deps.settings.share_link_max_days * asset_files.DAY_SECONDS
    expires_in = min(wanted.expires_in_seconds, longest)
    with sessions() as session:
        row = asset_queries.get_asset(session=session, user_id=user.id, asset_id=asset_id)
    url = asset_files.file_url(
        asset=row,
        variant=wanted.variant,
        expires_in=expires_in,
        download=wanted.download,
        storage=deps.storage,
        keyring=deps.keyring,
        max_expires_in=longest,
    )
    return DownloadOut(url=url, expires_in_seconds=expires_in)
