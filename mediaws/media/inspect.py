"""Decode files before believing them: images in a pixel budget, audio and video by PyAV, raw PCM by size.

Uploads and provider results share these checks. Each refusal is an ``UnreadableMedia`` whose ``reason``
is worded for a person (``it looks like text: "Hello!"``, ``9000 by 9000 pixels is above …``).
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Literal

import av
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
UPLOAD_FORMATS = ("PNG", "JPEG", "WEBP")
RAW_AUDIO = {"audio/l16": 2, "audio/pcm": 2, "audio/basic": 1, "audio/x-alaw-basic": 1}
CONTAINERS: dict[str, dict[str, str]] = {
    "audio": {
        "mp3": "audio/mpeg",
        "wav": "audio/wav",
        "ogg": "audio/ogg",
        "flac": "audio/flac",
        "aac": "audio/aac",
        "mov": "audio/mp4",
        "matroska": "audio/webm",
    },
    "video": {"mov": "video/mp4", "matroska": "video/webm", "avi": "video/x-msvideo", "gif": "image/gif"},
}
SIGNATURES = (
    (0, b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"GIF8", "a GIF image"),
    (0, b"%PDF", "a PDF document"),
    (0, b"PK\x03\x04", "a ZIP archive"),
    (0, b"ID3", "MP3 audio"),
    (0, b"OggS", "Ogg audio"),
    (0, b"fLaC", "FLAC audio"),
    (4, b"ftyp", "an MP4 file"),
    (0, b"\x1aE\xdf\xa3", "a WebM or Matroska file"),
)
PREVIEW_CHARS = 60
TIMES = "\u00d7"


class UnreadableMedia(ValueError):
    """The bytes are not the media they should be; ``reason`` says why in words a person understands."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TooManyPixels(UnreadableMedia):
    """An image whose header promises more pixels than the budget allows; it was not decoded."""


@dataclass(frozen=True)
class Checked:
    """What decoding proved about a file: its real type and, where known, size and length."""

    mime_type: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None


def megapixels(pixels: int) -> str:
    """A pixel count in megapixels for messages (40_000_000 → "40")."""
    return f"{pixels / 1_000_000:g}"


def over_budget(width: int, height: int, max_pixels: int) -> str:
    """The refusal for an image with too many pixels, naming its size and the limit."""
    return f"{width}{TIMES}{height} pixels is above the {megapixels(max_pixels)} megapixel limit."


def looks_like(data: bytes) -> str:
    """A short guess at what some bytes are, for messages ("it looks like text: "Hello!"")."""
    if not data:
        return "it is empty"
    if data[:4] == b"RIFF" and data[8:12] in (b"WAVE", b"WEBP"):
        return "it looks like " + ("WAV audio" if data[8:12] == b"WAVE" else "a WebP image")
    for offset, magic, name in SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return f"it looks like {name}"
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return f"it is {len(data):,} bytes of unrecognised data"
    stripped = text.strip()
    if stripped.lower().startswith(("<!doctype html", "<html")):
        return "it looks like an HTML page"
    shown = "".join(ch if ch.isprintable() else " " for ch in " ".join(stripped.split()))
    if len(shown) > PREVIEW_CHARS:
        shown = shown[:PREVIEW_CHARS] + "…"
    if stripped[:1] in ("{", "[") and _is_json(data):
        return f"it looks like JSON text: {shown}"
    return f'it looks like text: "{shown}"'


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


@cache
def _decode_slots(count: int) -> threading.BoundedSemaphore:
    """The process-wide limit on images decoded at once (one semaphore per configured count)."""
    return threading.BoundedSemaphore(count)


@contextmanager
def decode_slot(count: int) -> Iterator[None]:
    """Hold one of ``count`` process-wide decode slots for the block."""
    with _decode_slots(max(1, count)):
        yield


def check_image(
    data: bytes,
    *,
    max_pixels: int,
    decode_slots: int = 2,
    formats: Collection[str] = tuple(IMAGE_FORMATS),
) -> Checked:
    """Read the header, refuse more than ``max_pixels``, then decode fully under the decode-slot limit."""
    try:
        with Image.open(io.BytesIO(data), formats=list(formats)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise TooManyPixels(over_budget(width, height, max_pixels))
            fmt = image.format or ""
            with decode_slot(decode_slots):
                image.load()
    except Image.DecompressionBombError as exc:
        raise TooManyPixels(
            f"The image is above the {megapixels(max_pixels)} megapixel limit ({exc})."
        ) from None
    except UnreadableMedia:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        Image.DecompressionBombWarning,
    ):
        raise UnreadableMedia(_damaged(data, "image")) from None
    return Checked(IMAGE_FORMATS[fmt], width=width, height=height)


def _damaged(data: bytes, kind: str) -> str:
    guess = looks_like(data)
    if kind == "image" and guess.endswith(" image"):
        return guess.replace("it looks like", "it is") + " that could not be decoded (damaged or cut short)"
    if kind == "audio" and guess.endswith(" audio"):
        return guess.replace("it looks like", "it is") + " that could not be decoded (damaged or cut short)"
    return guess


def check_raw_audio(data: bytes, mime_type: str) -> Checked:
    """Raw PCM/μ-law/A-law has no header: refuse empty, odd-sized 16-bit, or text-looking bodies."""
    width = RAW_AUDIO[mime_type.split(";")[0].strip().lower()]
    if not data:
        raise UnreadableMedia("it is empty")
    guess = looks_like(data)
    if guess.startswith(("it looks like text", "it looks like JSON", "it looks like an HTML")):
        raise UnreadableMedia(guess)
    if len(data) % width:
        raise UnreadableMedia(f"it is {len(data):,} bytes, not a whole number of {width * 8}-bit samples")
    return Checked(mime_type)


def is_raw_audio(mime_type: str) -> bool:
    """Whether a media type names headerless audio (raw PCM, μ-law, A-law)."""
    return mime_type.split(";")[0].strip().lower() in RAW_AUDIO


def check_av(data: bytes, kind: Literal["audio", "video"], *, max_pixels: int) -> Checked:
    """Open with PyAV, require a known container with a ``kind`` stream, and decode its first frame."""
    if not data:
        raise UnreadableMedia("it is empty")
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            family = container.format.name.split(",")[0]
            mime = CONTAINERS[kind].get(family)
            videos, audios = container.streams.video, container.streams.audio
            if mime is None or not (videos if kind == "video" else audios):
                raise UnreadableMedia(_damaged(data, kind) if mime is None else f"it has no {kind} in it")
            width = height = None
            if kind == "video":
                width, height = videos[0].codec_context.width, videos[0].codec_context.height
                if width * height > max_pixels:
                    raise TooManyPixels(over_budget(width, height, max_pixels))
            stream: av.stream.Stream = videos[0] if kind == "video" else audios[0]
            if next(iter(container.decode(stream)), None) is None:
                raise UnreadableMedia(f"its {kind} could not be decoded")
            duration = _duration(container, stream)
    except UnreadableMedia:
        raise
    except (av.FFmpegError, ValueError, IndexError, OSError, EOFError):
        raise UnreadableMedia(_damaged(data, kind)) from None
    return Checked(mime, width=width or None, height=height or None, duration_seconds=duration)


def _duration(container: av.container.InputContainer, stream: av.stream.Stream) -> float | None:
    if container.duration:
        return round(container.duration / av.time_base, 3)
    if stream.duration and stream.time_base:
        return round(float(stream.duration * stream.time_base), 3)
    return None
