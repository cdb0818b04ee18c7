"""Stored objects owed a delete: queued in the transaction that removes their rows, retried until gone."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from mediaws.models import Asset, StorageDeletion
from mediaws.models.base import utcnow
from mediaws.storage import Storage, StorageError

log = logging.getLogger(__name__)
BATCH = 200
MAX_BACKOFF = timedelta(hours=6)
LEASE = timedelta(minutes=5)


def asset_keys(asset: Asset) -> list[str]:
    """The object keys an asset holds: its file and each preview."""
    keys = [asset.storage_key]
    keys += [str(preview["key"]) for preview in asset.previews.values() if preview.get("key")]
    return keys


def queue_deletion(session: Session, keys: Iterable[str], *, now: datetime | None = None) -> int:
    """Owe a delete for each key, in the caller's transaction (commit together with the row change)."""
    moment = now or utcnow()
    count = 0
    for key in keys:
        session.add(StorageDeletion(key=key, next_attempt_at=moment))
        count += 1
    return count


def queue_project(session: Session, project_id: uuid.UUID) -> int:
    """Owe a delete for every object of a project's assets, in the caller's transaction."""
    count = 0
    last: uuid.UUID | None = None
    while True:
        statement = select(Asset).where(Asset.project_id == project_id)
        if last is not None:
            statement = statement.where(col(Asset.id) > last)
        batch = list(session.exec(statement.order_by(col(Asset.id)).limit(BATCH * 5)).all())
        if not batch:
            return count
        count += queue_deletion(session, [key for asset in batch for key in asset_keys(asset)])
        last = batch[-1].id
        for asset in batch:
            session.expunge(asset)


def remove_or_owe(storage: Storage, session_factory: Callable[[], Session], key: str) -> None:
    """Remove an object just written (an undone change), or owe its delete when the store refuses."""
    try:
        storage.delete(key)
    except StorageError:
        with session_factory() as session:
            queue_deletion(session, [key])
            session.commit()


def backoff(attempts: int) -> timedelta:
    """Wait 1, 2, 4 … minutes after each failure, at most six hours."""
    return min(timedelta(minutes=2 ** min(attempts - 1, 16)), MAX_BACKOFF)


def drain(
    *,
    session_factory: Callable[[], Session],
    storage: Storage,
    now: datetime | None = None,
    limit: int = BATCH,
) -> tuple[int, int]:
    """Delete the objects that are due; return (deleted, still owed after a failure).

    Each row is leased first (its next attempt moved past LEASE), so drains running at once in several
    threads or processes never work on the same row.
    """
    moment = now or utcnow()
    deleted = failed = 0
    with session_factory() as session:
        due = session.exec(
            select(StorageDeletion.id, StorageDeletion.key, StorageDeletion.attempts)
            .where(col(StorageDeletion.next_attempt_at) <= moment)
            .order_by(col(StorageDeletion.next_attempt_at))
            .limit(limit)
        ).all()
        for row_id, key, attempts in due:
            leased = session.exec(
                update(StorageDeletion)
                .where(col(StorageDeletion.id) == row_id, col(StorageDeletion.next_attempt_at) <= moment)
                .values(next_attempt_at=moment + LEASE)
            )
            session.commit()
            if leased.rowcount != 1:
                continue
            try:
                storage.delete(key)
            except StorageError as exc:
                session.exec(
                    update(StorageDeletion)
                    .where(col(StorageDeletion.id) == row_id)
                    .values(
                        attempts=attempts + 1,
                        last_error=str(exc)[:500],
                        next_attempt_at=moment + backoff(attempts + 1),
                    )
                )
                failed += 1
                log.warning("storage delete of %s failed (attempt %d); retried later", key, attempts + 1)
            else:
                session.exec(delete(StorageDeletion).where(col(StorageDeletion.id) == row_id))
                deleted += 1
            session.commit()
    return deleted, failed


def owed(session: Session) -> int:
    """How many deletes are still owed."""
    return session.exec(select(func.count()).select_from(StorageDeletion)).one()
