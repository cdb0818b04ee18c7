"""The asset library over REST: list, search, change, bulk, zip, signed links, stats, tags; others get 404."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from mediaws.deps import Deps
from mediaws.models import Asset, User
from mediaws.services import projects
from tests.support import media
from tests.support.assets import make_asset


@pytest.fixture
def project_id(session: Session, user: User) -> uuid.UUID:
    """A project of the caller."""
    return projects.create_project(session=session, owner_id=user.id, name="Library").id


@pytest.fixture
def theirs(session: Session, deps: Deps, other_user: User) -> Asset:
    """Another person's asset."""
    project = projects.create_project(session=session, owner_id=other_user.id, name="Private").id
    return make_asset(
        session,
        deps.storage,
        owner_id=other_user.id,
        project_id=project,
        name="Their secret",
        prompt="classified",
    )


def test_list_pages_filters_and_searches(
    client: TestClient,
    auth: dict[str, str],
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
) -> None:
    for word in ("alpha", "bravo", "charlie", "delta", "echo"):
        make_asset(
            session,
            deps.storage,
            owner_id=user.id,
            project_id=project_id,
            name=word,
            prompt=f"lighthouse {word}",
        )
    make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, kind="text", name="Notes")
    first = client.get("/api/assets", headers=auth, params={"projectId": str(project_id), "limit": 4})
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["items"]) == 4 and body["nextCursor"]
    item = body["items"][0]
    assert {
        "id",
        "kind",
        "name",
        "costUsd",
        "favourite",
        "archived",
        "tags",
        "previewUrls",
        "url",
    } <= item.keys()
    rest = client.get(
        "/api/assets",
        headers=auth,
        params={"projectId": str(project_id), "limit": 4, "cursor": body["nextCursor"]},
    ).json()
    assert len(rest["items"]) == 2 and rest["nextCursor"] is None
    assert len({i["id"] for i in body["items"] + rest["items"]}) == 6
    texts = client.get("/api/assets", headers=auth, params={"kind": "text"}).json()["items"]
    assert [i["name"] for i in texts] == ["Notes"]
    found = client.get("/api/assets", headers=auth, params={"q": "lighthouse char"}).json()["items"]
    assert [i["prompt"] for i in found] == ["lighthouse charlie"]
    bad = client.get("/api/assets", headers=auth, params={"cursor": "garbage"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "cursor"
    assert client.get("/api/assets", headers=auth, params={"sort": "price"}).status_code == 422
    assert client.get("/api/assets", headers=auth, params={"limit": 10_000}).status_code == 422
    assert client.get("/api/assets", headers=auth, params={"q": "x" * 5000}).status_code == 422


def test_patch_tags_and_bulk(
    client: TestClient,
    auth: dict[str, str],
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
) -> None:
    one = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id)
    two = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id)
    tag = client.post("/api/tags", headers=auth, json={"name": "Keepers", "colour": "green"})
    assert tag.status_code == 201, tag.text
    tag_id = tag.json()["id"]
    assert client.post("/api/tags", headers=auth, json={"name": "keepers"}).status_code == 409
    assert client.post("/api/tags", headers=auth, json={"name": "x", "colour": "mauve"}).status_code == 422
    patched = client.patch(
        f"/api/assets/{one.id}", headers=auth, json={"name": "Cover", "favourite": True, "tagIds": [tag_id]}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["favourite"]) == ("Cover", True)
    assert [t["name"] for t in patched.json()["tags"]] == ["Keepers"]
    assert client.patch(f"/api/assets/{one.id}", headers=auth, json={"name": "a\u0000b"}).status_code == 422
    assert client.patch(f"/api/assets/{one.id}", headers=auth, json={"colour": "red"}).status_code == 422
    archived = client.post(
        "/api/assets/bulk", headers=auth, json={"action": "archive", "assetIds": [str(one.id), str(two.id)]}
    )
    assert archived.json() == {"action": "archive", "changed": 2}
    assert client.get("/api/assets", headers=auth).json()["items"] == []
    listed = client.get("/api/assets", headers=auth, params={"archived": "archived", "tag": tag_id}).json()
    assert [i["id"] for i in listed["items"]] == [str(one.id)]
    assert client.get("/api/tags", headers=auth).json()[0]["assetCount"] == 1
    renamed = client.patch(f"/api/tags/{tag_id}", headers=auth, json={"name": "Best", "colour": "blue"})
    assert (renamed.json()["name"], renamed.json()["colour"]) == ("Best", "blue")
    assert client.delete(f"/api/tags/{tag_id}", headers=auth).status_code == 204
    assert client.get("/api/tags", headers=auth).json() == []
    too_many = client.post(
        "/api/assets/bulk", headers=auth, json={"action": "archive", "assetIds": [str(uuid.uuid4())] * 1001}
    )
    assert too_many.status_code == 422
    unknown = client.post(
        "/api/assets/bulk", headers=auth, json={"action": "explode", "assetIds": [str(one.id)]}
    )
    assert unknown.status_code == 422


def test_zip_streams_every_file_under_a_unique_name(
    client: TestClient,
    auth: dict[str, str],
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
) -> None:
    first = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, name="Same", data=None)
    second = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, name="Same")
    note = make_asset(
        session, deps.storage, owner_id=user.id, project_id=project_id, kind="text", name="../../etc/x"
    )
    for answer in (
        client.post(
            "/api/assets/zip", headers=auth, json={"assetIds": [str(first.id), str(second.id), str(note.id)]}
        ),
        client.post(
            "/api/assets/zip",
            headers={**auth, "Content-Type": "application/x-www-form-urlencoded"},
            content=f"assetIds={first.id}&assetIds={second.id}&assetIds={note.id}",
        ),
    ):
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/zip"
        assert int(answer.headers["content-length"]) == len(answer.content)
        assert answer.headers["content-disposition"].startswith("attachment;")
        archive = zipfile.ZipFile(io.BytesIO(answer.content))
        names = archive.namelist()
        assert len(set(names)) == 3 and all("/" not in n and ".." not in n.split(".")[0] for n in names)
        assert sorted(archive.read(n) for n in names) == sorted(
            deps.storage.get(a.storage_key) for a in (first, second, note)
        )
    assert client.post("/api/assets/zip", headers=auth, json={"assetIds": []}).status_code == 422
    assert client.post("/api/assets/zip", headers=auth, content=b"{not json").status_code == 422


def test_a_signed_download_link_serves_the_file_to_anyone_holding_it(
    client: TestClient,
    auth: dict[str, str],
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
) -> None:
    asset = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, name="Poster")
    link = client.post(f"/api/assets/{asset.id}/download", headers=auth, json={"expiresInSeconds": 600})
    assert link.status_code == 200, link.text
    assert link.json()["expiresInSeconds"] == 600
    fetched = client.get(link.json()["url"])
    assert fetched.status_code == 200 and fetched.content == deps.storage.get(asset.storage_key)
    assert fetched.headers["content-disposition"].startswith("attachment;")
    capped = client.post(
        f"/api/assets/{asset.id}/download", headers=auth, json={"expiresInSeconds": 365 * 86400}
    )
    assert capped.json()["expiresInSeconds"] == deps.settings.share_link_max_days * 86400


def test_stats_delete_and_duplicate(
    client: TestClient,
    auth: dict[str, str],
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
) -> None:
    asset = make_asset(
        session, deps.storage, owner_id=user.id, project_id=project_id, kind="text", data=b"hello"
    )
    copy = client.post(f"/api/assets/{asset.id}/duplicate", headers=auth)
    assert copy.status_code == 201 and copy.json()["name"].endswith("(copy)")
    stats = client.get("/api/assets/stats", headers=auth).json()
    assert (stats["count"], stats["bytes"]) == (2, 10)
    assert stats["kinds"] == [{"kind": "text", "count": 2, "bytes": 10}]
    assert stats["projects"][0]["projectId"] == str(project_id)
    assert client.delete(f"/api/assets/{asset.id}", headers=auth).status_code == 204
    assert client.get(f"/api/assets/{asset.id}", headers=auth).status_code == 404
    assert client.get("/api/assets/stats", headers=auth).json()["count"] == 1


def test_another_users_asset_is_404_on_every_route(
    client: TestClient, auth: dict[str, str], theirs: Asset, session: Session, deps: Deps
) -> None:
    their_id = str(theirs.id)
    calls: list[tuple[str, str, dict[str, object]]] = [
        ("GET", f"/api/assets/{their_id}", {}),
        ("PATCH", f"/api/assets/{their_id}", {"json": {"name": "mine"}}),
        ("DELETE", f"/api/assets/{their_id}", {}),
        ("POST", f"/api/assets/{their_id}/duplicate", {}),
        ("POST", f"/api/assets/{their_id}/download", {"json": {}}),
        ("GET", f"/api/assets/{their_id}/file", {}),
        ("GET", f"/api/assets/{their_id}/file?variant=small", {}),
        ("POST", "/api/assets/bulk", {"json": {"action": "delete", "assetIds": [their_id]}}),
        ("POST", "/api/assets/zip", {"json": {"assetIds": [their_id]}}),
        ("GET", f"/api/assets?projectId={theirs.project_id}", {}),
    ]
    for method, path, extra in calls:
        answer = client.request(method, path, headers=auth, **extra)  # type: ignore[arg-type]
        assert answer.status_code == 404, (method, path, answer.status_code)
        assert b"secret" not in answer.content and b"classified" not in answer.content
        assert client.request(method, path, **extra).status_code == 401  # type: ignore[arg-type]
    session.expire_all()
    row = session.get(Asset, theirs.id)
    assert row is not None and row.name == "Their secret"
    assert deps.storage.exists(row.storage_key)


def test_tag_routes_refuse_foreign_tags(
    client: TestClient, auth: dict[str, str], auth_for: Callable[[User], dict[str, str]], other_user: User
) -> None:
    theirs = client.post("/api/tags", headers=auth_for(other_user), json={"name": "Private"}).json()["id"]
    assert client.patch(f"/api/tags/{theirs}", headers=auth, json={"name": "Mine"}).status_code == 404
    assert client.delete(f"/api/tags/{theirs}", headers=auth).status_code == 404
    assert client.get("/api/tags", headers=auth).json() == []


def test_an_upload_gets_previews_and_a_lost_preview_is_made_again(
    client: TestClient,
    auth: dict[str, str],
    project_id: uuid.UUID,
    deps: Deps,
    run_worker: Callable[[], str | None],
) -> None:
    uploaded = client.post(
        "/api/assets",
        headers=auth,
        data={"projectId": str(project_id)},
        files={"file": ("tone.wav", media.wav(1.0), "application/octet-stream")},
    )
    assert uploaded.status_code == 201, uploaded.text
    asset = uploaded.json()
    assert (asset["kind"], asset["mimeType"], asset["previewStatus"]) == ("audio", "audio/wav", "pending")
    assert run_worker() == "succeeded"
    ready = client.get(f"/api/assets/{asset['id']}", headers=auth).json()
    assert ready["previewStatus"] == "ready" and set(ready["previewUrls"]) == {"peaks", "wave"}
    wave = client.get(ready["previewUrls"]["wave"], headers=auth)
    assert (wave.status_code, wave.headers["content-type"]) == (200, "image/png")
    with deps.session_factory() as session:
        row = session.get(Asset, uuid.UUID(asset["id"]))
        assert row is not None and row.peaks
        deps.storage.delete(row.previews["wave"]["key"])
    assert client.get(ready["previewUrls"]["wave"], headers=auth).status_code == 404
    assert run_worker() == "succeeded"  # the miss queued the previews again
    assert client.get(ready["previewUrls"]["wave"], headers=auth).status_code == 200
    refused = client.post(
        "/api/assets",
        headers=auth,
        data={"projectId": str(project_id)},
        files={"file": ("tone.mp3", media.wav(0.2), "audio/mpeg")},
    )
    assert refused.status_code == 422 and refused.json()["error"]["message"] == (
        "This file is named .mp3 but is WAV audio."
    )
