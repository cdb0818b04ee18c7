"""Reflex's /_upload in the real built app: anonymous and oversized bodies are refused before being read."""

from __future__ import annotations

import select
import shutil
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session

from mediaws.config import Settings
from mediaws.db import make_engine
from mediaws.services import accounts
from tests.support.backend import Backend, serve_backend
from tests.support.media import image

PASSWORD = "violet-harbour-lantern-42"
MB = 1024 * 1024
HUGE = 200 * MB
FLAT_KIB = 40 * 1024  # a 200 MB body read into memory would add ~200 MB; parsing overhead stays far below
BOUNDARY = "mediawsboundary"


@dataclass
class Answer:
    """What the server said, and how much of the body we had sent when it did."""

    status: int
    headers: dict[str, str]
    body: bytes
    sent: int


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Backend]:
    """The app as `reflex run` builds it, on a migrated SQLite copy."""
    workdir = tmp_path_factory.mktemp("upload-backend")
    shutil.copyfile(sqlite_template, workdir / "mediaws.db")
    limits = {"MEDIAWS_MAX_VIDEO_MB": "20", "MEDIAWS_MAX_AUDIO_MB": "20"}  # every kind at most 20 MB
    with serve_backend(workdir, f"sqlite:///{workdir / 'mediaws.db'}", **limits) as served:
        yield served


@pytest.fixture
def cookie(backend: Backend, tmp_path: Path) -> str:
    """A live login session of a new user, as the browser's cookie holds it."""
    settings = Settings(data_dir=tmp_path / "data", database_url=backend.database_url)
    engine = make_engine(backend.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            email = f"up-{uuid.uuid4().hex[:8]}@example.com"
            accounts.sign_up(session=session, email=email, password=PASSWORD)
            login = accounts.log_in(
                session=session, settings=settings, email=email, password=PASSWORD, client="t"
            )
    finally:
        engine.dispose()
    return f"mediaws_session={login.token}"


def _handler() -> str:
    from mediaws.state.generate import GenerateState

    return f"{GenerateState.get_full_name()}.upload_image"


def _file_part(name: str = "big.png") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()


def _post(
    backend: Backend, *, body_size: int, cookie: str = "", chunked: bool = False, head: bytes = b""
) -> Answer:
    """POST /_upload over a raw socket, streaming zeros after ``head`` until the server answers."""
    address = urlsplit(backend.url)
    lines = [
        "POST /_upload HTTP/1.1",
        f"Host: {address.netloc}",
        f"Origin: {backend.url}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
        f"Reflex-Client-Token: {uuid.uuid4()}",
        f"Reflex-Event-Handler: {_handler()}",
        "Transfer-Encoding: chunked" if chunked else f"Content-Length: {body_size}",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sent = _stream(sock, body_size, chunked=chunked, head=head)
        return _read_answer(sock, sent)


def _stream(sock: socket.socket, total: int, *, chunked: bool, head: bytes) -> int:
    zeros = bytes(256 * 1024)
    sent = 0
    sock.settimeout(5)
    while sent < total:
        if select.select([sock], [], [], 0)[0]:
            return sent
        piece = head if sent == 0 and head else zeros[: total - sent]
        data = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
        try:
            sock.sendall(data)
        except OSError:  # the server answered and closed, or stopped reading
            return sent
        sent += len(piece)
    if chunked:
        sock.sendall(b"0\r\n\r\n")
    return sent


def _read_answer(sock: socket.socket, sent: int) -> Answer:
    sock.settimeout(30)
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        assert more, f"connection closed without an answer after {sent} bytes"
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        more = sock.recv(65536)
        if not more:
            break
        body += more
    return Answer(int(status_line.split()[1]), headers, body, sent)


def _assert_error(answer: Answer, status: int, code: str) -> None:
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/json"
    assert f'"code":"{code}"'.encode() in answer.body


def test_anonymous_uploads_are_401_before_the_body_is_read_and_memory_stays_flat(backend: Backend) -> None:
    before = backend.peak_rss_kib()
    for chunked in (False, True):
        answer = _post(backend, body_size=HUGE, chunked=chunked, head=_file_part())
        _assert_error(answer, 401, "unauthorized")
        assert answer.sent < 50 * MB, "the server kept reading an anonymous body"
    bad_cookie = _post(backend, body_size=HUGE, cookie="mediaws_session=forged", head=_file_part())
    _assert_error(bad_cookie, 401, "unauthorized")
    assert backend.peak_rss_kib() - before < FLAT_KIB


def test_a_declared_oversized_upload_is_413_at_once(backend: Backend, cookie: str) -> None:
    answer = _post(backend, body_size=HUGE, cookie=cookie, head=_file_part())
    _assert_error(answer, 413, "too_large")
    assert b"20 MB" in answer.body
    assert answer.sent < 50 * MB


def test_a_streamed_oversized_upload_is_cut_at_the_limit_and_memory_stays_flat(
    backend: Backend, cookie: str
) -> None:
    before = backend.peak_rss_kib()
    answer = _post(backend, body_size=HUGE, cookie=cookie, chunked=True, head=_file_part())
    _assert_error(answer, 413, "too_large")
    assert answer.sent < 60 * MB, "the server read far past the limit"
    assert backend.peak_rss_kib() - before < FLAT_KIB


def test_a_signed_in_upload_within_the_limit_reaches_the_app(backend: Backend, cookie: str) -> None:
    """The guard lets a normal upload through to Reflex's handler (the browser test shows it end to end)."""
    png = image("PNG", (64, 48))
    body = _file_part("frame.png") + png + f"\r\n--{BOUNDARY}--\r\n".encode()
    answer = _post(backend, body_size=len(body), cookie=cookie, head=body)
    assert answer.status == 200, answer
    assert b'"error"' not in answer.body
