"""A built page answers at its own address, without the static files' trailing-slash redirect."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from mediaws.web.page_paths import PagePaths


def _client(build: Path) -> TestClient:
    for page in ("login", "settings/keys", "assets", "api/projects", "_event"):
        (build / page).mkdir(parents=True)
        (build / page / "index.html").write_text(f"<title>{page}</title>")
    (build / "assets" / "entry-AbCdEf12.js").write_text("console.log(1)")
    (build / "404.html").write_text("<title>not found</title>")
    (build / "reports").mkdir()
    app = Starlette(routes=[Mount("/", app=StaticFiles(directory=build, html=True))])
    app.add_middleware(PagePaths, pages_dir=build)
    return TestClient(app, follow_redirects=False)


def test_pages_answer_without_a_redirect(tmp_path: Path) -> None:
    client = _client(tmp_path)
    for path, page in (("/login", "login"), ("/settings/keys", "settings/keys"), ("/assets", "assets")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.text == f"<title>{page}</title>"
        assert client.get(path + "/").text == response.text
    assert client.head("/login").status_code == 200


def test_files_unknown_paths_and_folders_without_a_page_are_left_alone(tmp_path: Path) -> None:
    client = _client(tmp_path)
    assert client.get("/assets/entry-AbCdEf12.js").text == "console.log(1)"
    assert client.get("/nothing-here").status_code == 404
    assert client.get("/reports").status_code == 404
    assert client.get("/login/../login").status_code == 200
    assert client.post("/login").status_code == 405


def test_api_files_and_the_apps_own_routes_never_look_at_the_disk(tmp_path: Path) -> None:
    client = _client(tmp_path)
    for path in ("/api/projects", "/_event"):
        assert client.get(path).status_code == 307, path


def _routes(path: str) -> str | None:
    from reflex.route import get_router

    routes = ["index", "login", "projects", "projects/[project_id]", "assets/[asset_id]", "404"]
    return get_router(routes)(path)


def test_an_address_with_an_id_is_answered_by_its_routes_template(tmp_path: Path) -> None:
    for page in ("projects", "projects/_", "assets/_"):
        (tmp_path / page).mkdir(parents=True)
        (tmp_path / page / "index.html").write_text(f"<title>{page}</title>")
    (tmp_path / "404.html").write_text("<title>not found</title>")
    app = Starlette(routes=[Mount("/", app=StaticFiles(directory=tmp_path, html=True))])
    app.add_middleware(PagePaths, pages_dir=tmp_path, route_of=_routes)
    client = TestClient(app, follow_redirects=False)
    answers = (("/projects/4f0c", "projects/_"), ("/projects/4f0c/", "projects/_"), ("/assets/x", "assets/_"))
    for path, page in answers:
        response = client.get(path)
        assert (response.status_code, response.text) == (200, f"<title>{page}</title>"), path
    assert client.get("/projects").text == "<title>projects</title>"
    assert client.get("/projects/a/b").status_code == 404
    assert client.get("/nothing/here").text == "<title>not found</title>"
    assert client.get("/assets/entry-AbCdEf12.js").status_code == 404
