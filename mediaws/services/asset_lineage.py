"""Where an asset came from and what was made from it, what the chain cost, and its gallery neighbours."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from mediaws.errors import ValidationError
from mediaws.models import Asset, Generation
from mediaws.services.asset_queries import Archived, AssetQuery, Sort, encode_cursor, get_asset, list_assets

CHAIN_DEPTH = 20
DERIVED_MAX = 24
REVERSED: dict[Sort, Sort] = {"newest": "oldest", "oldest": "newest"}


@dataclass
class Lineage:
    """One asset with the generation behind it, its ancestors (nearest first) and what was made from it."""

    asset: Asset
    generation: Generation | None = None
    ancestors: list[Asset] = field(default_factory=list)
    derived: list[Asset] = field(default_factory=list)
    chain_cost_micros: int = 0
    cut_short: bool = False

    @property
    def source(self) -> Asset | None:
        """The asset this one was made from, if it is still there."""
        return self.ancestors[0] if self.ancestors else None


def _owned(session: Session, user_id: uuid.UUID, asset_id: uuid.UUID) -> Asset | None:
    return session.exec(select(Asset).where(Asset.id == asset_id, Asset.owner_id == user_id)).first()


def ancestors(
    *, session: Session, user_id: uuid.UUID, asset: Asset, depth: int = CHAIN_DEPTH
) -> tuple[list[Asset], bool]:
    """The source chain, nearest first, at most ``depth`` long and never round a loop; True if cut short."""
    found: list[Asset] = []
    seen = {asset.id}
    current = asset
    while current.source_asset_id is not None and current.source_asset_id not in seen:
        if len(found) >= depth:
            return found, True
        parent = _owned(session, user_id, current.source_asset_id)
        if parent is None:
            break
        found.append(parent)
        seen.add(parent.id)
        current = parent
    return found, False


def lineage(
    *,
    session: Session,
    user_id: uuid.UUID,
    asset_id: str | uuid.UUID,
    depth: int = CHAIN_DEPTH,
    derived_max: int = DERIVED_MAX,
) -> Lineage:
    """One of the user's assets with its generation, source chain, derived assets and the chain's cost."""
    asset = get_asset(session=session, user_id=user_id, asset_id=asset_id)
    chain, cut_short = ancestors(session=session, user_id=user_id, asset=asset, depth=depth)
    derived = session.exec(
        select(Asset)
        .where(Asset.source_asset_id == asset.id, Asset.owner_id == user_id, Asset.id != asset.id)
        .order_by(col(Asset.created_at).desc(), col(Asset.id).desc())
        .limit(derived_max)
    ).all()
    made_by = None
    if asset.generation_id is not None:
        made_by = session.exec(
            select(Generation).where(Generation.id == asset.generation_id, Generation.owner_id == user_id)
        ).first()
    return Lineage(
        asset=asset,
        generation=made_by,
        ancestors=chain,
        derived=list(derived),
        chain_cost_micros=asset.cost_micros + sum(item.cost_micros for item in chain),
        cut_short=cut_short,
    )


def neighbours(
    *, session: Session, user_id: uuid.UUID, asset: Asset, sort: Sort = "newest"
) -> tuple[Asset | None, Asset | None]:
    """The assets just before and just after this one in its project's gallery (same archived view)."""
    if sort not in REVERSED:
        raise ValidationError(f"Step through the gallery by one of: {', '.join(REVERSED)}.", field="sort")
    archived: Archived = "archived" if asset.archived_at is not None else "active"

    def first_after(order: Sort) -> Asset | None:
        query = AssetQuery(
            project_id=asset.project_id,
            archived=archived,
            sort=order,
            limit=1,
            cursor=encode_cursor(order, asset),
        )
        items = list_assets(session=session, user_id=user_id, query=query).items
        return items[0] if items else None

    return first_after(REVERSED[sort]), first_after(sort)


@dataclass(frozen=True)
class ChainCost:
    """One original asset of a project and everything made from it, with what they cost together."""

    root: Asset
    assets: int
    cost_micros: int


def chain_costs(
    *, session: Session, user_id: uuid.UUID, project_id: uuid.UUID, limit: int = 5
) -> list[ChainCost]:
    """The project's costliest lineages: originals with assets made from them, costliest first."""
    rows = session.exec(
        select(Asset.id, Asset.source_asset_id, Asset.cost_micros).where(
            Asset.project_id == project_id, Asset.owner_id == user_id
        )
    ).all()
    source = {asset_id: parent for asset_id, parent, _ in rows}
    roots: dict[uuid.UUID, uuid.UUID] = {}

    def root_of(asset_id: uuid.UUID) -> uuid.UUID:
        path = [asset_id]
        while (parent := source.get(path[-1])) is not None and parent in source and parent not in path:
            if parent in roots:
                path.append(roots[parent])
                break
            path.append(parent)
        for step in path:
            roots[step] = path[-1]
        return path[-1]

    counts: dict[uuid.UUID, int] = {}
    costs: dict[uuid.UUID, int] = {}
    for asset_id, _, cost in rows:
        top = root_of(asset_id)
        counts[top] = counts.get(top, 0) + 1
        costs[top] = costs.get(top, 0) + cost
    chains = sorted((k for k in counts if counts[k] > 1), key=lambda k: (-costs[k], -counts[k], str(k)))
    chains = chains[:limit]
    found = {a.id: a for a in session.exec(select(Asset).where(col(Asset.id).in_(chains)))}
    return [ChainCost(found[k], counts[k], costs[k]) for k in chains]
