"""What the gallery shows: filters read from the URL, asset cards, thumbnails, and one page of them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session

from mediaws import routes
from mediaws.deps import Deps
from mediaws.errors import NotFoundError
from mediaws.media.ingest import human_bytes
from mediaws.models import Asset, Tag
from mediaws.models.assets import PREVIEW_FAILED, PREVIEW_PENDING
from mediaws.services import asset_files, asset_queries, tags
from mediaws.services.projects import format_usd
from mediaws.state import display

PAGE_SIZE = 24
SELECT_CAP = 1000
SEARCH_MAX = 200
KIND_CHOICES = ("all", *asset_queries.KINDS)
ARCHIVED_CHOICES = ("active", "archived", "all")
ICONS = {"image": "image", "video": "film", "audio": "audio-lines", "text": "file-text"}
THUMBS = {"image": ("small", "large"), "video": ("poster", "small"), "audio": ("wave",), "text": ()}
ALL = "all"
TAG_COLOURS = tags.COLOURS


@dataclass
class TagChip:
    """A tag as a coloured badge (and a choice in the tag filter)."""

    id: str = ""
    name: str = ""
    colour: str = "gray"


@dataclass
class AssetCard:
    """One asset in the grid."""

    id: str = ""
    url: str = ""
    name: str = ""
    kind: str = ""
    icon: str = "file"
    thumb: str = ""
    excerpt: str = ""
    size: str = ""
    created: str = ""
    cost: str = ""
    prompt: str = ""
    favourite: bool = False
    archived: bool = False
    pending: bool = False
    tags: list[TagChip] = field(default_factory=list)
    extra: bool = False
    """Read for the picked type past the every-type list's pages: hidden under "All types"."""


@dataclass(frozen=True)
class Filters:
    """The gallery's filters as they travel in the URL; anything unknown falls back to the default."""

    kind: str = ALL
    tag: str = ALL
    date_from: str = ""
    date_to: str = ""
    favourites: bool = False
    archived: str = "active"
    sort: str = "newest"
    search: str = ""

    def narrows(self) -> bool:
        """Whether anything but the order narrows the list (so "nothing matches" differs from "none yet")."""
        return replace(self, sort="newest") != Filters()


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat() if len(text) == 10 else ""
    except ValueError:
        return ""


def _tag_id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return ALL


def parse_filters(params: Mapping[str, Any]) -> Filters:
    """Filters from a query string, every value checked (unknown → default)."""
    get = lambda name: str(params.get(name, "") or "")  # noqa: E731
    kind, archived, sort = get("kind"), get("archived"), get("sort")
    return Filters(
        kind=kind if kind in KIND_CHOICES else ALL,
        tag=_tag_id(get("tag")) if get("tag") else ALL,
        date_from=_day(get("from")),
        date_to=_day(get("to")),
        favourites=get("fav") == "1",
        archived=archived if archived in ARCHIVED_CHOICES else "active",
        sort=sort if sort in asset_queries.SORTS else "newest",
        search=get("q")[:SEARCH_MAX],
    )


def query_string(filters: Filters) -> str:
    """The filters that differ from the defaults, as a query string ("" when none do)."""
    pairs = {
        "kind": filters.kind if filters.kind != ALL else "",
        "tag": filters.tag if filters.tag != ALL else "",
        "from": filters.date_from,
        "to": filters.date_to,
        "fav": "1" if filters.favourites else "",
        "archived": filters.archived if filters.archived != "active" else "",
        "sort": filters.sort if filters.sort != "newest" else "",
        "q": filters.search.strip(),
    }
    kept = {key: value for key, value in pairs.items() if value}
    return "?" + urlencode(kept) if kept else ""


def gallery_url(project_id: str, filters: Filters) -> str:
    """The page URL of these filters: one project's gallery, or all assets."""
    base = routes.project_assets_url(project_id) if project_id else routes.ASSETS
    return base + query_string(filters)


def _start(day: str, *, after: bool = False) -> datetime | None:
    if not day:
        return None
    moment = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC)
    return moment + timedelta(days=1) if after else moment


def asset_query(
    filters: Filters, *, project_id: str, cursor: str | None = None, limit: int = PAGE_SIZE
) -> asset_queries.AssetQuery:
    """The service query for these filters (the "to" day counts whole)."""
    return asset_queries.AssetQuery(
        project_id=asset_queries.parse_id(project_id, "Project") if project_id else None,
        kinds=(filters.kind,) if filters.kind != ALL else (),
        tag_ids=(uuid.UUID(filters.tag),) if filters.tag != ALL else (),
        created_from=_start(filters.date_from),
        created_to=_start(filters.date_to, after=True),
        favourite=True if filters.favourites else None,
        archived=filters.archived,
        search=filters.search,
        sort=filters.sort,
        limit=limit,
        cursor=cursor,
    )


def cost_text(asset: Asset) -> str:
    """What the asset cost to make, in cents; "—" for uploads."""
    if asset.generation_id is None:
        return "—"
    if 0 < asset.cost_micros < 10_000:
        return "<$0.01"
    return format_usd(asset.cost_micros)


def thumb_variant(asset: Asset) -> str | None:
    """The stored variant a card shows, or None for a placeholder (previews still being made)."""
    previews = asset.previews or {}
    for variant in THUMBS.get(asset.kind, ()):
        if variant in previews:
            return variant
    if asset.kind == "image" and asset.preview_status == PREVIEW_FAILED:
        return asset_files.ORIGINAL
    return None


def thumb_urls(assets: Sequence[Asset], deps: Deps) -> list[str]:
    """Signed links to the cards' thumbnails ("" where there is none yet), signed in one go."""
    variants = [thumb_variant(asset) for asset in assets]
    wanted = [
        (asset, variant) for asset, variant in zip(assets, variants, strict=True) if variant is not None
    ]
    links = iter(
        asset_files.app_urls(
            wanted=wanted, settings=deps.settings, storage=deps.storage, keyring=deps.keyring
        )
    )
    return [next(links) if variant is not None else "" for variant in variants]


def tag_chip(tag: Tag) -> TagChip:
    """A tag as the page shows it."""
    return TagChip(id=str(tag.id), name=tag.name, colour=tag.colour)


def card(asset: Asset, tags: list[Tag], thumb: str) -> AssetCard:
    """One asset as a grid card, showing the ``thumb`` link."""
    excerpt = (asset.excerpt or "")[:400] if asset.kind == "text" else ""
    return AssetCard(
        id=str(asset.id),
        url=routes.asset_url(str(asset.id)),
        name=asset.name or "Untitled",
        kind=asset.kind,
        icon=ICONS.get(asset.kind, "file"),
        thumb=thumb,
        excerpt=excerpt,
        size=human_bytes(asset.bytes),
        created=display.date(asset.created_at),
        cost=cost_text(asset),
        prompt=" ".join(asset.prompt.split())[:300],
        favourite=asset.favourite,
        archived=asset.archived_at is not None,
        pending=asset.preview_status == PREVIEW_PENDING,
        tags=[tag_chip(tag) for tag in tags],
    )


def load_page(
    *,
    session: Session,
    deps: Deps,
    user_id: uuid.UUID,
    project_id: str,
    filters: Filters,
    cursor: str | None = None,
    sort_values: dict[str, tuple[Any, ...]] | None = None,
) -> tuple[list[AssetCard], str | None]:
    """One page of cards and the next page's cursor; a project not the user's is NotFoundError.

    With ``sort_values``, each card's values of the sort columns are put there by id.
    """
    page = asset_queries.list_assets(
        session=session, user_id=user_id, query=asset_query(filters, project_id=project_id, cursor=cursor)
    )
    if sort_values is not None:
        sort_values.update({str(asset.id): asset_queries.sort_values(asset) for asset in page.items})
    thumbs = thumb_urls(page.items, deps)
    cards = [
        card(asset, page.tags.get(asset.id, []), thumb)
        for asset, thumb in zip(page.items, thumbs, strict=True)
    ]
    return cards, page.next_cursor


def all_matching(*, session: Session, user_id: uuid.UUID, project_id: str, filters: Filters) -> list[str]:
    """Every id the filters match, for "select all matching" (ValidationError above SELECT_CAP)."""
    query = asset_query(filters, project_id=project_id)
    found = asset_queries.matching_ids(session=session, user_id=user_id, query=query, cap=SELECT_CAP)
    return [str(asset_id) for asset_id in found]


def refreshed_cards(
    *, session: Session, deps: Deps, user_id: uuid.UUID, asset_ids: list[str]
) -> dict[str, AssetCard]:
    """These cards read again (once previews are made); ids that are gone or not the user's are left out."""
    assets: dict[str, Asset] = {}
    for asset_id in asset_ids:
        try:
            assets[asset_id] = asset_queries.get_asset(session=session, user_id=user_id, asset_id=asset_id)
        except NotFoundError:
            continue
    tags = asset_queries.tags_of(session=session, asset_ids=[asset.id for asset in assets.values()])
    thumbs = thumb_urls(list(assets.values()), deps)
    return {
        asset_id: card(asset, tags[asset.id], thumb)
        for (asset_id, asset), thumb in zip(assets.items(), thumbs, strict=True)
    }
