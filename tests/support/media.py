"""Small real media files for tests: fake providers answer with these, since results are now decoded."""

from __future__ import annotations

import io
import math
import wave
from fractions import Fraction
from functools import cache

import av
from PIL import Image

RATE = 24_000


def image(fmt: str = "PNG", size: tuple[int, int] = (16, 12)) -> bytes:
    """A plain image in a Pillow format (PNG, JPEG, WEBP)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 120, 200)).save(buffer, format=fmt)
    return buffer.getvalue()


def pcm(seconds: float = 0.25, rate: int = RATE) -> bytes:
    """16-bit mono PCM of a quiet tone."""
    count = int(seconds * rate)
    samples = (int(3000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(count))
    return b"".join(s.to_bytes(2, "little", signed=True) for s in samples)


def wav(seconds: float = 0.25, rate: int = RATE) -> bytes:
    """A mono 16-bit WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm(seconds, rate))
    return buffer.getvalue()


@cache
def encoded_audio(fmt: str = "mp3", codec: str = "libmp3lame", seconds: float = 0.5) -> bytes:
    """Audio encoded by PyAV (MP3 by default; e.g. ``("ogg", "libopus")``)."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=RATE if codec != "libopus" else 48_000)
        stream.layout = "mono"  # type: ignore[union-attr]
        rate = stream.codec_context.sample_rate  # type: ignore[union-attr]
        frame_size = stream.codec_context.frame_size or 1024  # type: ignore[union-attr]
        data = pcm(seconds, rate)
        step = frame_size * 2
        for start in range(0, len(data) - step + 1, step):
            frame = av.AudioFrame(format="s16", layout="mono", samples=frame_size)
            frame.planes[0].update(data[start : start + step])
            frame.sample_rate = rate
            frame.pts = start // 2
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):  # type: ignore[attr-defined]
                container.mux(packet)
        for packet in stream.encode(None):  # type: ignore[attr-defined]
            container.mux(packet)
    return buffer.getvalue()


def mp3(seconds: float = 0.5) -> bytes:
    """An MP3 file."""
    return encoded_audio("mp3", "libmp3lame", seconds)


@cache
def mp4(seconds: float = 0.5, size: tuple[int, int] = (64, 48)) -> bytes:
    """An MP4 video of a plain colour."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height = size  # type: ignore[union-attr]
        stream.pix_fmt = "yuv420p"  # type: ignore[union-attr]
        for index in range(max(1, int(seconds * 10))):
            frame = av.VideoFrame.from_image(Image.new("RGB", size, (index * 20 % 255, 80, 160)))
            frame.pts = index
            for packet in stream.encode(frame):  # type: ignore[attr-defined]
                container.mux(packet)
        for packet in stream.encode(None):  # type: ignore[attr-defined]
            container.mux(packet)
    return buffer.getvalue()
