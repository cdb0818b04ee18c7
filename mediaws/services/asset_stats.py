"""How much people keep: asset counts and bytes by kind, by project and by user (for the cost dashboards)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from mediaws.models import Asset


@dataclass
class Totals:
    """A count of assets and their bytes, with the same by kind."""

    count: int = 0
    bytes: int = 0
    kinds: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add(self, kind: str, count: int, size: int) -> None:
        """Count a group of one kind."""
        self.count += count
        self.bytes += size
        had = self.kinds.get(kind, (0, 0))
        self.kinds[kind] = (had[0] + count, had[1] + size)


@dataclass
class UsageStats:
    """One user's assets overall and per project."""

    total: Totals
    projects: dict[uuid.UUID, Totals]


def _groups(session: Session, *where: Any) -> list[tuple[uuid.UUID, uuid.UUID, str, int, int]]:
    rows = session.execute(
        select(
            col(Asset.owner_id),
            col(Asset.project_id),
            col(Asset.kind),
            func.count(),
            func.coalesce(func.sum(col(Asset.bytes)), 0),
        )
        .where(*where)
        .group_by(col(Asset.owner_id), col(Asset.project_id), col(Asset.kind))
    ).all()
    return [(row[0], row[1], row[2], int(row[3]), int(row[4])) for row in rows]


def user_stats(*, session: Session, user_id: uuid.UUID) -> UsageStats:
    """A user's asset count and bytes, by kind and by project."""
    stats = UsageStats(total=Totals(), projects={})
    for _, project_id, kind, count, size in _groups(session, col(Asset.owner_id) == user_id):
        stats.total.add(kind, count, size)
        stats.projects.setdefault(project_id, Totals()).add(kind, count, size)
    return stats


def project_totals(*, session: Session, user_id: uuid.UUID, project_id: uuid.UUID) -> Totals:
    """One project's asset count and bytes, by kind."""
    totals = Totals()
    where = (col(Asset.owner_id) == user_id, col(Asset.project_id) == project_id)
    for _, _, kind, count, size in _groups(session, *where):
        totals.add(kind, count, size)
    return totals


def all_users(*, session: Session) -> dict[uuid.UUID, Totals]:
    """Every user's totals (operators' view)."""
    found: dict[uuid.UUID, Totals] = {}
    for owner_id, _, kind, count, size in _groups(session):
        found.setdefault(owner_id, Totals()).add(kind, count, size)
    return found
