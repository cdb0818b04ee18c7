"""Asset files by signed link (/files) and by owner (/api/assets/{id}/file): streamed, ranged, safe."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import tracemalloc
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from mediaws.api import api
from mediaws.api.deps import get_deps
from mediaws.deps import Deps
from mediaws.errors import NotFoundError
from mediaws.models import User
from mediaws.security.crypto import Keyring
from mediaws.security.master_key import decode_key, generate_key
from mediaws.services import asset_files
from tests.api.live import serving
from tests.support.signed_files import DATA, HOUR, SMALL, MakeAsset, link

MIB = 1024 * 1024


def with_query(url: str, **changes: str | None) -> str:
    """The URL with query parameters replaced (None removes one)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return f"{parts.path}?{urlencode(query)}"


def error_code(response: Any) -> str:
    """The ``error.code`` of a JSON error answer."""
    code: str = response.json()["error"]["code"]
    return code


def test_a_signed_link_serves_the_file_without_login(
    client: TestClient, deps: Deps, make_asset: MakeAsset
) -> None:
    asset = make_asset()
    url = link(asset, deps)
    assert url.startswith(f"/files/{asset.id}/file?exp=") and "&sig=" in url and "dl=" not in url
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == DATA
    headers = response.headers
    assert headers["content-type"] == "image/png"
    assert headers["content-length"] == str(len(DATA))
    assert headers["accept-ranges"] == "bytes"
    assert headers["etag"].startswith('"') and headers["etag"].endswith('"')
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-disposition"].startswith('inline; filename="Sunset over the bay.png"')
    cache, max_age = headers["cache-control"].split(", max-age=")
    assert cache == "private" and HOUR - 5 <= int(max_age) <= 2 * HOUR
    assert headers["content-security-policy"]  # the edge's security headers still apply
    shared = client.get(
        url, headers={"Sec-Fetch-Site": "cross-site", "Referer": "https://elsewhere.example/"}
    )
    assert (shared.status_code, shared.content) == (200, DATA)  # a shared link works from other sites too


def test_a_preview_link_is_cached_as_immutable_and_briefly_shareable(
    client: TestClient, deps: Deps, make_asset: MakeAsset
) -> None:
    asset = make_asset()
    response = client.get(link(asset, deps, variant="small"))
    assert (response.status_code, response.content) == (200, SMALL)
    assert response.headers["content-type"] == "image/webp"
    cache = response.headers["cache-control"]
    assert cache.startswith("public, max-age=") and cache.endswith(", s-maxage=300, immutable")
    assert 'filename="Sunset over the bay-small.webp"' in response.headers["content-disposition"]


def test_the_same_link_repeats_within_a_bucket_so_browsers_cache_hit(
    deps: Deps, make_asset: MakeAsset
) -> None:
    asset = make_asset()
    start = 1_800_000_000  # a bucket boundary for one-hour links (multiple of 1800)
    first = link(asset, deps, now=start + 1)
    assert link(asset, deps, now=start + 1700) == first
    assert link(asset, deps, now=start + 1801) != first
    expires = int(dict(parse_qsl(urlsplit(first).query))["exp"])
    assert HOUR <= expires - (start + 1) <= HOUR + 1800


def test_a_link_lives_no_longer_than_the_share_limit(deps: Deps, make_asset: MakeAsset) -> None:
    now = 1_800_000_123
    url = link(make_asset(), deps, expires_in=365 * 24 * HOUR, max_expires_in=30 * 24 * HOUR, now=now)
    expires = int(dict(parse_qsl(urlsplit(url).query))["exp"])
    assert 29 * 24 * HOUR < expires - now <= 30 * 24 * HOUR


def test_a_download_link_is_an_attachment(client: TestClient, deps: Deps, make_asset: MakeAsset) -> None:
    url = link(make_asset(), deps, download=True)
    assert "&dl=1&" in url
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="Sunset over the bay.png"'
    )


@pytest.mark.parametrize(
    "change",
    ["signature", "asset id", "variant", "dl added", "dl removed", "expiry extended"],
)
def test_an_altered_link_is_forbidden(
    client: TestClient, deps: Deps, make_asset: MakeAsset, change: str
) -> None:
    asset, other = make_asset(), make_asset()
    url = link(asset, deps, download=change == "dl removed")
    query = dict(parse_qsl(urlsplit(url).query))
    sig = query["sig"]
    altered = {
        "signature": with_query(url, sig=sig[:-1] + ("A" if sig[-1] != "A" else "B")),
        "asset id": url.replace(str(asset.id), str(other.id)),
        "variant": url.replace("/file?", "/small?"),
        "dl added": with_query(url, dl="1"),
        "dl removed": with_query(url, dl=None),
        "expiry extended": with_query(url, exp=str(int(query["exp"]) + 86400)),
    }[change]
    response = client.get(altered)
    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    assert DATA[:64] not in response.content


@pytest.mark.parametrize(
    "path",
    [
        "/files/{id}/file?exp=abc&sig={sig}",
        "/files/{id}/file?sig={sig}",
        "/files/{id}/file?exp={exp}",
        "/files/{id}/file?exp={exp}&sig=short",
        "/files/not-a-uuid/file?exp={exp}&sig={sig}",
        "/files/{id}/original?exp={exp}&sig={sig}",
        "/files/{id}/file?exp={exp}&dl=yes&sig={sig}",
    ],
)
def test_a_malformed_link_is_forbidden(
    client: TestClient, deps: Deps, make_asset: MakeAsset, path: str
) -> None:
    asset = make_asset()
    query = dict(parse_qsl(urlsplit(link(asset, deps)).query))
    response = client.get(path.format(id=asset.id, exp=query["exp"], sig=query["sig"]))
    assert response.status_code == 403
    assert error_code(response) == "forbidden"


def test_an_expired_link_is_forbidden(client: TestClient, deps: Deps, make_asset: MakeAsset) -> None:
    url = link(make_asset(), deps, expires_in=60, now=int(time.time()) - 2 * HOUR)
    response = client.get(url)
    assert response.status_code == 403
    assert error_code(response) == "link_expired"
    assert "expired" in response.json()["error"]["message"]


def _use_keyring(deps: Deps, keyring: Keyring) -> None:
    """Make the app (as the ``client`` fixture set it up) verify links with another keyring."""
    api.dependency_overrides[get_deps] = lambda: dataclasses.replace(deps, keyring=keyring)


def test_links_survive_a_master_key_rotation_until_they_expire(
    client: TestClient, deps: Deps, make_asset: MakeAsset
) -> None:
    asset = make_asset()
    old, new, stranger = (decode_key(generate_key()) for _ in range(3))

    def signed(*keys: bytes) -> str:
        return asset_files.file_url(
            asset=asset, expires_in=HOUR, storage=deps.storage, keyring=Keyring(list(keys))
        )

    before, after, foreign = signed(old), signed(new, old), signed(stranger)
    assert after != before  # new links are signed with the new key
    _use_keyring(deps, Keyring([new, old]))
    assert client.get(before).content == DATA
    assert client.get(after).content == DATA
    assert client.get(foreign).status_code == 403
    _use_keyring(deps, Keyring([new]))
    assert client.get(before).status_code == 403
    assert client.get(after).content == DATA


def test_a_deleted_asset_a_missing_file_or_preview_is_404(
    client: TestClient, deps: Deps, session: Session, make_asset: MakeAsset
) -> None:
    asset = make_asset(small=None)
    with pytest.raises(NotFoundError, match="no 'small' preview"):
        link(asset, deps, variant="small")
    url = link(asset, deps)
    deps.storage.delete(asset.storage_key)
    gone_file = client.get(url)
    assert (gone_file.status_code, error_code(gone_file)) == (404, "not_found")
    session.delete(asset)
    session.commit()
    gone_row = client.get(url)
    assert (gone_row.status_code, error_code(gone_row)) == (404, "not_found")


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=100-4099", 100, 4099),
        ("bytes=-500", len(DATA) - 500, len(DATA) - 1),
        ("bytes=10000-", 10000, len(DATA) - 1),
        ("bytes=10000-999999", 10000, len(DATA) - 1),
        ("bytes=-999999", 0, len(DATA) - 1),
    ],
)
def test_a_byte_range_is_served_partially(
    client: TestClient, deps: Deps, make_asset: MakeAsset, header: str, start: int, end: int
) -> None:
    response = client.get(link(make_asset(), deps), headers={"Range": header})
    assert response.status_code == 206
    assert response.content == DATA[start : end + 1]
    assert response.headers["content-range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response.headers["content-length"] == str(end - start + 1)


@pytest.mark.parametrize(
    "header", [f"bytes={len(DATA)}-", f"bytes={len(DATA) + 5}-{len(DATA) + 10}", "bytes=-0"]
)
def test_a_range_past_the_end_is_416(
    client: TestClient, deps: Deps, make_asset: MakeAsset, header: str
) -> None:
    response = client.get(link(make_asset(), deps), headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(DATA)}"
    assert error_code(response) == "range_not_satisfiable"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-5", "bytes=9-3", "bytes=abc"])
def test_multiple_or_odd_ranges_get_the_whole_file(
    client: TestClient, deps: Deps, make_asset: MakeAsset, header: str
) -> None:
    response = client.get(link(make_asset(), deps), headers={"Range": header})
    assert (response.status_code, response.content) == (200, DATA)
    assert "content-range" not in response.headers


def test_etag_revalidation_and_if_range(client: TestClient, deps: Deps, make_asset: MakeAsset) -> None:
    url = link(make_asset(), deps)
    etag = client.get(url).headers["etag"]
    unchanged = client.get(url, headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    current = client.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert (current.status_code, current.content) == (206, DATA[:10])
    stale = client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"older"'})
    assert (stale.status_code, stale.content) == (200, DATA)


def test_head_gives_the_headers_without_the_body(
    client: TestClient, deps: Deps, make_asset: MakeAsset
) -> None:
    url = link(make_asset(), deps)
    whole = client.head(url)
    assert (whole.status_code, whole.content) == (200, b"")
    assert whole.headers["content-length"] == str(len(DATA))
    assert whole.headers["content-type"] == "image/png"
    part = client.head(url, headers={"Range": "bytes=5-"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 5-{len(DATA) - 1}/{len(DATA)}"


@pytest.mark.parametrize(
    ("name", "ascii_name", "exact"),
    [
        ('say "cheese".png', "say _cheese_.png", "say%20_cheese_.png"),
        ("../../etc/passwd", "passwd.png", "passwd.png"),
        ("..\\..\\boot.ini", "boot.ini.png", "boot.ini.png"),
        (
            "Été à Zürich 日本.jpg",
            "Ete a Zurich.png",
            "%C3%89t%C3%A9%20%C3%A0%20Z%C3%BCrich%20%E6%97%A5%E6%9C%AC.png",
        ),
        (
            "evil\r\nSet-Cookie: x=1\u202egnp.exe",
            "evilSet-Cookie_ x=1gnp.exe.png",
            "evilSet-Cookie_%20x%3D1gnp.exe.png",
        ),
        ("", None, None),
    ],
)
def test_download_names_are_safe(
    client: TestClient,
    deps: Deps,
    make_asset: MakeAsset,
    name: str,
    ascii_name: str | None,
    exact: str | None,
) -> None:
    asset = make_asset(name=name)
    response = client.get(link(asset, deps, download=True))
    assert response.status_code == 200
    ascii_name = ascii_name or f"{asset.id}.png"
    exact = exact or f"{asset.id}.png"
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{exact}"
    )


@pytest.mark.parametrize(
    ("mime", "content_type", "disposition"),
    [
        ("text/plain", "text/plain; charset=utf-8", "inline"),
        ("text/markdown", "text/markdown; charset=utf-8", "inline"),
        ("audio/mpeg", "audio/mpeg", "inline"),
        ("image/svg+xml", "image/svg+xml", "attachment"),
        ("text/html", "text/html; charset=utf-8", "attachment"),
        ("application/json", "application/json", "attachment"),
    ],
)
def test_only_passive_types_are_shown_inline(
    client: TestClient, deps: Deps, make_asset: MakeAsset, mime: str, content_type: str, disposition: str
) -> None:
    response = client.get(link(make_asset(b"<svg onload=alert(1)>", mime=mime, name="x"), deps))
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["content-disposition"].split(";")[0] == disposition
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_owner_gets_the_file_streamed_with_ranges(
    client: TestClient, auth: dict[str, str], make_asset: MakeAsset
) -> None:
    asset = make_asset()
    path = f"/api/assets/{asset.id}/file"
    whole = client.get(path, headers=auth)
    assert (whole.status_code, whole.content) == (200, DATA)
    assert whole.headers["cache-control"] == "private, no-cache"
    part = client.get(path, headers={**auth, "Range": "bytes=-16"})
    assert (part.status_code, part.content) == (206, DATA[-16:])
    assert client.get(path, headers={**auth, "If-None-Match": whole.headers["etag"]}).status_code == 304
    assert client.head(path, headers=auth).headers["content-length"] == str(len(DATA))
    preview = client.get(path, params={"variant": "small"}, headers=auth)
    assert (preview.status_code, preview.content) == (200, SMALL)


def test_the_api_route_hides_other_peoples_files_and_needs_a_login(
    client: TestClient,
    auth: dict[str, str],
    auth_for: Callable[[User], dict[str, str]],
    other_user: User,
    make_asset: MakeAsset,
) -> None:
    asset = make_asset(small=None)
    path = f"/api/assets/{asset.id}/file"
    stranger = client.get(path, headers=auth_for(other_user))
    assert (stranger.status_code, error_code(stranger)) == (404, "not_found")
    assert DATA[:64] not in stranger.content
    assert client.get(path).status_code == 401
    missing = client.get(path, params={"variant": "poster"}, headers=auth)
    assert (missing.status_code, error_code(missing)) == (404, "not_found")
    assert client.get(path, params={"variant": "bogus"}, headers=auth).status_code == 422


def test_the_openapi_documents_the_file_answers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    signed = paths["/files/{asset_id}/{variant}"]["get"]["responses"]
    owned = paths["/api/assets/{asset_id}/file"]["get"]["responses"]
    assert {"200", "206", "304", "403", "404", "416"} <= set(signed)
    assert {"200", "206", "304", "401", "404", "416"} <= set(owned)


def test_a_200_mb_file_streams_with_flat_memory(deps: Deps, make_asset: MakeAsset) -> None:
    asset = make_asset(b"", name="big.mp4", mime="video/mp4", small=None)
    size = 200 * MIB
    with open(deps.storage.path(asset.storage_key), "r+b") as handle:  # type: ignore[attr-defined]
        handle.truncate(size)  # sparse: no disk blocks, reads as zeros
        handle.seek(size - 4)
        handle.write(b"tail")
    url = link(asset, deps)

    async def fetch(base: str) -> tuple[int, int, bytes]:
        received, last = 0, b""
        async with (
            httpx.AsyncClient(base_url=base, timeout=120) as http,
            http.stream("GET", url) as response,
        ):
            async for chunk in response.aiter_raw():
                received += len(chunk)
                last = (last + chunk)[-4:]
            return response.status_code, received, last

    try:
        with serving(deps) as live:
            tracemalloc.start()
            try:
                tracemalloc.reset_peak()
                status, received, tail = asyncio.run(fetch(live.url))
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    finally:
        api.dependency_overrides.clear()
    assert (status, received, tail) == (200, size, b"tail")
    assert peak < 16 * MIB, f"Python memory peaked {peak / MIB:.1f} MB above the start"
