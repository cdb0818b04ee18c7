"""The small files a gallery shows instead of the original: thumbnails, posters, waveforms, excerpts.

Call ``make_previews`` only on a file ``ingest.check_media`` accepted: the pixel budget was enforced
there, and image and video frames are decoded here within the same process-wide decode slots. Variant
names are part of storage keys: images get ``small`` and ``large``, videos ``poster`` and ``small`` (all
WebP), audio ``peaks`` (JSON) and ``wave`` (PNG); text gets an excerpt and no files. A preview that
cannot be made (a video with no decodable frame, audio with no samples) is left out, never an error.
"""

from __future__ import annotations

import io
import json
import math
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageOps

from mediaws.media.ingest import PIL_FORMATS, CheckedMedia
from mediaws.media.inspect import decode_slot

SMALL = 320
LARGE = 1280
WEBP_QUALITY = 80
POSTER_SECONDS = 1.0
POSTER_MAX_FRAMES = 300
PEAK_COUNT = 200
# Peaks are measured at no more than this rate: sound above 8 kHz barely moves a waveform.
PEAK_RATE = 16_000
WAVE_SIZE = (800, 120)
WAVE_COLOUR = (107, 114, 128, 255)
EXCERPT_LINES = 12
EXCERPT_CHARS = 600
AV_ERRORS = (av.FFmpegError, ValueError, IndexError, OSError, EOFError, MemoryError)


@dataclass(frozen=True)
class PreviewFile:
    """One derived file: its variant (``small``, ``large``, ``poster``, ``peaks``, ``wave``) and bytes."""

    variant: str
    mime_type: str
    data: bytes
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Previews:
    """Everything a gallery needs to show an asset without opening it."""

    files: list[PreviewFile] = field(default_factory=list)
    duration_seconds: float | None = None
    peaks: list[float] | None = None
    excerpt: str | None = None


def make_previews(path: Path, checked: CheckedMedia, *, decode_slots: int = 2) -> Previews:
    """The previews of a checked file: thumbnails, a poster, a waveform or an excerpt, by its kind."""
    if checked.kind == "image":
        return Previews(_image_previews(path, decode_slots))
    if checked.kind == "video":
        return Previews(
            _video_previews(path, checked, decode_slots), duration_seconds=checked.duration_seconds
        )
    if checked.kind == "audio":
        return _audio_previews(path, checked)
    return Previews(excerpt=excerpt(path))


def thumbnails(picture: Image.Image, variants: dict[str, int]) -> list[PreviewFile]:
    """WebP copies of a picture fitting each square size (largest first), never enlarged."""
    files = []
    for variant, side in sorted(variants.items(), key=lambda item: -item[1]):
        picture = picture.copy()
        picture.thumbnail((side, side), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        picture.save(buffer, format="WEBP", quality=WEBP_QUALITY)
        files.append(PreviewFile(variant, "image/webp", buffer.getvalue(), picture.width, picture.height))
    return files


def _displayable(picture: Image.Image) -> Image.Image:
    """RGB, or RGBA when the picture has transparency; deep greys scaled down to 8 bits."""
    if picture.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        picture = picture.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    transparent = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    return picture.convert("RGBA" if transparent else "RGB")


def _image_previews(path: Path, decode_slots: int) -> list[PreviewFile]:
    with decode_slot(decode_slots), Image.open(path, formats=list(PIL_FORMATS)) as image:
        image.draft(None, (LARGE, LARGE))
        picture = _displayable(ImageOps.exif_transpose(image))
    return thumbnails(picture, {"large": LARGE, "small": SMALL})


def _video_previews(path: Path, checked: CheckedMedia, decode_slots: int) -> list[PreviewFile]:
    poster = _poster_frame(path, min(POSTER_SECONDS, (checked.duration_seconds or 0) / 2), decode_slots)
    if poster is None:
        return []
    return thumbnails(poster, {"poster": LARGE, "small": SMALL})


def _poster_frame(path: Path, target: float, decode_slots: int) -> Image.Image | None:
    """The first frame ``target`` seconds or more after the first one, else the last decoded; upright."""
    chosen: av.VideoFrame | None = None
    start: float | None = None
    try:
        with av.open(str(path), mode="r") as container:
            stream = next(
                s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic
            )
            if stream.codec_context is None:
                return None
            stream.thread_type = "AUTO"
            with decode_slot(decode_slots):
                for count, frame in enumerate(container.decode(stream)):
                    chosen = frame
                    start = frame.time if start is None else start
                    if frame.time is None or start is None or count >= POSTER_MAX_FRAMES:
                        break
                    if frame.time - start >= target:
                        break
                picture = chosen.to_image() if chosen is not None else None
    except (*AV_ERRORS, StopIteration):
        picture = chosen.to_image() if chosen is not None else None
    if picture is None or chosen is None:
        return None
    rotation = round(chosen.rotation or 0)
    return picture.rotate(rotation, expand=True) if rotation % 360 else picture


def _audio_previews(path: Path, checked: CheckedMedia) -> Previews:
    peaks, seconds = audio_peaks(path, estimate_seconds=checked.duration_seconds)
    data = json.dumps(peaks, separators=(",", ":")).encode()
    files = [
        PreviewFile("peaks", "application/json", data),
        PreviewFile("wave", "image/png", wave_png(peaks), *WAVE_SIZE),
    ]
    return Previews(files, duration_seconds=seconds or checked.duration_seconds, peaks=peaks)


@dataclass
class _PeakBuckets:
    """Running max-abs per bucket of samples; halves its resolution when it holds twice what is wanted."""

    count: int
    size: int
    peaks: list[int] = field(default_factory=list)
    current: int = 0
    filled: int = 0

    def add(self, samples: memoryview) -> None:
        """Fold 16-bit samples into the buckets."""
        start = 0
        while start < len(samples):
            take = min(self.size - self.filled, len(samples) - start)
            piece = samples[start : start + take]
            self.current = max(self.current, max(piece), -min(piece))
            self.filled += take
            start += take
            if self.filled == self.size:
                self._close()

    def _close(self) -> None:
        self.peaks.append(self.current)
        self.current = self.filled = 0
        if len(self.peaks) >= 2 * self.count:
            self.peaks = [max(pair) for pair in zip(self.peaks[::2], self.peaks[1::2], strict=False)]
            self.size *= 2

    def result(self) -> list[float]:
        """At most ``count`` peaks scaled so the loudest is 1 (all 0 for silence)."""
        if self.filled:
            self._close()
        peaks = self.peaks
        if len(peaks) > self.count:
            step = len(peaks) / self.count
            peaks = [
                max(peaks[int(i * step) : max(int((i + 1) * step), int(i * step) + 1)])
                for i in range(self.count)
            ]
        loudest = max(peaks, default=0)
        return [round(p / loudest, 3) if loudest else 0.0 for p in peaks]


def audio_peaks(
    path: Path, *, count: int = PEAK_COUNT, estimate_seconds: float | None = None
) -> tuple[list[float], float]:
    """About ``count`` max-abs peaks (0..1, loudest = 1) of the first audio stream, and its decoded seconds.

    Decodes as it goes, mixed to mono at up to ``PEAK_RATE``, so memory stays flat however long the
    audio; a damaged tail ends the waveform where decoding stopped.
    """
    samples = 0
    rate = 0
    buckets: _PeakBuckets | None = None
    for frame in _mono_frames(path):
        if buckets is None:
            rate = frame.sample_rate
            total = (estimate_seconds or 0) * rate
            buckets = _PeakBuckets(count, max(1, math.ceil(total / count)) if total else 1024)
        pcm = array("h")
        pcm.frombytes(bytes(frame.planes[0])[: frame.samples * 2])
        buckets.add(memoryview(pcm))
        samples += frame.samples
    if buckets is None:
        return [], 0.0
    return buckets.result(), round(samples / rate, 3)


def _mono_frames(path: Path) -> Iterator[av.AudioFrame]:
    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.audio:
                return
            stream = container.streams.audio[0]
            if stream.codec_context is None:
                return
            rate = min(stream.codec_context.sample_rate or PEAK_RATE, PEAK_RATE)
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            try:
                for frame in container.decode(stream):
                    yield from resampler.resample(frame)
            except AV_ERRORS:
                pass
            yield from resampler.resample(None)
    except AV_ERRORS:
        return


def wave_png(peaks: list[float], size: tuple[int, int] = WAVE_SIZE) -> bytes:
    """Peaks drawn as centred bars on a transparent PNG (a flat line when there are none)."""
    width, height = size
    picture = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    middle = height / 2
    if not peaks:
        draw.line([(0, middle), (width, middle)], fill=WAVE_COLOUR, width=1)
    slot = width / len(peaks) if peaks else width
    bar = max(1.0, slot * 0.7)
    for index, peak in enumerate(peaks):
        half = max(0.5, peak * (height - 2) / 2)
        left = index * slot
        draw.rectangle([left, middle - half, left + bar - 1, middle + half], fill=WAVE_COLOUR)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def excerpt(path: Path, *, lines: int = EXCERPT_LINES, chars: int = EXCERPT_CHARS) -> str:
    """The start of a text file: its first ``lines`` lines or ``chars`` characters, ``…`` when cut."""
    with path.open("rb") as file:
        head = file.read(chars * 4 + 4)
    text = head.decode("utf-8-sig", errors="ignore").replace("\r\n", "\n").replace("\r", "\n")
    kept = "\n".join(text.split("\n")[:lines])
    if len(kept) > chars:
        kept = kept[:chars]
    cut = len(kept) < len(text.rstrip())
    kept = kept.rstrip()
    return kept + "…" if cut else kept
