"""Request bodies are bounded before authentication: refused unread, and never held in memory."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from PIL import Image

from mediaws.deps import Deps
from tests.api.live import LiveApi, serving

MIB = 1024 * 1024
CHUNK = b"x" * (256 * 1024)
BOUNDARY = "mediaws-test-boundary"


@pytest.fixture
def live(deps: Deps) -> Iterator[LiveApi]:
    """The API served over real HTTP on loopback, every kind of file limited to 20 MB."""
    limits = {"max_image_mb": 20, "max_video_mb": 20, "max_audio_mb": 20, "max_text_mb": 2}
    with serving(dataclasses.replace(deps, settings=deps.settings.model_copy(update=limits))) as served:
        yield served


async def _stream(head: bytes, size: int, tail: bytes) -> AsyncIterator[bytes]:
    """``head``, then filler up to ``size`` bytes in all, then ``tail``; never held whole."""
    yield head
    left = size - len(head) - len(tail)
    while left > 0:
        piece = CHUNK[:left]
        yield piece
        left -= len(piece)
    yield tail


def _json_body(size: int) -> AsyncIterator[bytes]:
    return _stream(b'{"type": "image", "prompt": "', size, b'"}')


def _multipart_body(size: int) -> AsyncIterator[bytes]:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    return _stream(head, size, f"\r\n--{BOUNDARY}--\r\n".encode())


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Outcome:
    """The answer, what the application read of the body, and Python's peak memory meanwhile."""

    response: httpx.Response
    read: int
    peak: int

    @property
    def error(self) -> dict[str, Any]:
        """The JSON error of the answer."""
        error: dict[str, Any] = self.response.json()["error"]
        return error


def _post(live: LiveApi, path: str, body: AsyncIterator[bytes], headers: dict[str, str]) -> Outcome:
    """POST a streamed body (never held whole) to the live server."""

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(base_url=live.url, timeout=120) as client:
            return await client.post(path, content=body, headers=headers)

    live.body_bytes_read = 0
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        response = asyncio.run(call())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Outcome(response, live.body_bytes_read, peak)


def test_an_unauthenticated_200_mb_upload_is_refused_unread(live: LiveApi) -> None:
    outcome = _post(live, "/api/assets", _multipart_body(200 * MIB), MULTIPART)
    assert outcome.response.status_code == 401
    assert outcome.error["code"] == "unauthorized"
    assert outcome.read == 0, f"the app read {outcome.read / MIB:.0f} MB before refusing"
    assert outcome.peak < 16 * MIB


def test_an_unauthenticated_50_mb_json_body_is_never_parsed(live: LiveApi) -> None:
    outcome = _post(live, "/api/generate", _json_body(50 * MIB), JSON)
    assert outcome.response.status_code == 401
    assert outcome.read == 0
    assert outcome.peak < 16 * MIB, f"Python memory peaked {outcome.peak / MIB:.0f} MB above the start"


def test_a_bad_token_with_a_big_body_is_refused_unread(live: LiveApi) -> None:
    headers = {**MULTIPART, "Authorization": "Bearer mws_not-a-real-token"}
    outcome = _post(live, "/api/assets", _multipart_body(200 * MIB), headers)
    assert outcome.response.status_code == 401
    assert outcome.response.headers["www-authenticate"] == "Bearer"
    assert outcome.read == 0


def test_oversized_bodies_of_a_signed_in_caller_get_413(live: LiveApi, auth: dict[str, str]) -> None:
    declared = httpx.post(
        f"{live.url}/api/generate",
        headers=auth,
        json={"type": "image", "prompt": "x" * (2 * MIB)},
        timeout=60,
    )
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "too_large"
    assert declared.json()["error"]["message"] == (
        "This route takes at most 1.0 MB of request body; this one is 2.0 MB."
    )

    streamed = _post(live, "/api/generate", _json_body(30 * MIB), {**auth, **JSON})
    assert streamed.response.status_code == 413
    assert streamed.error["code"] == "too_large"
    assert streamed.read <= MIB + len(CHUNK)
    assert streamed.peak < 16 * MIB

    upload = _post(live, "/api/assets", _multipart_body(200 * MIB), {**auth, **MULTIPART})
    assert upload.response.status_code == 413
    assert upload.error["message"] == (
        "This route takes at most 20.1 MB of request body; this one is larger than that."
    )
    assert upload.read <= 21 * MIB


def test_bodies_within_the_limits_still_work(live: LiveApi, auth: dict[str, str]) -> None:
    image = io.BytesIO()
    Image.new("RGB", (64, 36), "teal").save(image, format="PNG")
    project = httpx.post(f"{live.url}/api/projects", headers=auth, json={"name": "Bodies"}, timeout=60)
    assert project.status_code == 201, project.text
    upload = httpx.post(
        f"{live.url}/api/assets",
        headers=auth,
        data={"projectId": project.json()["id"]},
        files={"file": ("start.png", image.getvalue(), "image/png")},
        timeout=60,
    )
    assert upload.status_code == 201, upload.text
