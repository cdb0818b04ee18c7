"""Checking files people bring: the real type from the bytes, limits per kind, and decoding to the end."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mediaws.media.ingest import CheckedMedia, MediaLimits, MediaRefused, PixelsRefused, check_media
from mediaws.media.inspect import TooManyPixels
from mediaws.media.sniff import sniff
from tests.support import media

MB = 1024 * 1024
LIMITS = MediaLimits(image_bytes=20 * MB, video_bytes=500 * MB, audio_bytes=100 * MB, text_bytes=MB)
BUDGET = 40_000_000
SUPPORTED = "an image (PNG, JPEG, WebP, GIF), a video (MP4, WebM), audio (MP3, WAV, Ogg) or text (.txt, .md)"
UNSUPPORTED = "This type of file is not supported ({}). Upload " + SUPPORTED + "."
NOT_TEXT = "This file is named .txt but is not plain text: it contains binary data."


def check(
    tmp_path: Path,
    data: bytes,
    filename: str,
    *,
    limits: MediaLimits = LIMITS,
    max_pixels: int = BUDGET,
) -> CheckedMedia:
    path = tmp_path / "upload"
    path.write_bytes(data)
    return check_media(path, filename=filename, limits=limits, max_pixels=max_pixels, decode_slots=2)


def refusal(tmp_path: Path, data: bytes, filename: str, **kwargs: object) -> MediaRefused:
    with pytest.raises(MediaRefused) as caught:
        check(tmp_path, data, filename, **kwargs)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(
    ("data", "filename", "kind", "mime", "size", "seconds"),
    [
        (media.image("JPEG", (40, 30)), "photo.jpg", "image", "image/jpeg", (40, 30), None),
        (media.image("JPEG", (40, 30)), "photo.JPEG", "image", "image/jpeg", (40, 30), None),
        (media.image("PNG", (16, 12)), "drawing.png", "image", "image/png", (16, 12), None),
        (media.image("WEBP", (20, 10)), "sticker.webp", "image", "image/webp", (20, 10), None),
        (media.gif(3, (32, 24)), "dance.gif", "image", "image/gif", (32, 24), None),
        (media.video(seconds=3), "clip.mp4", "video", "video/mp4", (64, 48), 3.0),
        (media.video("mp4", "libx264", 2, with_audio=True), "talk.mp4", "video", "video/mp4", (64, 48), 2.0),
        (media.webm(2), "screen.webm", "video", "video/webm", (64, 48), 2.0),
        (media.mp3(2), "song.mp3", "audio", "audio/mpeg", None, 2.0),
        (media.wav(1.5), "voice.wav", "audio", "audio/wav", None, 1.5),
        (media.ogg(2), "note.ogg", "audio", "audio/ogg", None, 2.0),
        (b"Shopping list:\n\tmilk\r\n", "list.txt", "text", "text/plain", None, None),
        ("# Notes\n\nCafé ☕\f\n".encode(), "notes.md", "text", "text/markdown", None, None),
        (b"# Plan\n", "plan.markdown", "text", "text/markdown", None, None),
    ],
)
def test_each_supported_type_is_accepted(
    tmp_path: Path,
    data: bytes,
    filename: str,
    kind: str,
    mime: str,
    size: tuple[int, int] | None,
    seconds: float | None,
) -> None:
    """Every kind the gallery keeps passes with its real type, size and length."""
    checked = check(tmp_path, data, filename)
    assert (checked.kind, checked.mime_type, checked.size_bytes) == (kind, mime, len(data))
    assert (checked.width, checked.height) == (size or (None, None))
    if seconds is None:
        assert checked.duration_seconds is None
    else:
        assert checked.duration_seconds == pytest.approx(seconds, abs=0.1)


def test_the_content_decides_when_the_name_says_nothing(tmp_path: Path) -> None:
    """No extension, or one mediaws does not know, is judged by the bytes alone."""
    assert check(tmp_path, media.image("PNG"), "IMG_0001").mime_type == "image/png"
    assert check(tmp_path, media.image("JPEG"), "Scan 2024.01.02 at 10.30").mime_type == "image/jpeg"
    assert check(tmp_path, media.webm(1), "recording.bin").mime_type == "video/webm"


def test_an_animation_counts_its_frames(tmp_path: Path) -> None:
    """A GIF reports how many frames it has."""
    assert check(tmp_path, media.gif(5), "loop.gif").frames == 5


def test_a_turned_jpeg_reports_its_displayed_size(tmp_path: Path) -> None:
    """A photo stored sideways with an EXIF turn is as tall as it is shown."""
    checked = check(tmp_path, media.jpeg_oriented((40, 20), orientation=6), "portrait.jpg")
    assert (checked.width, checked.height) == (20, 40)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (media.image("PNG"), "clip.mp4", "This file is named .mp4 but is a PNG image."),
        (media.image("JPEG"), "photo.png", "This file is named .png but is a JPEG image."),
        (media.mp3(), "voice.wav", "This file is named .wav but is MP3 audio."),
        (media.wav(), "song.mp3", "This file is named .mp3 but is WAV audio."),
        (media.video(), "song.ogg", "This file is named .ogg but is an MP4 video."),
        (media.webm(), "clip.mp4", "This file is named .mp4 but is a WebM video."),
        (media.image("PNG"), "notes.txt", "This file is named .txt but is a PNG image."),
        (media.ogg(), "cover.gif", "This file is named .gif but is Ogg audio."),
    ],
)
def test_a_name_that_promises_another_type_is_refused(
    tmp_path: Path, data: bytes, filename: str, message: str
) -> None:
    """Real media behind the wrong extension is refused, saying what it really is."""
    refused = refusal(tmp_path, data, filename)
    assert (refused.reason, refused.code) == (message, "mismatch")


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (media.video(seconds=3), "cut.mp4"),
        (media.video(seconds=3, faststart=True), "cut.mp4"),
        (media.video(seconds=3, with_audio=True, faststart=True), "cut.mp4"),
        (media.webm(3), "cut.webm"),
        (media.video("webm", "libvpx", 3, with_audio=True), "cut.webm"),
        (media.wav(2), "cut.wav"),
    ],
)
def test_a_file_cut_in_half_is_refused(tmp_path: Path, data: bytes, filename: str) -> None:
    """Half an upload is not kept, whether its index comes first or last."""
    mime = {".mp4": "MP4 video", ".webm": "WebM video", ".wav": "WAV file"}[Path(filename).suffix]
    refused = refusal(tmp_path, data[: len(data) // 2], filename)
    assert refused.reason == f"This {mime} could not be read to the end; it is damaged or cut short."
    assert refused.code == "damaged"


def test_a_webm_missing_its_last_frames_is_refused(tmp_path: Path) -> None:
    """Losing the last tenth of a WebM is noticed, though the start plays."""
    data = media.webm(3)
    refused = refusal(tmp_path, data[: len(data) * 9 // 10], "clip.webm")
    assert refused.code == "damaged"


def test_a_damaged_image_is_refused(tmp_path: Path) -> None:
    """A JPEG cut short does not decode."""
    data = media.image("JPEG", (64, 64))
    refused = refusal(tmp_path, data[: len(data) // 2], "photo.jpg")
    assert refused.reason == "This JPEG image could not be read to the end; it is damaged or cut short."


def test_a_png_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    """A small file claiming 48 megapixels is refused before a pixel is decoded."""
    refused = refusal(tmp_path, media.png_header_only(8000, 6000), "bomb.png")
    assert refused.reason == "This image is too large: 8000\u00d76000 pixels is above the 40 megapixel limit."
    assert isinstance(refused, PixelsRefused) and isinstance(refused, TooManyPixels)


def test_a_png_claiming_billions_of_pixels_is_refused(tmp_path: Path) -> None:
    """Pillow's own bomb guard is reported the same way."""
    refused = refusal(tmp_path, media.png_header_only(60_000, 60_000), "bomb.png")
    assert refused.reason == "This image is too large: it is above the 40 megapixel limit."


def test_an_animation_bomb_is_refused(tmp_path: Path) -> None:
    """Many frames of a modest size add up against the pixel budget."""
    assert check(tmp_path, media.gif(1, (100, 100)), "one.gif", max_pixels=100_000).frames == 1
    refused = refusal(tmp_path, media.gif(20, (100, 100)), "many.gif", max_pixels=100_000)
    assert refused.reason == (
        "This animation is too large: 20 frames of 100\u00d7100 pixels is above the 0.1 megapixel limit "
        "for animations."
    )


def test_video_frames_count_against_the_pixel_budget(tmp_path: Path) -> None:
    """A video's frame size is held to the same budget as images."""
    refused = refusal(tmp_path, media.webm(1), "big.webm", max_pixels=1000)
    assert refused.reason == "This video is too large: 64\u00d748 pixels is above the 0.001 megapixel limit."


@pytest.mark.parametrize(
    ("data", "filename", "limits", "message"),
    [
        (media.video(seconds=3), "long.mp4", MediaLimits(MB, MB, MB, MB, video_seconds=2),
         "This video is 3 seconds long; videos are limited to 2 seconds."),
        (media.wav(2), "long.wav", MediaLimits(MB, MB, MB, MB, audio_seconds=1),
         "This audio file is 2 seconds long; audio files are limited to 1 second."),
    ],
)  # fmt: skip
def test_too_long_is_refused(
    tmp_path: Path, data: bytes, filename: str, limits: MediaLimits, message: str
) -> None:
    """Videos and audio have a longest length."""
    refused = refusal(tmp_path, data, filename, limits=limits)
    assert (refused.reason, refused.code) == (message, "too_long")


@pytest.mark.parametrize(
    ("data", "filename", "limits", "message"),
    [
        (media.image("PNG")[:20] + b"\0" * 2028, "big.png", MediaLimits(1000, MB, MB, MB),
         "This image is 2 KB; images are limited to 1,000 bytes."),
        (media.video()[:32] + bytes(30 * 1024 - 32), "big.mp4", MediaLimits(MB, 10 * 1024, MB, MB),
         "This video is 30 KB; videos are limited to 10 KB."),
        (media.wav(1), "big.wav", MediaLimits(MB, MB, 10 * 1024, MB),
         "This audio file is 46.9 KB; audio files are limited to 10 KB."),
        (b"x" * (3 * MB // 2), "big.txt", MediaLimits(MB, MB, MB, MB),
         "This text file is 1.5 MB; text files are limited to 1 MB."),
    ],
)  # fmt: skip
def test_a_file_over_its_kinds_limit_is_refused_before_decoding(
    tmp_path: Path, data: bytes, filename: str, limits: MediaLimits, message: str
) -> None:
    """Size is checked first: the damaged PNG is refused for its size, not for its damage."""
    refused = refusal(tmp_path, data, filename, limits=limits)
    assert (refused.reason, refused.code) == (message, "too_big")


def test_random_bytes_are_refused(tmp_path: Path) -> None:
    """Bytes that are no known type are refused, under any name."""
    data = random.Random(7).randbytes(8000)
    assert sniff(data) is None
    refused = refusal(tmp_path, data, "mystery.bin")
    assert refused.reason == UNSUPPORTED.format("its contents were not recognised")
    assert refused.code == "unsupported"
    reason = refusal(tmp_path, data[:100], "photo.png").reason
    assert reason == "This file is named .png but is not a PNG image (it is 100 bytes of unrecognised data)."


def test_other_known_types_say_what_they_look_like(tmp_path: Path) -> None:
    """A PDF or an audio-only MP4 (M4A) is named in the refusal."""
    reason = refusal(tmp_path, b"%PDF-1.7\n" + b"0" * 100, "report.pdf").reason
    assert reason == UNSUPPORTED.format("it looks like a PDF document")
    reason = refusal(tmp_path, b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom", "voice.m4a").reason
    assert reason == UNSUPPORTED.format("it looks like an MP4 file")


def test_text_needs_a_text_name(tmp_path: Path) -> None:
    """Text has no magic bytes: without a .txt or .md name it is not kept."""
    reason = refusal(tmp_path, b"Hello there", "hello").reason
    assert reason == UNSUPPORTED.format('it looks like text: "Hello there"')


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (random.Random(3).randbytes(500),
         "This file is named .txt but is not UTF-8 text; save it as UTF-8 and upload it again."),
        (b"Hello\0world", NOT_TEXT),
        (b"bell \x07 and escape \x1b[31m", NOT_TEXT),
    ],
)  # fmt: skip
def test_binary_named_as_text_is_refused(tmp_path: Path, data: bytes, message: str) -> None:
    """A .txt must be UTF-8 without control characters other than tabs, newlines and form feeds."""
    refused = refusal(tmp_path, data, "notes.txt")
    assert (refused.reason, refused.code) == (message, "not_text")


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    """Nothing is not a file worth keeping."""
    refused = refusal(tmp_path, b"", "empty.png")
    assert (refused.reason, refused.code) == ("The file is empty.", "empty")


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (media.encoded_audio("mp4", "libopus", 0.5), "sound.mp4", "This MP4 file has no video in it."),
        (media.wav_of(b""), "silence.wav", "This WAV file has no sound in it."),
    ],
)
def test_a_container_without_the_promised_stream_is_refused(
    tmp_path: Path, data: bytes, filename: str, message: str
) -> None:
    """An MP4 holding only sound is not a video; a WAV with no samples is not audio."""
    refused = refusal(tmp_path, data, filename)
    assert (refused.reason, refused.code) == (message, "missing_stream")


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "video/mp4"),
        (b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom", None),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", None),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ", None),
        (b"\x1aE\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", None),
        (b"\xff\xfb\x90\x64" + b"\0" * 100, "audio/mpeg"),
        (b"\xff\xf1\x50\x80" + b"\0" * 100, None),
        (b"OggS\x00\x02" + b"\0" * 20 + b"\x01\x2a\x80theora", None),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"GIF87a", "image/gif"),
        (b"", None),
    ],
)
def test_sniff_reads_the_leading_bytes(head: bytes, mime: str | None) -> None:
    """Audio-only MP4, HEIC, QuickTime, Matroska, AAC and Theora are not types mediaws keeps."""
    assert sniff(head) == mime


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (media.gif(4), "a.gif"),
        (media.jpeg_oriented((64, 48)), "a.jpg"),
        (media.video(seconds=1, with_audio=True), "a.mp4"),
        (media.video("webm", "libvpx", 1, with_audio=True), "a.webm"),
        (media.wav(0.5), "a.wav"),
        (media.ogg(1), "a.ogg"),
    ],
)
def test_damaged_files_are_refused_in_words_never_crash(tmp_path: Path, data: bytes, filename: str) -> None:
    """Flipped bytes and cut tails either still decode or are refused with a sentence, never an exception."""
    rng = random.Random(filename)
    for _ in range(40):
        broken = bytearray(data)
        for _ in range(rng.choice([1, 5, 30])):
            broken[rng.randrange(len(broken))] = rng.randrange(256)
        try:
            check(tmp_path, bytes(broken[: rng.randrange(len(broken) // 2, len(broken) + 1)]), filename)
        except MediaRefused as exc:
            assert exc.reason.startswith("This ") and exc.reason.endswith(".")
