"""Stored files as HTTP answers: streamed in chunks, one byte range, ETag revalidation, HEAD, safe headers.

Shared by the signed ``/files`` route and ``GET /api/assets/{id}/file``. The body is read by the store's
``iter_range`` in a worker thread, one chunk at a time, so a 2 GB video streams with flat memory.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool

from mediaws.api.errors import error_response
from mediaws.api.schemas import ErrorOut
from mediaws.errors import NotFoundError
from mediaws.services.asset_files import ServedFile
from mediaws.storage.base import CHUNK_BYTES, MissingObject, Storage, content_disposition

RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
INLINE_TYPES = frozenset({"text/plain", "text/markdown"})
INLINE_FAMILIES = ("image/", "video/", "audio/")
NEVER_INLINE = frozenset({"image/svg+xml"})
API_CACHE = "private, no-cache"
SHARED_PREVIEW_SECONDS = 300


class Unsatisfiable(Exception):
    """The requested range starts past the end of the file."""


@dataclass(frozen=True)
class ByteRange:
    """Inclusive first and last byte of a partial answer."""

    start: int
    end: int


def signed_cache_control(seconds_left: int, *, preview: bool) -> str:
    """Cache a signed link's answer until the link expires; previews never change under one URL.

    A preview may also wait in a shared cache (deploy/nginx.conf) for ``SHARED_PREVIEW_SECONDS`` at most,
    so thumbnails are served without Python; an original is only ever cached by the browser.
    """
    left = max(seconds_left, 0)
    if not preview:
        return f"private, max-age={left}"
    return f"public, max-age={left}, s-maxage={min(left, SHARED_PREVIEW_SECONDS)}, immutable"


def may_show_inline(mime: str) -> bool:
    """Whether a browser may render this type itself (never HTML, SVG or anything that runs)."""
    base = mime.split(";")[0].strip().lower()
    return base not in NEVER_INLINE and (base in INLINE_TYPES or base.startswith(INLINE_FAMILIES))


def content_type(mime: str) -> str:
    """The stored mime type; text is always declared UTF-8."""
    base = mime.split(";")[0].strip().lower() or "application/octet-stream"
    return f"{base}; charset=utf-8" if base.startswith("text/") else base


def parse_range(header: str, size: int) -> ByteRange | None:
    """One ``bytes=`` range of a ``size``-byte file; None to answer whole (multiple ranges or malformed)."""
    match = RANGE_RE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start, min(int(last), size - 1) if last else size - 1)


def _etag_matches(header: str, etag: str) -> bool:
    """Weak comparison of an If-None-Match list with our ETag (``*`` matches anything)."""
    wanted = etag.removeprefix("W/")
    return any(tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


async def _chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Pull the store's chunks in a worker thread; close the reader even if the client goes away."""
    try:
        async for chunk in iterate_in_threadpool(chunks):
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def file_response(
    request: Request, storage: Storage, served: ServedFile, *, cache_control: str, download: bool = False
) -> Response:
    """Answer a GET or HEAD for a stored file (call it from a sync route: it stats and opens the file)."""
    try:
        info = storage.stat(served.key)
    except MissingObject:
        raise NotFoundError("This file is missing from storage.") from None
    etag = f'"{info.etag}"'
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Cache-Control": cache_control,
        "Content-Disposition": content_disposition(
            served.filename, download=download or not may_show_inline(served.mime)
        ),
        "X-Content-Type-Options": "nosniff",
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and _etag_matches(if_none_match, etag):
        return Response(status_code=304, headers={k: headers[k] for k in ("ETag", "Cache-Control")})
    wanted = _range_wanted(request, etag)
    try:
        byte_range = parse_range(wanted, info.size) if wanted else None
    except Unsatisfiable:
        return error_response(
            416,
            "range_not_satisfiable",
            f"The requested range is outside the file, which has {info.size} bytes.",
            headers={"Content-Range": f"bytes */{info.size}", "Accept-Ranges": "bytes"},
        )
    status, start, end = 200, 0, info.size - 1
    if byte_range is not None:
        status, start, end = 206, byte_range.start, byte_range.end
        headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    headers["Content-Length"] = str(max(end - start + 1, 0))
    headers["Content-Type"] = content_type(served.mime)
    if request.method == "HEAD" or info.size == 0:
        return Response(status_code=status, headers=headers)
    try:
        chunks = storage.iter_range(served.key, start, end)
        if end - start < CHUNK_BYTES:  # a thumbnail: one read, no streaming machinery
            return Response(b"".join(chunks), status_code=status, headers=headers)
    except MissingObject:
        raise NotFoundError("This file is missing from storage.") from None
    return StreamingResponse(_chunks(chunks), status_code=status, headers=headers)


def _range_wanted(request: Request, etag: str) -> str | None:
    """The Range header to honour: none when If-Range names another version (or a date we cannot check)."""
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if wanted is None or if_range is None:
        return wanted
    return wanted if if_range.strip() == etag else None


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "The whole file, streamed."},
    206: {
        "content": {"application/octet-stream": {}},
        "description": "One byte range (`Range: bytes=a-b`, `a-` or `-n`), with Content-Range.",
    },
    304: {"description": "Not modified: the ETag sent in If-None-Match is still current."},
    404: _error("No such file, or not yours, or the asset has no such preview."),
    416: _error("The range starts past the end of the file; Content-Range gives the size."),
}
