"""Request and response bodies of the asset library and tag routes (camelCase on the wire)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from mediaws.api.schemas import AssetOut, Body, RequestBody
from mediaws.services.asset_edits import BULK_MAX, DESCRIPTION_MAX, NAME_MAX, Action
from mediaws.services.tags import NAME_MAX as TAG_NAME_MAX
from mediaws.services.tags import Colour


class AssetPageOut(Body):
    """One page of assets; pass ``nextCursor`` back as ``cursor`` for the next (null at the end)."""

    items: list[AssetOut]
    next_cursor: str | None


class AssetPatch(RequestBody):
    """Fields to change on one asset; absent fields stay as they are."""

    name: Annotated[str, StringConstraints(max_length=NAME_MAX * 2)] | None = None
    description: Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX)] | None = None
    favourite: bool | None = None
    archived: bool | None = None
    tag_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=100, description="Replaces the asset's tags."
    )


class BulkRequest(RequestBody):
    """One action on many assets; an unknown or foreign id makes it a 404 that changes nothing."""

    action: Action
    asset_ids: list[uuid.UUID] = Field(min_length=1, max_length=BULK_MAX)
    tag_ids: list[uuid.UUID] | None = Field(default=None, max_length=100, description="For tag and untag.")
    project_id: uuid.UUID | None = Field(default=None, description="For move: the project to move to.")


class BulkOut(Body):
    """How many assets the action changed."""

    action: Action
    changed: int


class DownloadRequest(RequestBody):
    """What the signed link serves and for how long."""

    variant: Literal["file", "small", "large", "poster", "wave", "peaks"] = "file"
    expires_in_seconds: int = Field(default=3600, ge=60, le=365 * 24 * 3600)
    download: bool = Field(default=True, description="Attachment (save) rather than inline (view).")


class DownloadOut(Body):
    """A signed URL (relative to this server unless the store signs its own) and when it stops working."""

    url: str
    expires_in_seconds: int


class ZipRequest(RequestBody):
    """The assets to put in one zip file."""

    asset_ids: list[uuid.UUID] = Field(min_length=1, max_length=BULK_MAX)


class TagCreate(RequestBody):
    """A new tag."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=TAG_NAME_MAX * 2)]
    colour: Colour = "gray"


class TagPatch(RequestBody):
    """Rename or recolour a tag."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=TAG_NAME_MAX * 2)] | None = None
    colour: Colour | None = None


class KindStats(Body):
    """How many assets of one kind, and their bytes."""

    kind: str
    count: int
    bytes: int


class ProjectStats(Body):
    """One project's assets by kind."""

    project_id: uuid.UUID
    count: int
    bytes: int
    kinds: list[KindStats]


class StatsOut(Body):
    """The caller's assets: totals, by kind and by project (archived ones included)."""

    count: int
    bytes: int
    kinds: list[KindStats]
    projects: list[ProjectStats]
