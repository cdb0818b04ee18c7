"""Previews a gallery shows: thumbnails, posters, waveforms and excerpts, made from real files."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import av
import pytest
from PIL import Image

from mediaws.media.ingest import CheckedMedia, MediaLimits, check_media
from mediaws.media.previews import Previews, audio_peaks, make_previews
from tests.support import media

MB = 1024 * 1024
LIMITS = MediaLimits(image_bytes=20 * MB, video_bytes=100 * MB, audio_bytes=100 * MB, text_bytes=MB)


def previews(tmp_path: Path, data: bytes, filename: str) -> Previews:
    path = tmp_path / filename
    path.write_bytes(data)
    checked = check_media(path, filename=filename, limits=LIMITS, max_pixels=40_000_000, decode_slots=2)
    return make_previews(path, checked, decode_slots=2)


def picture(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def variants(result: Previews) -> dict[str, tuple[str, tuple[int, int]]]:
    """Each image file's mime type and decoded size, by variant."""
    return {
        f.variant: (f.mime_type, picture(f.data).size)
        for f in result.files
        if f.mime_type.startswith("image/")
    }


@pytest.mark.parametrize(
    ("fmt", "size", "large", "small"),
    [
        ("PNG", (2000, 1000), (1280, 640), (320, 160)),
        ("JPEG", (900, 1800), (640, 1280), (160, 320)),
        ("WEBP", (500, 500), (500, 500), (320, 320)),
        ("PNG", (100, 50), (100, 50), (100, 50)),
    ],
)
def test_images_get_small_and_large_webp_thumbnails(
    tmp_path: Path, fmt: str, size: tuple[int, int], large: tuple[int, int], small: tuple[int, int]
) -> None:
    """Thumbnails fit 1280 and 320 squares, keep the shape, and a small image is never enlarged."""
    result = previews(tmp_path, media.image(fmt, size), f"picture.{fmt.lower()}")
    assert variants(result) == {"large": ("image/webp", large), "small": ("image/webp", small)}
    assert [(f.width, f.height) for f in result.files] == [large, small]


def test_a_turned_photo_gives_upright_thumbnails(tmp_path: Path) -> None:
    """A JPEG whose EXIF says turn a quarter clockwise is shown tall, its left half now on top."""
    result = previews(tmp_path, media.jpeg_oriented((400, 200), orientation=6), "portrait.jpg")
    assert variants(result)["large"] == ("image/webp", (200, 400))
    small = picture(next(f.data for f in result.files if f.variant == "small")).convert("RGB")
    top, bottom = small.getpixel((80, 40)), small.getpixel((80, 280))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[2] > 150 > top[0] and bottom[0] > 150 > bottom[2]


def test_an_animation_is_shown_by_its_first_frame(tmp_path: Path) -> None:
    """A GIF's thumbnail is its first frame, not a later one."""
    result = previews(tmp_path, media.gif(3, (32, 24)), "loop.gif")
    first = picture(result.files[0].data).convert("RGB").getpixel((5, 5))
    assert isinstance(first, tuple)
    assert first[0] < 30 and first[2] > 170


@pytest.mark.parametrize(
    ("data", "filename"),
    [(media.video(seconds=3, size=(640, 480)), "clip.mp4"), (media.webm(3, (640, 480)), "clip.webm")],
)
def test_video_gets_a_poster_about_a_second_in(tmp_path: Path, data: bytes, filename: str) -> None:
    """The poster is a frame one second in (its colour shows which), with its length."""
    result = previews(tmp_path, data, filename)
    assert variants(result) == {"poster": ("image/webp", (640, 480)), "small": ("image/webp", (320, 240))}
    assert result.duration_seconds == pytest.approx(3.0, abs=0.1)
    red = picture(result.files[0].data).convert("RGB").getpixel((320, 240))
    assert isinstance(red, tuple)
    assert abs(red[0] - 400 % 255) < 25


def test_a_video_shorter_than_a_second_uses_an_early_frame(tmp_path: Path) -> None:
    """A half-second clip still gets a poster."""
    result = previews(tmp_path, media.video(seconds=0.5), "short.mp4")
    assert variants(result)["poster"] == ("image/webp", (64, 48))
    assert result.duration_seconds == pytest.approx(0.5, abs=0.1)


def test_a_turned_video_gets_an_upright_poster(tmp_path: Path) -> None:
    """A phone video stored wide with a display rotation is shown tall."""
    path = tmp_path / "turned.mp4"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 32, "yuv420p"
        stream.set_display_rotation(90)
        for index in range(10):
            frame = av.VideoFrame.from_image(Image.new("RGB", (64, 32), (200, 30, 30)))
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    checked = check_media(path, filename=path.name, limits=LIMITS, max_pixels=10**6, decode_slots=1)
    assert (checked.width, checked.height) == (32, 64)
    assert variants(make_previews(path, checked))["poster"] == ("image/webp", (32, 64))


def test_a_video_without_a_decodable_frame_has_no_poster(tmp_path: Path) -> None:
    """When no frame can be decoded the poster is left out and the length is still given."""
    data = media.video(seconds=3, faststart=True)
    path = tmp_path / "broken.mp4"
    path.write_bytes(data[: len(data) // 3])
    checked = CheckedMedia("video", "video/mp4", path.stat().st_size, 64, 48, duration_seconds=3.0)
    result = make_previews(path, checked)
    assert result.files == []
    assert result.duration_seconds == 3.0


def half_silent_tone(seconds: float = 2.0, rate: int = 8000) -> bytes:
    """Silence for the first half, a loud tone for the second."""
    count = int(seconds * rate)
    samples = (
        0 if i < count // 2 else int(20000 * math.sin(2 * math.pi * 300 * i / rate)) for i in range(count)
    )
    return media.wav_of(b"".join(s.to_bytes(2, "little", signed=True) for s in samples), rate)


@pytest.mark.parametrize(
    ("data", "filename"),
    [(half_silent_tone(), "tone.wav"), (media.mp3(2), "tone.mp3"), (media.ogg(2), "tone.ogg")],
)
def test_audio_gets_about_200_peaks_and_a_waveform(tmp_path: Path, data: bytes, filename: str) -> None:
    """Peaks run 0..1 with the loudest at 1, are stored as JSON, and are drawn on a transparent PNG."""
    result = previews(tmp_path, data, filename)
    assert result.peaks is not None
    assert 150 <= len(result.peaks) <= 200
    assert min(result.peaks) >= 0 and max(result.peaks) == 1.0
    files = {f.variant: f for f in result.files}
    assert set(files) == {"peaks", "wave"}
    assert files["peaks"].mime_type == "application/json"
    assert json.loads(files["peaks"].data) == result.peaks
    wave = picture(files["wave"].data)
    assert (files["wave"].mime_type, wave.format, wave.size, wave.mode) == (
        "image/png",
        "PNG",
        (800, 120),
        "RGBA",
    )
    assert wave.getpixel((0, 0)) == (0, 0, 0, 0)
    assert result.duration_seconds == pytest.approx(2.0, abs=0.1)


def test_peaks_follow_the_sound(tmp_path: Path) -> None:
    """Silence gives flat peaks, the tone full ones, and the waveform is drawn only where the sound is."""
    result = previews(tmp_path, half_silent_tone(), "tone.wav")
    assert result.peaks is not None
    half = len(result.peaks) // 2
    assert max(result.peaks[: half - 2]) == 0.0
    assert min(result.peaks[half + 2 :]) > 0.9
    wave = picture(next(f.data for f in result.files if f.variant == "wave"))
    assert wave.getpixel((200, 10)) == (0, 0, 0, 0)
    assert wave.getpixel((600, 10))[3] == 255  # type: ignore[index]


def test_audio_with_no_samples_gives_a_flat_waveform(tmp_path: Path) -> None:
    """A zero-length audio stream makes empty peaks and a flat line, not an error."""
    path = tmp_path / "empty.wav"
    path.write_bytes(media.wav_of(b""))
    assert audio_peaks(path) == ([], 0.0)
    result = make_previews(
        path, CheckedMedia("audio", "audio/wav", path.stat().st_size, duration_seconds=0.0)
    )
    assert result.peaks == []
    wave = picture(next(f.data for f in result.files if f.variant == "wave"))
    assert wave.size == (800, 120) and wave.getpixel((400, 60))[3] == 255  # type: ignore[index]


def test_peaks_of_a_long_file_stay_about_200(tmp_path: Path) -> None:
    """Without a length to go by, buckets merge as the audio goes on."""
    path = tmp_path / "long.wav"
    path.write_bytes(media.wav(30, rate=8000))
    peaks, seconds = audio_peaks(path)
    assert 100 <= len(peaks) <= 200
    assert seconds == pytest.approx(30.0, abs=0.01)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello\nworld\n", "Hello\nworld"),
        (
            "\ufeffWith a byte-order mark\r\nand Windows lines\r\n",
            "With a byte-order mark\nand Windows lines",
        ),
        (
            "".join(f"line {n}\n" for n in range(1, 31)),
            "".join(f"line {n}\n" for n in range(1, 13)).rstrip() + "…",
        ),
        ("word " * 200, ("word " * 120).rstrip() + "…"),
        ("Ünïcödé " * 100, ("Ünïcödé " * 75).rstrip() + "…"),
    ],
)
def test_text_gets_an_excerpt_and_no_files(tmp_path: Path, text: str, expected: str) -> None:
    """The first 12 lines or 600 characters, marked with … when there is more."""
    result = previews(tmp_path, text.encode(), "notes.md")
    assert (result.files, result.excerpt, result.peaks) == ([], expected, None)
