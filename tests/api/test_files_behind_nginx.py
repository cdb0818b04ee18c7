"""Signed links through deploy/nginx.conf: previews come from nginx's cache, nothing else is ever cached."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from mediaws.deps import Deps
from mediaws.models import Asset
from tests.api.live import serving
from tests.support import nginx as nginx_server
from tests.support.nginx import deploy_site
from tests.support.signed_files import DATA, SMALL, MakeAsset, link


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def nginx(deps: Deps, tmp_path: Path) -> Iterator[str]:
    """Debian's nginx running deploy/nginx.conf in front of the live API; its base URL."""
    port = _free_port()
    with serving(deps) as live:
        site = deploy_site(live.url.removeprefix("http://"), port, tmp_path / "cache")
        process = nginx_server.start(site, tmp_path / "nginx")
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(process, base)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_until_up(process: subprocess.Popen[bytes], base: str) -> None:
    for _ in range(300):
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"nginx refused deploy/nginx.conf: {stderr}")
        try:
            httpx.get(f"{base}/ping", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("nginx did not start")


def _delete(session: Session, deps: Deps, asset: Asset) -> None:
    """Remove the asset's row and every stored file of it, as if deleted a moment ago."""
    deps.storage.delete(asset.storage_key)
    for preview in asset.previews.values():
        deps.storage.delete(preview["key"])
    session.delete(session.get(Asset, asset.id))
    session.commit()


def test_a_preview_is_served_from_the_cache_after_its_first_request(
    nginx: str, deps: Deps, make_asset: MakeAsset
) -> None:
    asset = make_asset()
    url = nginx + link(asset, deps, variant="small")
    first = httpx.get(url)
    second = httpx.get(url)
    assert (first.status_code, first.content, first.headers["x-cache-status"]) == (200, SMALL, "MISS")
    assert (second.status_code, second.content, second.headers["x-cache-status"]) == (200, SMALL, "HIT")
    assert second.headers["content-type"] == "image/webp"
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["content-security-policy"]  # the app's safety headers are kept with the body
    shared = dict(
        part.strip().split("=") for part in second.headers["cache-control"].split(",") if "=" in part
    )
    assert 0 < int(shared["s-maxage"]) <= 300  # a deleted asset's thumbnail leaves the cache within 5 min
    part = httpx.get(url, headers={"Range": "bytes=0-3"})
    assert (part.status_code, part.content, part.headers["x-cache-status"]) == (206, SMALL[:4], "HIT")
    again = httpx.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_another_link_to_the_same_preview_is_checked_by_the_app_first(
    nginx: str, deps: Deps, make_asset: MakeAsset
) -> None:
    asset = make_asset()
    assert httpx.get(nginx + link(asset, deps, variant="small")).headers["x-cache-status"] == "MISS"
    other = httpx.get(nginx + link(asset, deps, variant="small", expires_in=5 * 3600))
    assert (other.status_code, other.content, other.headers["x-cache-status"]) == (200, SMALL, "MISS")


def test_altered_and_expired_links_are_refused_every_time(
    nginx: str, deps: Deps, make_asset: MakeAsset
) -> None:
    asset = make_asset()
    good = link(asset, deps, variant="small")
    assert httpx.get(nginx + good).status_code == 200
    tampered = nginx + good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    expired = nginx + link(asset, deps, variant="small", now=int(time.time()) - 3 * 3600)
    for url, code in ((tampered, "forbidden"), (expired, "link_expired")):
        for _ in range(2):
            refused = httpx.get(url)
            assert refused.status_code == 403
            assert refused.json()["error"]["code"] == code
            assert refused.headers["x-cache-status"] != "HIT"
            assert refused.headers["cache-control"] == "no-store"
            assert refused.content != SMALL


def test_an_original_is_never_cached_so_ranges_and_deletes_reach_the_app(
    nginx: str, deps: Deps, make_asset: MakeAsset, session: Session
) -> None:
    asset = make_asset()
    url = nginx + link(asset, deps)
    part = httpx.get(url, headers={"Range": "bytes=1000-1009"})
    assert (part.status_code, part.content) == (206, DATA[1000:1010])
    assert part.headers["content-range"] == f"bytes 1000-1009/{len(DATA)}"
    assert "x-cache-status" not in part.headers
    whole = httpx.get(url)
    assert (whole.status_code, whole.content) == (200, DATA)
    assert whole.headers["cache-control"].startswith("private, ")
    _delete(session, deps, asset)
    assert httpx.get(url).status_code == 404
