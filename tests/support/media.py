"""Small real media files for tests: fake providers answer with these, since results are now decoded."""

from __future__ import annotations

import io
import math
import tempfile
import wave
import zlib
from fractions import Fraction
from functools import cache
from pathlib import Path

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


@cache
def video(
    fmt: str = "mp4",
    codec: str = "mpeg4",
    seconds: float = 1.0,
    size: tuple[int, int] = (64, 48),
    *,
    rate: int = 10,
    faststart: bool = False,
    with_audio: bool = False,
) -> bytes:
    """A video whose frames change colour each frame (``("webm", "libvpx")`` for WebM).

    ``faststart`` puts the MP4 index before the media data, as web-ready MP4s have it.
    """
    options = {"movflags": "faststart"} if faststart else {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"video.{fmt}"
        _write_video(path, fmt, codec, seconds, size, rate=rate, options=options, with_audio=with_audio)
        return path.read_bytes()


def _write_video(
    path: Path,
    fmt: str,
    codec: str,
    seconds: float,
    size: tuple[int, int],
    *,
    rate: int,
    options: dict[str, str],
    with_audio: bool,
) -> None:
    with av.open(str(path), mode="w", format=fmt, options=options) as container:
        stream = container.add_stream(codec, rate=rate)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        sound = None
        if with_audio:
            sound = container.add_stream("libopus" if fmt == "webm" else "aac", rate=48_000)
            assert isinstance(sound, av.AudioStream)
            sound.layout = "mono"
        count = max(1, round(seconds * rate))
        for index in range(count):
            colour = (index * 40 % 255, 80, 255 - index * 40 % 255)
            frame = av.VideoFrame.from_image(Image.new("RGB", size, colour))
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        if sound is not None:
            _encode_tone(container, sound, count / rate)


def _encode_tone(container: av.container.OutputContainer, stream: av.AudioStream, seconds: float) -> None:
    rate = stream.codec_context.sample_rate
    frame_size = stream.codec_context.frame_size or 1024
    data = pcm(seconds, rate)
    step = frame_size * 2
    for start in range(0, len(data) - step + 1, step):
        frame = av.AudioFrame(format="s16", layout="mono", samples=frame_size)
        frame.planes[0].update(data[start : start + step])
        frame.sample_rate = rate
        frame.pts = start // 2
        frame.time_base = Fraction(1, rate)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def webm(seconds: float = 1.0, size: tuple[int, int] = (64, 48)) -> bytes:
    """A VP8 WebM video."""
    return video("webm", "libvpx", seconds, size)


def ogg(seconds: float = 0.5) -> bytes:
    """Opus audio in an Ogg file."""
    return encoded_audio("ogg", "libopus", seconds)


def gif(frames: int = 3, size: tuple[int, int] = (32, 24)) -> bytes:
    """An animated GIF whose frames are different colours."""
    images = [
        Image.new("RGB", size, (index * 50 % 256, 90, 200 - index * 50 % 200)) for index in range(frames)
    ]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return buffer.getvalue()


def jpeg_oriented(size: tuple[int, int] = (40, 20), orientation: int = 6) -> bytes:
    """A JPEG stored ``size`` wide and high whose EXIF says to turn it (6: a quarter turn clockwise)."""
    picture = Image.new("RGB", size, (200, 40, 40))
    picture.paste((40, 40, 200), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` by ``height`` pixels (a decompression bomb's disguise)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    rows = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def wav_of(samples: bytes, rate: int = RATE) -> bytes:
    """A mono 16-bit WAV holding exactly these samples (may be none)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples)
    return buffer.getvalue()
