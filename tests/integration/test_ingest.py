"""Ingest of every type: proved from its bytes, stored, previewed by the job engine; bad files leave none."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, select

from mediaws.deps import Deps
from mediaws.errors import NotFoundError, ValidationError
from mediaws.jobs import queue
from mediaws.models import Asset, AsyncJob, User
from mediaws.models.assets import PREVIEW_PENDING, PREVIEW_READY
from mediaws.services import asset_edits, asset_previews, generation, ingest, projects, storage_cleanup
from tests.support import media
from tests.support.assets import make_asset
from tests.support.jobs import run_jobs


@pytest.fixture
def deps(make_deps: Callable[..., Deps]) -> Deps:
    """Real database and real files in a temp dir, with small per-kind limits."""
    return make_deps(max_video_mb=5, max_text_mb=1)


@pytest.fixture
def project_id(session: Session, user: User) -> uuid.UUID:
    """A project of the user."""
    return projects.create_project(session=session, owner_id=user.id, name="Inbox").id


def _files(tmp_path: Path) -> set[str]:
    root = tmp_path / "files"
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _ingest(session: Session, deps: Deps, user: User, project_id: uuid.UUID, name: str, data: bytes) -> Asset:
    return ingest.ingest_bytes(
        session=session, deps=deps, user_id=user.id, project_id=project_id, data=data, filename=name
    )


CASES = [
    ("photo.jpg", lambda: media.image("JPEG", (640, 480)), "image", "image/jpeg", {"small", "large"}),
    ("logo.png", lambda: media.image("PNG", (64, 48)), "image", "image/png", {"small", "large"}),
    ("sticker.webp", lambda: media.image("WEBP", (64, 48)), "image", "image/webp", {"small", "large"}),
    ("loop.gif", lambda: media.gif(3), "image", "image/gif", {"small", "large"}),
    ("clip.mp4", lambda: media.mp4(1.0), "video", "video/mp4", {"poster", "small"}),
    ("clip.webm", lambda: media.webm(1.0), "video", "video/webm", {"poster", "small"}),
    ("voice.mp3", lambda: media.mp3(1.0), "audio", "audio/mpeg", {"peaks", "wave"}),
    ("tone.wav", lambda: media.wav(1.0), "audio", "audio/wav", {"peaks", "wave"}),
    ("tone.ogg", lambda: media.ogg(1.0), "audio", "audio/ogg", {"peaks", "wave"}),
    ("notes.txt", lambda: b"First line\nSecond line\n", "text", "text/plain", set()),
    ("README.md", lambda: "# Title\n\n*Ünïcode* text\n".encode(), "text", "text/markdown", set()),
]


@pytest.mark.parametrize(("name", "make", "kind", "mime", "variants"), CASES, ids=[c[0] for c in CASES])
def test_every_supported_type_is_kept_and_previewed_by_the_job_engine(
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
    name: str,
    make: Callable[[], bytes],
    kind: str,
    mime: str,
    variants: set[str],
) -> None:
    data = make()
    asset = _ingest(session, deps, user, project_id, name, data)
    assert (asset.kind, asset.mime_type, asset.bytes, asset.name) == (kind, mime, len(data), name)
    assert asset.preview_status == PREVIEW_PENDING and asset.previews == {}  # not made in the request
    assert deps.storage.get(asset.storage_key) == data
    job = session.exec(select(AsyncJob).where(AsyncJob.asset_id == asset.id)).one()
    assert job.kind == asset_previews.PREVIEWS and job.generation_id is None
    run_jobs(deps)
    session.expire_all()
    row = session.get(Asset, asset.id)
    assert row is not None and row.preview_status == PREVIEW_READY
    stored = {v for v in row.previews if v != "peaks"}
    assert stored | ({"peaks"} if row.peaks else set()) == variants
    for variant, entry in row.previews.items():
        body = deps.storage.get(entry["key"])
        assert len(body) == entry["bytes"] > 0
        if entry["mime"] == "image/webp":
            with Image.open(__import__("io").BytesIO(body)) as picture:
                assert max(picture.size) <= (320 if variant == "small" else 1280)
    if kind == "audio":
        assert row.peaks and all(0 <= p <= 1 for p in row.peaks)
        assert row.duration_seconds == pytest.approx(1.0, abs=0.15)
    if kind == "video":
        assert row.duration_seconds == pytest.approx(1.0, abs=0.15)
    if kind == "text":
        assert row.excerpt and row.excerpt.splitlines()[0] in ("First line", "# Title")


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("cat.mp4", lambda: media.image("PNG", (8, 8)), "named .mp4 but is a PNG"),
        ("clip.mp4", lambda: media.mp4(1.0)[: len(media.mp4(1.0)) // 2], "no video in it|damaged|incomplete"),
        ("bomb.png", lambda: media.png_header_only(60_000, 60_000), "megapixel"),
        ("big.mp4", lambda: media.mp4(0.2) + b"\0" * (6 * 1024 * 1024), "limited to 5 MB"),
        ("noise.bin", lambda: bytes(range(256)) * 40, "not|unsupported|cannot"),
        ("fake.txt", lambda: b"\x00\x01\x02binary", "text"),
        ("../../etc/passwd.png", lambda: media.image("PNG", (8, 8)), "folder parts"),
        ("evil\x00.png", lambda: media.image("PNG", (8, 8)), "control characters"),
        ("bell\x07.png", lambda: media.image("PNG", (8, 8)), "control characters"),
        ("empty.png", lambda: b"", "empty"),
    ],
    ids=[
        "wrong-type",
        "truncated-mp4",
        "bomb-png",
        "oversized",
        "random",
        "binary-txt",
        "dotdot",
        "nul",
        "control",
        "empty",
    ],
)
def test_bad_files_are_refused_with_a_message_and_nothing_is_stored(
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
    tmp_path: Path,
    name: str,
    make: Callable[[], bytes],
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=f"(?i){message}") as caught:
        _ingest(session, deps, user, project_id, name, make())
    assert caught.value.field == "file"
    assert _files(tmp_path) == set()
    assert session.exec(select(Asset)).all() == [] and session.exec(select(AsyncJob)).all() == []


def test_a_folder_prefix_is_dropped_from_the_name(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    asset = _ingest(session, deps, user, project_id, "C:\\Users\\ada\\holiday\\cat.png", media.image("PNG"))
    assert asset.name == "cat.png"


def test_another_users_project_is_not_found_and_nothing_is_stored(
    session: Session, deps: Deps, other_user: User, project_id: uuid.UUID, tmp_path: Path
) -> None:
    with pytest.raises(NotFoundError):
        _ingest(session, deps, other_user, project_id, "cat.png", media.image("PNG"))
    assert _files(tmp_path) == set()


def test_missing_previews_are_backfilled_and_made_again_on_demand(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    old = [
        make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, kind=k)
        for k in ("image", "audio")
    ]
    assert asset_previews.backfill(deps=deps) == 2
    assert asset_previews.backfill(deps=deps) == 0  # already waiting
    run_jobs(deps)
    session.expire_all()
    rows = [session.get(Asset, a.id) for a in old]
    assert all(r is not None and r.preview_status == PREVIEW_READY for r in rows)
    image = rows[0]
    assert image is not None
    small_key = image.previews["small"]["key"]
    deps.storage.delete(small_key)
    asset_previews.request_previews(session=session, deps=deps, asset=image)
    run_jobs(deps)
    assert deps.storage.exists(small_key)
    assert json.dumps(image.previews)


def test_a_generation_is_not_kept_waiting_behind_a_backlog_of_previews(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    for _ in range(8):
        make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, kind="text")
    assert asset_previews.backfill(deps=deps) == 8
    queued = generation.start_generation(
        session=session,
        deps=deps,
        user_id=user.id,
        project_id=project_id,
        capability="image",
        provider_id="local",
        model="local-image",
        prompt="After the backlog",
        options={"size": "512x512"},
    )
    with deps.session_factory() as fresh:
        claimed = queue.claim(fresh, worker="w", lease_seconds=30)
        assert claimed is not None and claimed.generation_id == queued.id


def test_previews_of_an_asset_deleted_meanwhile_are_not_left_behind(
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asset = _ingest(session, deps, user, project_id, "photo.png", media.image("PNG", (64, 48)))
    real = asset_previews.make_previews

    def made_while_deleted(path: Path, checked: object, **kw: object) -> object:
        made = real(path, checked, **kw)  # type: ignore[arg-type]
        with deps.session_factory() as other:
            gone = other.get(Asset, asset.id)
            assert gone is not None
            asset_edits.delete_assets(session=other, deps=deps, assets=[gone])
        return made

    monkeypatch.setattr(asset_previews, "make_previews", made_while_deleted)
    run_jobs(deps)
    for thread in threading.enumerate():
        if thread.name == "storage-cleanup":
            thread.join(timeout=30)
    storage_cleanup.drain(session_factory=deps.session_factory, storage=deps.storage)
    assert _files(tmp_path) == set()
    assert session.exec(select(AsyncJob)).all() == []
