"""What the asset page shows, as typed rows built from the stored asset, its generation and its lineage."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from mediaws import routes
from mediaws.deps import Deps
from mediaws.errors import NotFoundError
from mediaws.media.ingest import human_bytes
from mediaws.models import Asset, Generation, Tag
from mediaws.pricing.cost import Cost, priced_display
from mediaws.services import asset_files
from mediaws.services.asset_lineage import Lineage
from mediaws.state import display
from mediaws.state.gallery_rows import ICONS as KIND_ICONS
from mediaws.state.gallery_rows import TagChip, tag_chip

COST_SOURCES = {"provider_usage": "reported by provider", "derived": "derived from price table"}
SHARE_CHOICES = [("3600", "1 hour"), ("86400", "1 day"), ("604800", "7 days"), ("2592000", "30 days")]
HIDDEN_OPTIONS = ("start_image_asset_id", "input_image_asset_id")


@dataclass
class Fact:
    """One labelled value (“Size: 1.2 MB”)."""

    label: str = ""
    value: str = ""


@dataclass
class Thumb:
    """A small linked asset (a source or something made from this one)."""

    id: str = ""
    url: str = ""
    image: str = ""
    kind: str = ""
    icon: str = "file"
    name: str = ""


@dataclass
class AssetView:
    """The asset itself and the links to show and download it."""

    id: str = ""
    kind: str = ""
    name: str = ""
    description: str = ""
    favourite: bool = False
    archived: bool = False
    project_id: str = ""
    gallery_url: str = ""
    file_url: str = ""
    view_url: str = ""
    poster_url: str = ""
    download_url: str = ""
    start_url: str = ""
    markdown: bool = False
    peaks: list[float] = field(default_factory=list)
    aspect_ratio: str = "auto"  # the picture's width / height: its box is sized before the file arrives


@dataclass
class MadeBy:
    """The generation behind an asset."""

    present: bool = False
    prompt: str = ""
    facts: list[Fact] = field(default_factory=list)
    options: list[Fact] = field(default_factory=list)
    again_url: str = ""


def gallery_url(project_id: str) -> str:
    """The project's gallery page."""
    return routes.project_assets_url(project_id)


def generate_url(project_id: str, **params: str) -> str:
    """The Generate page with the project chosen and something to start from."""
    return f"{routes.GENERATE}?{urlencode({'project': project_id, **params})}"


def link(asset: Asset, deps: Deps, variant: str = asset_files.ORIGINAL) -> str:
    """A signed link to one variant of the asset for this page, or "" if it has no such preview."""
    try:
        return asset_files.app_url(
            asset=asset, variant=variant, settings=deps.settings, storage=deps.storage, keyring=deps.keyring
        )
    except NotFoundError:
        return ""


def asset_view(asset: Asset, deps: Deps) -> AssetView:
    """The asset with its links: the large preview (or the file) to look at, the file to play or save."""
    original = link(asset, deps)
    previews = asset.previews or {}
    return AssetView(
        id=str(asset.id),
        kind=asset.kind,
        name=asset.name,
        description=asset.description,
        favourite=asset.favourite,
        archived=asset.archived_at is not None,
        project_id=str(asset.project_id),
        gallery_url=gallery_url(str(asset.project_id)),
        file_url=original,
        view_url=asset_files.view_url(
            asset=asset, settings=deps.settings, storage=deps.storage, keyring=deps.keyring
        ),
        poster_url=link(asset, deps, "poster") if "poster" in previews else "",
        download_url=asset_files.file_url(
            asset=asset,
            expires_in=deps.settings.file_link_seconds,
            download=True,
            storage=deps.storage,
            keyring=deps.keyring,
        ),
        start_url=generate_url(str(asset.project_id), start=str(asset.id)) if asset.kind == "image" else "",
        markdown=asset.mime_type == "text/markdown",
        peaks=[max(0.0, min(1.0, float(p))) for p in (asset.peaks or [])],
        aspect_ratio=f"{asset.width} / {asset.height}" if asset.width and asset.height else "auto",
    )


def seconds_text(seconds: float) -> str:
    """A duration as m:ss (or h:mm:ss)."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def facts(asset: Asset) -> list[Fact]:
    """Type, size, dimensions, duration and creation day."""
    rows = [
        Fact("Type", f"{asset.kind.capitalize()} · {asset.mime_type}"),
        Fact("Size", human_bytes(asset.bytes)),
    ]
    if asset.width and asset.height:
        rows.append(Fact("Dimensions", f"{asset.width} x {asset.height} px"))
    if asset.duration_seconds:
        rows.append(Fact("Duration", seconds_text(asset.duration_seconds)))
    rows.append(Fact("Created", f"{display.date(asset.created_at)} ({display.when(asset.created_at)})"))
    return rows


def _option_value(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def made_by(row: Generation | None) -> MadeBy:
    """The prompt, provider, model, options, cost and time of the generation, if there was one."""
    if row is None:
        return MadeBy()
    if row.cost_micros is not None:
        cost = f"{priced_display(row.provider, row.model, row.cost_micros)} · "
        cost += COST_SOURCES.get(row.cost_source or "", "no source recorded")
    else:
        cost = "est. " + priced_display(row.provider, row.model, row.estimated_cost_micros)
    found = [
        Fact("Provider", row.provider),
        Fact("Model", row.model),
        Fact("Status", row.status),
        Fact("Cost", cost),
    ]
    if row.duration_ms is not None:
        found.append(Fact("Time taken", f"{row.duration_ms / 1000:.1f} s"))
    options = [Fact(k, _option_value(v)) for k, v in sorted(row.options.items()) if k not in HIDDEN_OPTIONS]
    return MadeBy(
        present=True,
        prompt=row.prompt,
        facts=found,
        options=options,
        again_url=generate_url(str(row.project_id), **{"from": str(row.id)}),
    )


def thumb(asset: Asset, deps: Deps) -> Thumb:
    """A linked thumbnail of an asset (its small preview, or an icon for its type)."""
    small = link(asset, deps, "small") if "small" in (asset.previews or {}) else ""
    return Thumb(
        id=str(asset.id),
        url=routes.asset_url(str(asset.id)),
        image=small,
        kind=asset.kind,
        icon=KIND_ICONS.get(asset.kind, "file"),
        name=asset.name or asset.kind,
    )


def chain_cost(found: Lineage) -> str:
    """What making this asset and everything it came from cost, in dollars."""
    return Cost(found.chain_cost_micros, "", "").display()


def chips(tags: list[Tag]) -> list[TagChip]:
    """Tags as chips, by name."""
    return [tag_chip(t) for t in tags]
