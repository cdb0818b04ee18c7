"""Check a file someone brings before keeping it: its real type, its size, and that it decodes to the end.

The type comes from the bytes (``sniff``), never the name. A name whose extension says another type is
refused (``This file is named .png but is a JPEG image.``); a name with no extension, or one mediaws does
not know (``clip.bin``, ``Scan 2024.01.02``), is judged by content alone. Text has no magic bytes, so a
file is text only when it is named ``.txt``/``.md``/``.markdown`` and decodes as UTF-8 without binary
control characters.

Files are read from disk in pieces; only images and text (each below its byte limit) are read whole.
Video and audio are demuxed to the last packet so a file cut short is refused, not kept half: MP4,
WebM and WAV state their length, so falling short of it is caught; MP3 and Ogg are streams without a
trustworthy stated length, and one cut short is kept for what it holds.
Every refusal is a ``MediaRefused`` whose ``reason`` is a whole sentence for the person uploading.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Literal

import av
from PIL import Image

from mediaws.media.inspect import (
    TIMES,
    TooManyPixels,
    UnreadableMedia,
    check_image,
    decode_slot,
    looks_like,
    megapixels,
)
from mediaws.media.sniff import HEAD_BYTES, sniff

Kind = Literal["image", "video", "audio", "text"]
KINDS: dict[str, Kind] = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "image/gif": "image",
    "video/mp4": "video",
    "video/webm": "video",
    "audio/mpeg": "audio",
    "audio/wav": "audio",
    "audio/ogg": "audio",
    "text/plain": "text",
    "text/markdown": "text",
}
EXTENSIONS = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".jfif": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".wave": "audio/wav",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
}
DESCRIPTIONS = {
    "image/jpeg": "a JPEG image",
    "image/png": "a PNG image",
    "image/webp": "a WebP image",
    "image/gif": "a GIF image",
    "video/mp4": "an MP4 video",
    "video/webm": "a WebM video",
    "audio/mpeg": "MP3 audio",
    "audio/wav": "WAV audio",
    "audio/ogg": "Ogg audio",
    "text/plain": "text",
    "text/markdown": "Markdown text",
}
SHORT_NAMES = {
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/webp": "WebP image",
    "image/gif": "GIF image",
    "video/mp4": "MP4 video",
    "video/webm": "WebM video",
    "audio/mpeg": "MP3 file",
    "audio/wav": "WAV file",
    "audio/ogg": "Ogg file",
}
CONTAINER_FAMILIES = {"video/mp4": "mov", "video/webm": "matroska", "audio/mpeg": "mp3", "audio/wav": "wav",
                      "audio/ogg": "ogg"}  # fmt: skip
# Containers whose header states the length exactly, so demuxing that stops early means the file was cut.
EXACT_LENGTH = {"video/mp4", "video/webm", "audio/wav"}
PIL_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
SUPPORTED = "an image (PNG, JPEG, WebP, GIF), a video (MP4, WebM), audio (MP3, WAV, Ogg) or text (.txt, .md)"
# Control characters that never appear in text people write (tab, newlines and form feed are allowed).
BINARY_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Seconds a complete file's packets may fall short of its stated length, beyond one packet's step.
CUT_SHORT_SLACK = 0.05
# A first frame must come out of this many packets (decoders may hold a few back for reordering).
FIRST_FRAME_PACKETS = 64
ORIENTATION_TAG = 0x0112
SWAPPED_ORIENTATIONS = {5, 6, 7, 8}
NOUNS: dict[Kind, tuple[str, str]] = {
    "image": ("image", "images"),
    "video": ("video", "videos"),
    "audio": ("audio file", "audio files"),
    "text": ("text file", "text files"),
}


class MediaRefused(UnreadableMedia):
    """A file ``check_media`` will not keep; ``reason`` is a sentence for the person and ``code`` says why.

    Codes: ``empty``, ``unsupported``, ``mismatch``, ``too_big``, ``too_many_pixels``, ``too_long``,
    ``damaged``, ``missing_stream``, ``not_text``.
    """

    def __init__(self, reason: str, *, code: str) -> None:
        super().__init__(reason)
        self.code = code


class PixelsRefused(MediaRefused, TooManyPixels):
    """Refused for more pixels than the budget (an image, a video frame or a whole animation)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, code="too_many_pixels")


@dataclass(frozen=True)
class MediaLimits:
    """The largest file kept of each kind, in bytes, and the longest video and audio, in seconds."""

    image_bytes: int
    video_bytes: int
    audio_bytes: int
    text_bytes: int
    video_seconds: float = 4 * 3600
    audio_seconds: float = 10 * 3600

    def bytes_for(self, kind: Kind) -> int:
        """The byte limit for one kind of file."""
        return {"image": self.image_bytes, "video": self.video_bytes, "audio": self.audio_bytes,
                "text": self.text_bytes}[kind]  # fmt: skip


@dataclass(frozen=True)
class CheckedMedia:
    """What checking proved about a file: its kind, real mime type and size, and what it has of the rest.

    ``width``/``height`` are as displayed (after EXIF or display-matrix rotation); ``frames`` counts
    GIF frames or video packets.
    """

    kind: Kind
    mime_type: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    frames: int | None = None


def check_media(
    path: Path, *, filename: str, limits: MediaLimits, max_pixels: int, decode_slots: int
) -> CheckedMedia:
    """Prove what the file at ``path`` is (named ``filename`` by its owner) or raise ``MediaRefused``."""
    size = path.stat().st_size
    if size == 0:
        raise MediaRefused("The file is empty.", code="empty")
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    extension = _extension(filename)
    named = EXTENSIONS.get(extension)
    mime = sniff(head)
    if mime is None:
        if named is not None and KINDS[named] == "text":
            mime = named
        else:
            raise MediaRefused(_unknown(head, size, extension, named), code="unsupported")
    elif named is not None and named != mime:
        raise MediaRefused(f"This file is named {extension} but is {DESCRIPTIONS[mime]}.", code="mismatch")
    kind = KINDS[mime]
    limit = limits.bytes_for(kind)
    if size > limit:
        one, many = NOUNS[kind]
        sizes = f"{over_size(size, limit)}; {many} are limited to {human_bytes(limit)}"
        raise MediaRefused(f"This {one} is {sizes}.", code="too_big")
    if kind == "image":
        return _check_image(path, mime, size, max_pixels=max_pixels, decode_slots=decode_slots)
    if kind == "text":
        return _check_text(path, mime, size, extension)
    longest = limits.video_seconds if kind == "video" else limits.audio_seconds
    return _check_av(path, mime, size, longest=longest, max_pixels=max_pixels, decode_slots=decode_slots)


def human_bytes(size: int) -> str:
    """A byte count for messages: ``512 bytes``, ``12.5 KB``, ``20 MB``, ``2.1 GB`` (1 KB = 1024 bytes)."""
    if size < 1024:
        return f"{size:,} bytes"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f}".removesuffix(".0") + f" {unit}"
        value /= 1024
    return f"{value:,.1f}".removesuffix(".0") + " GB"


def over_size(size: int, limit: int) -> str:
    """A size just over a limit, with enough decimals to differ from it (``20.03 MB``, not ``20 MB``)."""
    shown = human_bytes(size)
    if shown != human_bytes(limit) or size < 1024 * 1024:
        return shown
    return f"{size / (1024 * 1024):.2f} MB"


def human_seconds(seconds: float) -> str:
    """A length for messages: ``45 seconds``, ``12 minutes``, ``4 hours``, ``5 h 3 min``."""
    if seconds < 60:
        return f"{round(seconds)} seconds" if round(seconds) != 1 else "1 second"
    minutes = round(seconds / 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes} minutes" if minutes != 1 else "1 minute"
    if not rest:
        return f"{hours} hours" if hours != 1 else "1 hour"
    return f"{hours} h {rest} min"


def _extension(filename: str) -> str:
    name = PureWindowsPath(filename or "").name.strip().lower()
    _, dot, extension = name.rpartition(".")
    return f".{extension}" if dot and extension and " " not in extension else ""


def _unknown(head: bytes, size: int, extension: str, named: str | None) -> str:
    guess = looks_like(head) if size <= len(head) else _guess_head(head)
    if named is not None:
        return f"This file is named {extension} but is not {DESCRIPTIONS[named]} ({guess})."
    return f"This type of file is not supported ({guess}). Upload {SUPPORTED}."


def _guess_head(head: bytes) -> str:
    guess = looks_like(head)
    return "its contents were not recognised" if guess.endswith("of unrecognised data") else guess


def _damaged(mime: str) -> MediaRefused:
    return MediaRefused(
        f"This {SHORT_NAMES[mime]} could not be read to the end; it is damaged or cut short.", code="damaged"
    )


def _check_image(path: Path, mime: str, size: int, *, max_pixels: int, decode_slots: int) -> CheckedMedia:
    data = path.read_bytes()
    frames = 1
    try:
        if mime == "image/gif":
            frames = _check_animation(data, max_pixels=max_pixels, decode_slots=decode_slots)
        checked = check_image(data, max_pixels=max_pixels, decode_slots=decode_slots, formats=PIL_FORMATS)
    except MediaRefused:
        raise
    except (TooManyPixels, Image.DecompressionBombError) as exc:
        detail = f"it is above the {megapixels(max_pixels)} megapixel limit."
        if isinstance(exc, TooManyPixels) and exc.reason.endswith(" megapixel limit."):
            detail = exc.reason
        raise PixelsRefused(f"This image is too large: {detail}") from None
    except (UnreadableMedia, OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error):
        raise _damaged(mime) from None
    if checked.mime_type != mime or checked.width is None or checked.height is None:
        raise _damaged(mime)
    width, height = checked.width, checked.height
    if _orientation(data) in SWAPPED_ORIENTATIONS:
        width, height = height, width
    return CheckedMedia("image", mime, size, width=width, height=height, frames=frames)


def _check_animation(data: bytes, *, max_pixels: int, decode_slots: int) -> int:
    """Count a GIF's frames from their headers, refuse frames times pixels over budget, then decode them."""
    with Image.open(io.BytesIO(data), formats=["GIF"]) as image:
        width, height = image.size
        frames = getattr(image, "n_frames", 1)
        if frames > 1 and frames * width * height > max_pixels:
            raise PixelsRefused(
                f"This animation is too large: {frames} frames of {width}{TIMES}{height} pixels is above "
                f"the {megapixels(max_pixels)} megapixel limit for animations."
            )
        with decode_slot(decode_slots):
            for index in range(frames):
                image.seek(index)
                image.load()
    return frames


def _orientation(data: bytes) -> int:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return int(image.getexif().get(ORIENTATION_TAG, 1))
    except (OSError, ValueError, SyntaxError, TypeError, IndexError, struct.error):
        return 1


def _check_text(path: Path, mime: str, size: int, extension: str) -> CheckedMedia:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MediaRefused(
            f"This file is named {extension} but is not UTF-8 text; save it as UTF-8 and upload it again.",
            code="not_text",
        ) from None
    if BINARY_CONTROLS.search(text):
        raise MediaRefused(
            f"This file is named {extension} but is not plain text: it contains binary data.", code="not_text"
        )
    return CheckedMedia("text", mime, size)


def _check_av(
    path: Path, mime: str, size: int, *, longest: float, max_pixels: int, decode_slots: int
) -> CheckedMedia:
    kind: Kind = "video" if mime.startswith("video/") else "audio"
    try:
        with av.open(str(path), mode="r") as container:
            if container.format.name.split(",")[0] != CONTAINER_FAMILIES[mime]:
                raise _damaged(mime)
            return _demux(container, mime, size, kind, longest, max_pixels, decode_slots)
    except MediaRefused:
        raise
    except (av.FFmpegError, ValueError, IndexError, OSError, EOFError, MemoryError):
        raise _damaged(mime) from None


def _demux(
    container: av.container.InputContainer,
    mime: str,
    size: int,
    kind: Kind,
    longest: float,
    max_pixels: int,
    decode_slots: int,
) -> CheckedMedia:
    main = _main_stream(container, mime, kind)
    if main.codec_context is None:
        raise _damaged(mime)
    width = height = None
    if isinstance(main, av.VideoStream):
        width, height = main.codec_context.width, main.codec_context.height
        if not width or not height:
            raise _damaged(mime)
        if width * height > max_pixels:
            raise PixelsRefused(
                f"This video is too large: {width}{TIMES}{height} pixels is above the "
                f"{megapixels(max_pixels)} megapixel limit."
            )
    stated = container.duration / av.time_base if container.duration else None
    if stated is not None and stated > longest:
        raise _too_long(kind, stated, longest)
    first: list[av.VideoFrame] | list[av.AudioFrame] = []
    packets = 0
    reach = _Reach()
    for packet in container.demux():
        if packet.size == 0 and packet.pts is None:
            continue
        if packet.is_corrupt:
            raise _damaged(mime)
        reach.add(packet)
        if packet.stream.index != main.index:
            continue
        packets += 1
        if not first and packets <= FIRST_FRAME_PACKETS:
            with decode_slot(decode_slots):
                first = main.decode(packet)
    if not packets:
        raise _missing(mime, kind)
    if not first:
        with decode_slot(decode_slots):
            first = main.decode(None)
    if not first or (mime in EXACT_LENGTH and reach.cut_short(stated, packets, main)):
        raise _damaged(mime)
    if isinstance(first[0], av.VideoFrame) and round(first[0].rotation or 0) % 180 == 90:
        width, height = height, width
    duration = round(stated if stated is not None and mime != "audio/mpeg" else reach.seconds, 3)
    if duration > longest:
        raise _too_long(kind, duration, longest)
    return CheckedMedia(
        kind, mime, size, width=width, height=height, duration_seconds=duration,
        frames=packets if kind == "video" else None,
    )  # fmt: skip


def _main_stream(
    container: av.container.InputContainer, mime: str, kind: Kind
) -> av.VideoStream | av.AudioStream:
    """The first video (not cover art) or audio stream, or a refusal naming what is missing."""
    streams: tuple[av.VideoStream, ...] | tuple[av.AudioStream, ...] = (
        container.streams.video if kind == "video" else container.streams.audio
    )
    for stream in streams:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    raise _missing(mime, kind)


def _missing(mime: str, kind: Kind) -> MediaRefused:
    noun = "video" if kind == "video" else "sound"
    return MediaRefused(
        f"This {SHORT_NAMES[mime].split()[0]} file has no {noun} in it.", code="missing_stream"
    )


@dataclass
class _Reach:
    """How far demuxing got: the earliest and latest time of any packet, and the widest step between two."""

    first: float | None = None
    end: float = 0.0
    step: float = 0.0
    last_dts: dict[int, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """The length the packets cover."""
        return max(0.0, self.end - (self.first or 0.0))

    def add(self, packet: av.Packet) -> None:
        """Take one packet's times into account."""
        if packet.pts is None or packet.time_base is None:
            return
        base = packet.time_base
        start = float(packet.pts * base)
        length = float((packet.duration or 0) * base)
        self.first = start if self.first is None else min(self.first, start)
        self.end = max(self.end, start + length)
        self.step = max(self.step, length)
        if packet.dts is not None:
            dts = float(packet.dts * base)
            previous = self.last_dts.get(packet.stream_index)
            if previous is not None:
                self.step = max(self.step, dts - previous)
            self.last_dts[packet.stream_index] = dts

    def cut_short(self, stated: float | None, packets: int, main: av.stream.Stream) -> bool:
        """Whether the header promised more packets, or more seconds than a packet's step, than were found."""
        if main.frames and packets < main.frames:
            return True
        return stated is not None and self.seconds < stated - self.step - CUT_SHORT_SLACK


def _too_long(kind: Kind, seconds: float, longest: float) -> MediaRefused:
    one, many = NOUNS[kind]
    return MediaRefused(
        f"This {one} is {human_seconds(seconds)} long; {many} are limited to {human_seconds(longest)}.",
        code="too_long",
    )
