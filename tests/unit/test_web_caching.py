"""Cache-Control for the built frontend and gzip for the API (mediaws.web.caching) on a small app."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from mediaws.web.caching import IMMUTABLE, REVALIDATE, ApiCompression, CacheHeaders, cache_control

BIG = {"items": ["a project with a long enough name"] * 100}


def _page(_request: Request) -> Response:
    return Response("<!doctype html><title>x</title>", media_type="text/html")


def _script(_request: Request) -> Response:
    return Response("console.log(1)", media_type="text/javascript")


def _json(_request: Request) -> Response:
    return JSONResponse(BIG)


def _own_header(_request: Request) -> Response:
    return Response("x", media_type="text/javascript", headers={"Cache-Control": "no-store"})


def _client() -> TestClient:
    app = Starlette(
        routes=[
            Route("/assets/entry.client-BfeRvdMD.js", _script),
            Route("/assets/own-AbCdEf12.js", _own_header),
            Route("/assets/{asset_id}", _page),
            Route("/projects/", _page),
            Route("/sw.js", _script),
            Route("/workbox-42bb5c94.js", _script),
            Route("/gallery.js", _script),
            Route("/api/projects", _json),
            Route("/files/{name}", _json),
            Route("/missing-AbCdEf12.js", lambda _r: PlainTextResponse("no", status_code=404)),
        ]
    )
    app.add_middleware(ApiCompression)
    app.add_middleware(CacheHeaders)
    return TestClient(app)


def test_hashed_build_files_are_immutable_and_pages_revalidate() -> None:
    client = _client()
    assert client.get("/assets/entry.client-BfeRvdMD.js").headers["cache-control"] == IMMUTABLE
    assert client.get("/workbox-42bb5c94.js").headers["cache-control"] == IMMUTABLE
    assert client.get("/projects/").headers["cache-control"] == REVALIDATE
    assert client.get("/sw.js").headers["cache-control"] == REVALIDATE


def test_pages_under_assets_files_without_hash_and_own_headers_are_left_alone() -> None:
    client = _client()
    assert client.get("/assets/3f0c7d0e-9d1b-4a57-8a8e-000000000001").headers["cache-control"] == REVALIDATE
    assert "cache-control" not in client.get("/gallery.js").headers
    assert client.get("/assets/own-AbCdEf12.js").headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get("/missing-AbCdEf12.js").headers


def test_cache_control_rules() -> None:
    assert cache_control("/assets/plotly-cartesian.min-C0E1X3qN.js", "text/javascript") == IMMUTABLE
    assert cache_control("/assets/index.html", "text/html; charset=utf-8") == REVALIDATE
    assert cache_control("/icons/icon-192.png", "image/png") is None


def test_api_json_is_gzipped_and_other_paths_or_ranges_are_not() -> None:
    client = _client()
    answer = client.get("/api/projects", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.json() == BIG
    assert "content-encoding" not in client.get("/files/x", headers={"Accept-Encoding": "gzip"}).headers
    ranged = client.get("/api/projects", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"})
    assert "content-encoding" not in ranged.headers
    plain = client.get("/api/projects", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
