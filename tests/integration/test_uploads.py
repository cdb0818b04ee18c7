"""Uploaded images: decoded to be believed, kept as assets, and nothing left behind when refused."""

from __future__ import annotations

import io
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, select

from mediaws.deps import Deps
from mediaws.errors import NotFoundError, ValidationError
from mediaws.models import Asset, User
from mediaws.services import projects, uploads


@pytest.fixture
def deps(make_deps: Callable[..., Deps]) -> Deps:
    """Real database and real files in a temp dir."""
    return make_deps()


@pytest.fixture
def project_id(session: Session, user: User) -> uuid.UUID:
    """A project of the user."""
    return projects.create_project(session=session, owner_id=user.id, name="Stills").id


def _png(width: int = 64, height: int = 40) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def _stored_files(tmp_path: Path) -> list[Path]:
    root = tmp_path / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(session: Session, deps: Deps, user: User, project_id: uuid.UUID, **kw: object) -> Asset:
    values: dict[str, object] = {"filename": "cat.png", "data": _png(), "mime_type": "image/png"}
    values.update(kw)
    return uploads.save_upload(session=session, deps=deps, user_id=user.id, project_id=project_id, **values)  # type: ignore[arg-type]


def test_a_png_is_kept_as_an_image_asset(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, tmp_path: Path
) -> None:
    """The bytes are stored, the row says image, its size and a name without folders."""
    data = _png()
    asset = _upload(
        session, deps, user, project_id, filename="C:\\Users\\ada\\..\\holiday/cat.png", data=data
    )
    row = session.exec(select(Asset).where(Asset.id == asset.id)).one()
    assert (row.kind, row.mime_type, row.width, row.height) == ("image", "image/png", 64, 40)
    assert row.generation_id is None and row.project_id == project_id and row.owner_id == user.id
    assert row.name == "cat.png"
    assert row.bytes == len(data)
    assert deps.storage.get(row.storage_key) == data
    assert len(_stored_files(tmp_path)) == 1


def test_the_type_comes_from_the_bytes_not_the_name(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """A JPEG named .png is stored as a JPEG."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="JPEG")
    asset = _upload(session, deps, user, project_id, filename="photo.png", data=buffer.getvalue())
    assert asset.mime_type == "image/jpeg"
    assert asset.storage_key.endswith(".jpg")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just some text, honest\n" * 10, "PNG, JPEG or WebP"),
        (b"", "empty"),
        (_png()[:40], "PNG, JPEG or WebP"),
        (b"GIF89a" + b"\0" * 50, "PNG, JPEG or WebP"),
    ],
    ids=["text-named-png", "empty", "truncated-png", "gif"],
)
def test_what_is_not_an_image_is_refused_and_nothing_is_left(
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
    tmp_path: Path,
    data: bytes,
    message: str,
) -> None:
    """A clear message; no file on disk and no row."""
    with pytest.raises(ValidationError, match=message):
        _upload(session, deps, user, project_id, filename="notes.png", data=data)
    assert _stored_files(tmp_path) == []
    assert session.exec(select(Asset)).all() == []


def test_a_file_over_20_mb_is_refused(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, tmp_path: Path
) -> None:
    """Too big is said in megabytes, before any decoding; nothing is written."""
    data = _png() + b"\0" * (uploads.MAX_UPLOAD_BYTES + 1)
    with pytest.raises(ValidationError, match="uploads are limited to 20 MB"):
        _upload(session, deps, user, project_id, data=data)
    assert _stored_files(tmp_path) == []
    assert session.exec(select(Asset)).all() == []


def test_if_the_row_cannot_be_written_the_file_is_removed(
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failing commit leaves no orphan file behind."""

    def broken_commit() -> None:
        raise OSError("database went away")

    monkeypatch.setattr(session, "commit", broken_commit)
    with pytest.raises(OSError, match="went away"):
        _upload(session, deps, user, project_id)
    monkeypatch.undo()
    assert _stored_files(tmp_path) == []
    assert session.exec(select(Asset)).all() == []


def test_another_users_project_is_not_found(
    session: Session, deps: Deps, other_user: User, project_id: uuid.UUID, tmp_path: Path
) -> None:
    """Uploading into someone else's project says not found and writes nothing."""
    with pytest.raises(NotFoundError):
        _upload(session, deps, other_user, project_id)
    assert _stored_files(tmp_path) == []


def test_the_message_states_the_real_size_and_the_limit(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """A 23.4 MB file is called 23.4 MB, not just "too big"."""
    data = _png() + b"\0" * (int(23.4 * 1024 * 1024) - len(_png()))
    with pytest.raises(ValidationError) as refused:
        _upload(session, deps, user, project_id, data=data)
    assert refused.value.message == "The file is 23.4 MB; uploads are limited to 20 MB."


def test_the_message_says_what_the_file_looks_like(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """Text named .png is called text, with its start quoted."""
    with pytest.raises(ValidationError) as refused:
        _upload(session, deps, user, project_id, filename="cat.png", data=b"Hello, I am not a picture.")
    assert refused.value.message == (
        'This file is not a PNG, JPEG or WebP image (it looks like text: "Hello, I am not a picture.").'
    )


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


@contextmanager
def _peak_rss_growth() -> Iterator[list[int]]:
    """Sample this process's resident memory while the block runs; yields [peak growth in bytes]."""
    base, peak, done = _rss(), [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss() - base)
            done.wait(0.001)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()
        peak[0] = max(peak[0], _rss() - base)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_a_huge_png_is_refused_from_its_header_without_decoding(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, tmp_path: Path
) -> None:
    """A small-on-disk 9000x9000 PNG (~240 MB decoded) is refused by its size, and memory stays flat."""
    data = _png(9000, 9000)
    assert len(data) < 1024 * 1024
    with _peak_rss_growth() as growth, pytest.raises(ValidationError) as refused:
        _upload(session, deps, user, project_id, data=data)
    assert refused.value.message.startswith("9000\u00d79000 pixels is above the 40 megapixel limit.")
    assert growth[0] < 30 * 1024 * 1024
    assert _stored_files(tmp_path) == []


def test_the_pixel_limit_is_a_setting(
    session: Session,
    make_deps: Callable[..., Deps],
    user: User,
    project_id: uuid.UUID,
) -> None:
    """MEDIAWS_MAX_IMAGE_PIXELS lowers (or raises) the budget."""
    small = make_deps(max_image_pixels=1000)
    with pytest.raises(ValidationError) as refused:
        _upload(session, small, user, project_id)
    assert refused.value.message.startswith("64\u00d740 pixels is above the 0.001 megapixel limit.")
