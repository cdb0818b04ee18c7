"""Thumbnails, posters, waveforms and excerpts, made by the job engine after an asset is stored."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from mediaws.deps import Deps
from mediaws.jobs import queue
from mediaws.media import scratch
from mediaws.media.ingest import CheckedMedia
from mediaws.media.previews import Previews, make_previews
from mediaws.models import Asset, AsyncJob
from mediaws.models.assets import PREVIEW_FAILED, PREVIEW_PENDING, PREVIEW_READY
from mediaws.models.base import utcnow
from mediaws.services import storage_cleanup
from mediaws.storage.base import MissingObject, StorageError, variant_key

log = logging.getLogger(__name__)
PREVIEWS = "asset_previews"
RETRY_SECONDS = 30.0
BACKFILL_BATCH = 500


def queue_previews(session: Session, asset: Asset) -> AsyncJob:
    """Add the job that makes an asset's previews, in the caller's transaction."""
    job = AsyncJob(kind=PREVIEWS, asset_id=asset.id, run_after=utcnow(), max_attempts=3, timeout_seconds=300)
    session.add(job)
    return job


def dispatch(deps: Deps, jobs: list[AsyncJob]) -> None:
    """Hand committed jobs to the job engine when it is not the embedded worker (which polls)."""
    if deps.dispatch is not None:
        for job in jobs:
            deps.dispatch(job.id)


def _download(deps: Deps, asset: Asset, folder: Path) -> Path:
    target = folder / "original"
    with target.open("wb") as handle:
        for chunk in deps.storage.iter_range(asset.storage_key):
            handle.write(chunk)
    return target


def _checked(asset: Asset) -> CheckedMedia:
    return CheckedMedia(
        kind=asset.kind,  # type: ignore[arg-type]
        mime_type=asset.mime_type,
        size_bytes=asset.bytes,
        width=asset.width,
        height=asset.height,
        duration_seconds=asset.duration_seconds,
    )


def _store(deps: Deps, asset: Asset, made: Previews) -> dict[str, dict[str, object]]:
    stored: dict[str, dict[str, object]] = {}
    try:
        for preview in made.files:
            key = variant_key(asset.storage_key, preview.variant, preview.mime_type)
            deps.storage.put(key, preview.data, preview.mime_type)
            stored[preview.variant] = {
                "key": key,
                "mime": preview.mime_type,
                "bytes": len(preview.data),
                "width": preview.width,
                "height": preview.height,
            }
    except BaseException:
        for entry in stored.values():
            storage_cleanup.remove_or_owe(deps.storage, deps.session_factory, str(entry["key"]))
        raise
    return stored


def run_previews(*, deps: Deps, job_id: uuid.UUID, worker: str, lease_seconds: float) -> str:
    """Make and store an asset's previews; a gone asset ends the job, a failure retries then gives up."""
    with deps.session_factory() as session:
        job = session.get(AsyncJob, job_id)
        if job is None:
            return "lost"
        asset = session.get(Asset, job.asset_id) if job.asset_id else None
        if asset is None:
            queue.finish(
                session, job=job, worker=worker, status=queue.SUCCEEDED, message="The asset is gone."
            )
            session.commit()
            return queue.SUCCEEDED
        try:
            with scratch.render_dir() as folder:
                made = make_previews(
                    _download(deps, asset, folder),
                    _checked(asset),
                    decode_slots=deps.settings.image_decode_slots,
                )
            stored = _store(deps, asset, made)
        except MissingObject:
            return _give_up(session, job, asset, worker, "The stored file is missing.")
        except StorageError as exc:
            if job.attempts < job.max_attempts:
                queue.retry_later(
                    session, job=job, worker=worker, delay_seconds=RETRY_SECONDS, message=str(exc)
                )
                session.commit()
                return queue.QUEUED
            return _give_up(session, job, asset, worker, str(exc))
        except Exception as exc:
            log.exception("previews of asset %s failed", asset.id)
            return _give_up(
                session, job, asset, worker, f"Previews could not be made ({type(exc).__name__})."
            )
        return _save(deps, session, job, asset, worker, made, stored)


def _save(
    deps: Deps,
    session: Session,
    job: AsyncJob,
    asset: Asset,
    worker: str,
    made: Previews,
    stored: dict[str, dict[str, object]],
) -> str:
    fresh = session.get(Asset, asset.id, populate_existing=True)
    if fresh is None:
        return _owe_orphans(session, stored)
    asset = fresh
    replaced = [
        str(entry["key"])
        for variant, entry in asset.previews.items()
        if entry.get("key") and stored.get(variant, {}).get("key") != entry.get("key")
    ]
    asset.previews = stored
    asset.peaks = made.peaks
    asset.excerpt = made.excerpt
    if made.duration_seconds is not None and asset.duration_seconds is None:
        asset.duration_seconds = made.duration_seconds
    asset.preview_status = PREVIEW_READY
    session.add(asset)
    storage_cleanup.queue_deletion(session, replaced)
    queue.finish(session, job=job, worker=worker, status=queue.SUCCEEDED)
    try:
        session.commit()
    except StaleDataError:  # the asset (and with it this job) was deleted meanwhile
        session.rollback()
        return _owe_orphans(session, stored)
    return queue.SUCCEEDED


def _owe_orphans(session: Session, stored: dict[str, dict[str, object]]) -> str:
    """The asset was deleted while its previews were made: the files just written are owed deletes."""
    storage_cleanup.queue_deletion(session, [str(entry["key"]) for entry in stored.values()])
    session.commit()
    return queue.SUCCEEDED


def _give_up(session: Session, job: AsyncJob, asset: Asset, worker: str, message: str) -> str:
    asset.preview_status = PREVIEW_FAILED
    session.add(asset)
    queue.finish(session, job=job, worker=worker, status=queue.FAILED, message=message)
    session.commit()
    return queue.FAILED


def request_previews(*, session: Session, deps: Deps, asset: Asset) -> AsyncJob:
    """Make an asset's previews again (missing or failed ones), unless a job for it is already waiting."""
    waiting = session.exec(
        select(AsyncJob).where(
            AsyncJob.asset_id == asset.id, col(AsyncJob.status).in_((queue.QUEUED, queue.RUNNING))
        )
    ).first()
    if waiting is not None:
        return waiting
    asset.preview_status = PREVIEW_PENDING
    session.add(asset)
    job = queue_previews(session, asset)
    session.commit()
    dispatch(deps, [job])
    return job


def heal(*, deps: Deps, asset_id: uuid.UUID) -> None:
    """A stored preview went missing: make the asset's previews again (at most one job waits at a time)."""
    with deps.session_factory() as session:
        asset = session.get(Asset, asset_id)
        if asset is not None:
            request_previews(session=session, deps=deps, asset=asset)


def backfill(*, deps: Deps, include_failed: bool = False) -> int:
    """Queue previews for every asset that has none (made before previews existed), in batches."""
    queued = 0
    statuses = (PREVIEW_PENDING, PREVIEW_FAILED) if include_failed else (PREVIEW_PENDING,)
    with deps.session_factory() as session:
        busy = select(AsyncJob.asset_id).where(
            col(AsyncJob.asset_id).is_not(None), col(AsyncJob.status).in_((queue.QUEUED, queue.RUNNING))
        )
        last: uuid.UUID | None = None
        while True:
            statement = select(Asset).where(
                col(Asset.preview_status).in_(statuses), col(Asset.id).not_in(busy)
            )
            if last is not None:
                statement = statement.where(col(Asset.id) > last)
            batch = list(session.exec(statement.order_by(col(Asset.id)).limit(BACKFILL_BATCH)).all())
            if not batch:
                return queued
            jobs = []
            for asset in batch:
                asset.preview_status = PREVIEW_PENDING
                session.add(asset)
                jobs.append(queue_previews(session, asset))
            session.commit()
            dispatch(deps, jobs)
            queued += len(batch)
            last = batch[-1].id
