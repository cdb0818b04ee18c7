"""Where the browser fetches an asset's file or preview: signed links, and what a link or an owner may read.

A link is the store's own signed URL when it makes one (Supabase), else mediaws' relative
``/files/{asset_id}/{variant}?exp=…[&dl=1]&sig=…``; the signature is the grant, no login needed.
"""

from __future__ import annotations

import re
import time
import unicodedata
import uuid
from collections.abc import Sequence
from typing import NamedTuple
from urllib.parse import urlencode

from sqlmodel import Session

from mediaws.config import Settings
from mediaws.errors import Forbidden, NotFoundError
from mediaws.models import Asset
from mediaws.security import signing
from mediaws.security.crypto import Keyring
from mediaws.services import asset_queries
from mediaws.storage.base import EXTENSIONS, VARIANTS, Storage, extension_for

ORIGINAL = "file"
FILE_VARIANTS = (ORIGINAL, *VARIANTS)
DAY_SECONDS = 24 * 3600
DEFAULT_MAX_SECONDS = 30 * DAY_SECONDS
NAME_MAX = 150
KNOWN_EXTENSIONS = frozenset(EXTENSIONS.values()) | {"jpeg", "bin"}
UNSAFE_NAME_CHARACTERS = re.compile(r"[\"'\\/;:*?<>|`]")


class ServedFile(NamedTuple):
    """What a file request reads: the asset, the storage key, its mime type and the download name."""

    asset: Asset
    key: str
    mime: str
    filename: str


def file_url(
    *,
    asset: Asset,
    variant: str = ORIGINAL,
    expires_in: int,
    download: bool = False,
    storage: Storage,
    keyring: Keyring,
    now: int | None = None,
    max_expires_in: int = DEFAULT_MAX_SECONDS,
) -> str:
    """A URL that serves one variant of an asset until it expires (the store's own, or a mediaws one)."""
    served = target(asset, variant)
    moment = int(time.time()) if now is None else now
    expires = signing.expiry(moment, expires_in, max_seconds=max_expires_in)
    direct = storage.signed_url(
        served.key, expires_in=expires - moment, filename=served.filename, download=download
    )
    if direct is not None:
        return direct
    return _own_link(asset.id, variant, expires, download=download, keyring=keyring)


def _own_link(asset_id: uuid.UUID, variant: str, expires: int, *, download: bool, keyring: Keyring) -> str:
    """mediaws' own signed ``/files`` link."""
    grant = signing.Grant(asset_id=asset_id, variant=variant, expires=expires, download=download)
    query = {"exp": str(expires), **({"dl": "1"} if download else {}), "sig": signing.sign(grant, keyring)}
    return f"/files/{asset_id}/{variant}?{urlencode(query)}"


def app_url(
    *, asset: Asset, variant: str = ORIGINAL, settings: Settings, storage: Storage, keyring: Keyring
) -> str:
    """A link for the app's own pages (gallery thumbnails, players), living ``file_link_seconds``."""
    return file_url(
        asset=asset,
        variant=variant,
        expires_in=settings.file_link_seconds,
        storage=storage,
        keyring=keyring,
        max_expires_in=settings.share_link_max_days * DAY_SECONDS,
    )


def view_url(*, asset: Asset, settings: Settings, storage: Storage, keyring: Keyring) -> str:
    """What the asset's page shows: its large preview if it has one, else the file ("" when neither links)."""

    def one(variant: str) -> str:
        try:
            return app_url(asset=asset, variant=variant, settings=settings, storage=storage, keyring=keyring)
        except NotFoundError:
            return ""

    large = one("large") if "large" in (asset.previews or {}) else ""
    return large or one(ORIGINAL)


def app_urls(
    *,
    wanted: Sequence[tuple[Asset, str]],
    settings: Settings,
    storage: Storage,
    keyring: Keyring,
    now: int | None = None,
) -> list[str]:
    """``app_url`` for many (asset, variant) pairs: one request to a store that signs; "" where it won't."""
    if not wanted:
        return []
    moment = int(time.time()) if now is None else now
    max_seconds = settings.share_link_max_days * DAY_SECONDS
    expires = signing.expiry(moment, settings.file_link_seconds, max_seconds=max_seconds)
    served = [target(asset, variant) for asset, variant in wanted]
    direct = storage.signed_urls([(one.key, one.filename) for one in served], expires_in=expires - moment)
    if direct is not None:
        return [url or "" for url in direct]
    return [
        _own_link(asset.id, variant, expires, download=False, keyring=keyring) for asset, variant in wanted
    ]


def resolve(
    *,
    session: Session,
    asset_id: str,
    variant: str,
    exp: str | None,
    dl: str | None,
    sig: str | None,
    keyring: Keyring,
    now: int,
) -> ServedFile:
    """What a signed link serves; Forbidden (or LinkExpired) unless it is genuine, NotFoundError if gone."""
    parsed = _link_asset_id(asset_id)
    if variant not in FILE_VARIANTS or dl not in (None, "1") or sig is None:
        raise Forbidden("This link is not valid.")
    grant = signing.Grant(
        asset_id=parsed, variant=variant, expires=signing.parse_expiry(exp), download=dl == "1"
    )
    signing.verify(grant, sig, keyring, now=now)
    asset = session.get(Asset, parsed)
    if asset is None:
        raise NotFoundError("This file no longer exists.")
    return target(asset, variant)


def owned(*, session: Session, user_id: uuid.UUID, asset_id: str, variant: str = ORIGINAL) -> ServedFile:
    """One variant of one of the user's assets; NotFoundError for anyone else's, or a variant it lacks."""
    asset = asset_queries.get_asset(session=session, user_id=user_id, asset_id=asset_id)
    return target(asset, variant)


def target(asset: Asset, variant: str) -> ServedFile:
    """The key, mime type and download name of one variant of an asset."""
    if variant == ORIGINAL:
        return ServedFile(asset, asset.storage_key, asset.mime_type, download_name(asset))
    preview = (asset.previews or {}).get(variant) if variant in VARIANTS else None
    if not isinstance(preview, dict) or not preview.get("key") or not preview.get("mime"):
        raise NotFoundError(f"This file has no {variant!r} preview.")
    mime = str(preview["mime"])
    return ServedFile(asset, str(preview["key"]), mime, download_name(asset, variant, mime))


def download_name(asset: Asset, variant: str = ORIGINAL, mime: str | None = None) -> str:
    """The asset's name made safe (no path, control characters or quotes) with the variant's extension."""
    cleaned = _clean(asset.name)
    stem = cleaned.rsplit(".", 1)[0] if cleaned.rsplit(".", 1)[-1].lower() in KNOWN_EXTENSIONS else cleaned
    stem = stem.strip(" .") or str(asset.id)
    suffix = "" if variant == ORIGINAL else f"-{variant}"
    return f"{stem[:NAME_MAX]}{suffix}.{extension_for(mime or asset.mime_type)}"


def _clean(name: str) -> str:
    """The last path segment of ``name``, without control or format characters, quotes or shell specials."""
    last = re.split(r"[/\\]", name)[-1]
    kept = "".join(c for c in last if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    return " ".join(UNSAFE_NAME_CHARACTERS.sub("_", kept).split())


def _link_asset_id(text: str) -> uuid.UUID:
    try:
        parsed = uuid.UUID(text)
    except ValueError:
        raise Forbidden("This link is not valid.") from None
    if str(parsed) != text:
        raise Forbidden("This link is not valid.")
    return parsed
