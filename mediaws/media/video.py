"""Video and compressed audio with PyAV (FFmpeg's libraries bundled): pan-and-zoom frames, MP4, MP3."""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.codec import Codec
from PIL import Image, ImageOps

from mediaws.media.scratch import render_dir
from mediaws.media.speech import SAMPLE_WIDTH, Pcm

AUDIO_CHUNK = 1024
FADE_IN_SECONDS = 0.75
FADE_LEVELS = 12
MAX_ZOOM = 1.25
VIDEO_CODECS = ("libx264", "mpeg4")


@dataclass(frozen=True)
class Probe:
    """What a media file holds, as PyAV reads it back."""

    duration_seconds: float
    width: int | None
    height: int | None
    video_codec: str | None
    audio_codec: str | None
    audio_seconds: float | None


def has_encoder(name: str) -> bool:
    """Whether PyAV's FFmpeg build can encode with this codec."""
    try:
        Codec(name, "w")
    except (av.FFmpegError, ValueError):
        return False
    return True


def video_codec() -> str:
    """H.264 when the bundled FFmpeg has libx264, else MPEG-4 part 2."""
    return next((name for name in VIDEO_CODECS if has_encoder(name)), VIDEO_CODECS[-1])


def _smooth(t: float) -> float:
    return t * t * (3 - 2 * t)


def _faded(overlay: Image.Image, level: float) -> Image.Image:
    faded = overlay.copy()
    faded.putalpha(overlay.getchannel("A").point(lambda alpha: round(alpha * level)))
    return faded


def cover(image: Image.Image, width: int, height: int) -> Image.Image:
    """Scale and centre-crop an image to fill exactly width x height."""
    return ImageOps.fit(image.convert("RGB"), (width, height), Image.Resampling.LANCZOS)


def pan_zoom_frames(
    base: Image.Image,
    width: int,
    height: int,
    count: int,
    rng: random.Random,
    overlay: Image.Image | None = None,
    fps: int = 24,
) -> Iterator[Image.Image]:
    """Frames of an eased pan and zoom over ``base`` (best ``MAX_ZOOM`` times the frame), overlay on top."""
    base_width, base_height = base.size
    zoom_from, zoom_to = (1.0, MAX_ZOOM) if rng.random() < 0.5 else (MAX_ZOOM, 1.0)
    start = (rng.random(), rng.random())
    end = (rng.random(), rng.random())
    fade_frames = max(1, round(FADE_IN_SECONDS * fps))
    box = overlay.getbbox() if overlay is not None else None
    corner = (box[0], box[1]) if box else (0, 0)
    fades = (
        [_faded(overlay.crop(box), (i + 1) / FADE_LEVELS) for i in range(FADE_LEVELS)]
        if overlay and box
        else []
    )
    for index in range(count):
        t = _smooth(index / max(1, count - 1))
        zoom = zoom_from + (zoom_to - zoom_from) * t
        window_width, window_height = base_width / zoom, base_height / zoom
        fx = start[0] + (end[0] - start[0]) * t
        fy = start[1] + (end[1] - start[1]) * t
        left = (base_width - window_width) * fx
        top = (base_height - window_height) * fy
        window = (left, top, left + window_width, top + window_height)
        frame = base.resize((width, height), Image.Resampling.BILINEAR, box=window)
        if fades:
            level = min(1.0, (index + 1) / fade_frames)
            layer = fades[max(0, round(level * FADE_LEVELS) - 1)]
            frame.paste(layer, corner, layer)
        yield frame


def _audio_frames(pcm: Pcm) -> Iterator[av.AudioFrame]:
    step = AUDIO_CHUNK * SAMPLE_WIDTH
    for offset in range(0, len(pcm.samples), step):
        chunk = pcm.samples[offset : offset + step]
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // SAMPLE_WIDTH)
        frame.planes[0].update(chunk)
        frame.sample_rate = pcm.sample_rate
        frame.pts = offset // SAMPLE_WIDTH
        frame.time_base = Fraction(1, pcm.sample_rate)
        yield frame


def mp3_bytes(pcm: Pcm, bit_rate: int = 64_000) -> bytes:
    """Encode the samples as MP3 (LAME, bundled with PyAV)."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=pcm.sample_rate)
        stream.codec_context.layout = "mono"
        stream.codec_context.bit_rate = bit_rate
        for frame in _audio_frames(pcm):
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def encode_mp4(
    frames: Iterable[Image.Image],
    *,
    width: int,
    height: int,
    fps: int,
    audio: Pcm | None = None,
    codec: str | None = None,
    on_frame: Callable[[int], None] | None = None,
) -> bytes:
    """Encode RGB frames (and mono audio as AAC) as a fast-start MP4; ``on_frame`` may raise to stop."""
    name = codec or video_codec()
    options = {"preset": "veryfast", "crf": "23"} if name == "libx264" else {"qscale": "4"}
    with render_dir() as folder:
        path = folder / "video.mp4"
        _write_mp4(path, frames, width, height, fps, audio, name, options, on_frame)
        return path.read_bytes()


def _write_mp4(
    path: Path,
    frames: Iterable[Image.Image],
    width: int,
    height: int,
    fps: int,
    audio: Pcm | None,
    name: str,
    options: dict[str, str],
    on_frame: Callable[[int], None] | None,
) -> None:
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
        video = container.add_stream(name, rate=fps, options=options)
        assert isinstance(video, av.VideoStream)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        sound = None
        if audio is not None:
            sound = container.add_stream("aac", rate=audio.sample_rate)
            sound.codec_context.layout = "mono"
            sound.codec_context.bit_rate = 96_000
        pending = list(_audio_frames(audio)) if audio is not None else []
        pending.reverse()
        for index, image in enumerate(frames):
            if on_frame is not None:
                on_frame(index)
            frame = av.VideoFrame.from_image(image)
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            container.mux(video.encode(frame))
            while sound is not None and pending and (pending[-1].time or 0.0) <= (index + 1) / fps:
                container.mux(sound.encode(pending.pop()))
        container.mux(video.encode(None))
        if sound is not None:
            while pending:
                container.mux(sound.encode(pending.pop()))
            container.mux(sound.encode(None))


def probe(data: bytes) -> Probe:
    """Read back duration, frame size and codecs of a media file."""
    with av.open(io.BytesIO(data), mode="r") as container:
        video = next(iter(container.streams.video), None)
        sound = next(iter(container.streams.audio), None)
        duration = (container.duration or 0) / av.time_base
        audio_seconds = None
        if sound is not None and sound.duration is not None and sound.time_base is not None:
            audio_seconds = float(sound.duration * sound.time_base)
        return Probe(
            duration_seconds=duration,
            width=video.codec_context.width if video else None,
            height=video.codec_context.height if video else None,
            video_codec=video.codec_context.name if video else None,
            audio_codec=sound.codec_context.name if sound else None,
            audio_seconds=audio_seconds,
        )
