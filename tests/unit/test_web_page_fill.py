"""A project's pages carry its name in their HTML for its owner only, never cached for someone else."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from mediaws.security.session_cookie import SESSION_COOKIE
from mediaws.web.page_fill import Fill, PageFill, accepts_gzip, fill

PROJECT = str(uuid.uuid4())
TEMPLATE = '<html><body><h1 data-fill="project-name" class="rt-Heading">{}</h1><p>the rest</p></body></html>'
EMPTY = "\u00a0"  # the project page's heading before the name is known
ASSET = str(uuid.uuid4())
NAME = 'Drafts <b>& "more"</b>'
PICTURE = '<p><img alt="" data-fill="asset-picture" class="fill-picture"/></p>'


def _client(tmp_path: Path, asked: list[tuple[str, str]]) -> TestClient:
    for folder, suffix in (("project", EMPTY), ("analytics", " · analytics")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "index.html").write_text(TEMPLATE.format(suffix))
    (tmp_path / "asset").mkdir()
    (tmp_path / "asset" / "index.html").write_text(PICTURE)

    def lookup(token: str, path: str) -> Fill | None:
        asked.append((token, path))
        if token != "owner-token":
            return None
        if path.startswith(f"/projects/{PROJECT}"):
            return Fill(heading=NAME)
        return Fill(picture=f'/files/{ASSET}/large?exp=1&sig=a"b', ratio="3 / 2") if ASSET in path else None

    async def pages(scope, receive, send):  # type: ignore[no-untyped-def]
        """Projects answer with the template, analytics with its own, a project's assets with nothing."""
        path = scope["path"]
        folder = {"analytics": "/analytics/", "assets": "/nothing/"}.get(path.rsplit("/", 1)[-1], "/project/")
        folder = "/asset/" if path.startswith("/assets/") else folder
        await StaticFiles(directory=tmp_path, html=True)({**scope, "path": folder}, receive, send)

    async def server(scope, receive, send):  # type: ignore[no-untyped-def]
        """Offer the body-by-path extension, as Granian does, and answer it with the file's bytes."""

        async def sent(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.pathsend":
                message = {"type": "http.response.body", "body": Path(message["path"]).read_bytes()}
            await send(message)

        extensions = {**scope.get("extensions", {}), "http.response.pathsend": {}}
        await filled({**scope, "extensions": extensions}, receive, sent)

    filled = PageFill(Starlette(routes=[Mount("/", app=pages)]), lookup=lookup)
    return TestClient(server, follow_redirects=False)


def _as(client: TestClient, token: str) -> TestClient:
    client.cookies.set(SESSION_COOKIE, token)
    return client


def test_the_owner_gets_the_name_escaped_in_the_heading_and_a_private_copy(tmp_path: Path) -> None:
    client = _as(_client(tmp_path, []), "owner-token")
    response = client.get(f"/projects/{PROJECT}", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    shown = "Drafts &lt;b&gt;&amp; &quot;more&quot;&lt;/b&gt;"
    assert f'<h1 data-fill="project-name" class="rt-Heading">{shown}</h1>' in response.text
    assert response.headers["cache-control"] == "private, no-cache"
    assert "etag" not in response.headers and "last-modified" not in response.headers
    assert int(response.headers["content-length"]) == len(response.content)
    analytics = client.get(f"/projects/{PROJECT}/analytics")
    assert f'class="rt-Heading">{shown} · analytics</h1>' in analytics.text


def test_a_revalidation_with_an_etag_gets_the_filled_page_not_a_304(tmp_path: Path) -> None:
    client = _client(tmp_path, [])
    etag = client.get(f"/projects/{PROJECT}").headers["etag"]  # no cookie: the template, with its ETag
    assert client.get(f"/projects/{PROJECT}", headers={"If-None-Match": etag}).status_code == 304
    owner = _as(client, "owner-token").get(f"/projects/{PROJECT}", headers={"If-None-Match": etag})
    assert owner.status_code == 200 and "Drafts" in owner.text


def test_gzip_is_sent_when_asked_for(tmp_path: Path) -> None:
    client = _as(_client(tmp_path, []), "owner-token")
    response = client.get(f"/projects/{PROJECT}", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["content-encoding"] == "gzip"
    assert "Drafts" in response.text  # the test client unzips
    raw = client.get(f"/projects/{PROJECT}", headers={"Accept-Encoding": "gzip"}).headers["content-length"]
    assert int(raw) < len(response.text.encode())


@pytest.mark.parametrize(
    ("token", "path"),
    [
        ("someone-else", f"/projects/{PROJECT}"),  # another account: the template as built
        ("owner-token", f"/projects/{uuid.uuid4()}"),  # not a project of theirs
    ],
)
def test_anyone_else_gets_the_template_as_built(tmp_path: Path, token: str, path: str) -> None:
    asked: list[tuple[str, str]] = []
    response = _as(_client(tmp_path, asked), token).get(path)
    assert response.text == TEMPLATE.format(EMPTY)
    assert "etag" in response.headers and response.headers.get("cache-control") != "private, no-cache"
    assert asked == [(token, path)]


def test_no_cookie_other_pages_and_other_methods_ask_nothing(tmp_path: Path) -> None:
    asked: list[tuple[str, str]] = []
    client = _client(tmp_path, asked)
    assert client.get(f"/projects/{PROJECT}").text == TEMPLATE.format(EMPTY)
    _as(client, "owner-token")
    for path in ("/projects", "/projects/not-an-id", f"/projects/{PROJECT}/settings", "/assets", "/assets/x"):
        client.get(path)
    assert client.head(f"/projects/{PROJECT}").status_code == 200
    assert asked == []


def test_a_page_without_a_fill_is_not_asked_about(tmp_path: Path) -> None:
    asked: list[tuple[str, str]] = []
    client = _as(_client(tmp_path, asked), "owner-token")
    assert client.get(f"/projects/{PROJECT}/assets").status_code == 404  # the gallery: its template as built
    assert asked == []


def test_an_image_asset_page_gets_its_picture_link_and_shape(tmp_path: Path) -> None:
    client = _client(tmp_path, [])
    response = _as(client, "owner-token").get(f"/assets/{ASSET}")
    link = f"/files/{ASSET}/large?exp=1&amp;sig=a&quot;b"
    assert response.text == PICTURE.replace("<img ", f'<img src="{link}" style="aspect-ratio:3 / 2" ')
    assert response.headers["cache-control"] == "private, no-cache"
    assert _as(client, "someone-else").get(f"/assets/{ASSET}").text == PICTURE


def test_fill_and_accept_encoding() -> None:
    assert fill(b"<h1>x</h1>", Fill(heading="name")) == b"<h1>x</h1>"
    marked = b'<h1 id="a" data-fill="project-name">!</h1>'
    assert fill(marked, Fill(heading="A&B")) == b'<h1 id="a" data-fill="project-name">A&amp;B!</h1>'
    empty = b'<h1 data-fill="project-name">\xc2\xa0</h1>'
    assert fill(empty, Fill(heading="x")) == b'<h1 data-fill="project-name">x</h1>'
    assert (
        fill(b'<img data-fill="asset-picture">', Fill(picture="/f"))
        == b'<img src="/f" data-fill="asset-picture">'
    )
    assert accepts_gzip({"headers": [(b"accept-encoding", b"gzip;q=0.5, br")]})
    assert not accepts_gzip({"headers": [(b"accept-encoding", b"gzip;q=0, identity")]})
    assert not accepts_gzip({"headers": []})
