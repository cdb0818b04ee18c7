"""Fill what only the server knows into a page's first paint: a project's name, an image asset's picture.

A page with an id is answered with its route's prerendered template (``route_templates``), which holds no
data until the scripts have run and the server has answered: on a phone the largest thing on the page (a
project's name, an asset's picture) painted seconds after everything around it. For the owner, the
template's heading marked ``data-fill="project-name"`` gets the name (HTML-escaped) and the picture marked
``data-fill="asset-picture"`` its preview link and shape. React keeps them while hydrating (both carry
``suppressHydrationWarning``). Anyone else gets the template as built. A filled page is one person's:
shared caches must not keep it and it is never answered with a 304 for an ETag (another account's copy
must not come back from the browser's cache).
"""

from __future__ import annotations

import gzip
import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import anyio.to_thread
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediaws import wiring
from mediaws.db import session_scope
from mediaws.errors import MediawsError
from mediaws.models import Asset
from mediaws.services import accounts, asset_files, asset_queries, auth_forms, projects
from mediaws.web.asgi import header

UUID_PART = r"(?P<id>[0-9a-fA-F-]{32,36})"
PROJECT_PAGE = re.compile(rf"^/projects/{UUID_PART}(?:/analytics)?/?$")
ASSET_PAGE = re.compile(rf"^/assets/{UUID_PART}/?$")
HEADING = re.compile(rb'(<h1\b[^>]*\bdata-fill="project-name"[^>]*>)(?:\xc2\xa0|&nbsp;|&#160;)?')
PICTURE = re.compile(rb'<img\b(?=[^>]*\bdata-fill="asset-picture")')
NOT_FORWARDED = frozenset({b"accept-encoding", b"if-none-match", b"if-modified-since", b"range", b"if-range"})
BY_PATH = frozenset({"http.response.pathsend", "http.response.zerocopysend"})  # the body is needed here
PRIVATE = "private, no-cache"


@dataclass(frozen=True)
class Fill:
    """What the server puts into a page for its owner."""

    heading: str = ""
    picture: str = ""
    ratio: str = ""


Lookup = Callable[[str, str], "Fill | None"]


def owner_fill(token: str, path: str) -> Fill | None:
    """What to fill into the page at ``path`` for the session's person; None when nothing is theirs."""
    project = PROJECT_PAGE.match(path)
    found = project or ASSET_PAGE.match(path)
    if found is None:
        return None
    try:
        with session_scope() as session:
            user = accounts.user_for_token(session=session, token=token)
            if project is not None:
                return Fill(
                    heading=projects.get_project(
                        session=session, owner_id=user.id, project_id=found["id"]
                    ).name
                )
            return _picture(asset_queries.get_asset(session=session, user_id=user.id, asset_id=found["id"]))
    except MediawsError:
        return None


def _picture(asset: Asset) -> Fill | None:
    """An image asset's preview link and shape, as its page shows it."""
    if asset.kind != "image":
        return None
    deps = wiring.app_deps()
    link = asset_files.view_url(
        asset=asset, settings=deps.settings, storage=deps.storage, keyring=deps.keyring
    )
    ratio = f"{asset.width} / {asset.height}" if asset.width and asset.height else ""
    return Fill(picture=link, ratio=ratio) if link else None


def fill(page: bytes, what: Fill) -> bytes:
    """The page with the heading's no-break space replaced by the name and the picture given its link."""
    if what.heading:
        text = html.escape(what.heading, quote=True).encode()
        page = HEADING.sub(lambda found: found.group(1) + text, page, count=1)
    if what.picture:
        attributes = f'<img src="{html.escape(what.picture, quote=True)}"'
        if what.ratio:
            attributes += f' style="aspect-ratio:{html.escape(what.ratio, quote=True)}"'
        page = PICTURE.sub(attributes.encode(), page, count=1)
    return page


def accepts_gzip(scope: Scope) -> bool:
    """Whether the browser takes gzip (and has not refused it with q=0)."""
    for part in (header(scope, b"accept-encoding") or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in {"gzip", "*"}:
            return params.replace(" ", "").lower() not in {"q=0", "q=0.0", "q=0.00", "q=0.000"}
    return False


class PageFill:
    """Put the owner's project name or asset picture into the first paint of those pages."""

    def __init__(self, app: ASGIApp, lookup: Lookup = owner_fill) -> None:
        """Wrap ``app``; ``lookup(token, path)`` gives what to fill in, or None for nothing."""
        self.app = app
        self.lookup = lookup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a project or asset page with its data filled in; pass everything else on untouched."""
        path = scope["path"] if scope["type"] == "http" and scope["method"] == "GET" else ""
        wanted = PROJECT_PAGE.match(path) or ASSET_PAGE.match(path)
        token = auth_forms.session_token(header(scope, b"cookie") or "") if wanted else ""
        what = await anyio.to_thread.run_sync(self.lookup, token, path) if token else None
        if what is None:
            await self.app(scope, receive, send)
            return
        headers = [(key, value) for key, value in scope["headers"] if key.lower() not in NOT_FORWARDED]
        start: Message = {}
        body: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await send_filled()

        async def send_filled() -> None:
            page = b"".join(body)
            response = MutableHeaders(raw=list(start["headers"]))
            if start["status"] == 200 and response.get("content-type", "").startswith("text/html"):
                page = fill(page, what)
                for stale in ("etag", "last-modified", "content-encoding"):
                    del response[stale]
                if accepts_gzip(scope):
                    page = gzip.compress(page, compresslevel=6)
                    response["content-encoding"] = "gzip"
                response["vary"] = "Accept-Encoding, Cookie"
                response["cache-control"] = PRIVATE
                response["content-length"] = str(len(page))
            await send({**start, "headers": response.raw})
            await send({"type": "http.response.body", "body": page})

        extensions = {key: value for key, value in scope.get("extensions", {}).items() if key not in BY_PATH}
        await self.app({**scope, "headers": headers, "extensions": extensions}, receive, collect)
