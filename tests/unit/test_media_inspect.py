"""The shared media checks: what bytes look like, raw PCM sizes, and the process-wide decode limit."""

from __future__ import annotations

import threading

import pytest

from mediaws.media.inspect import (
    UnreadableMedia,
    check_av,
    check_image,
    check_raw_audio,
    decode_slot,
    looks_like,
)
from tests.support import media


@pytest.mark.parametrize(
    ("data", "guess"),
    [
        (b"", "it is empty"),
        (b"Hello!", 'it looks like text: "Hello!"'),
        (b'{"error": "nope"}', 'it looks like JSON text: {"error": "nope"}'),
        (b"<!DOCTYPE html><html></html>", "it looks like an HTML page"),
        (b"%PDF-1.7 ...", "it looks like a PDF document"),
        (b"\x00\xff\x10\x80", "it is 4 bytes of unrecognised data"),
    ],
)
def test_looks_like_names_what_the_bytes_seem_to_be(data: bytes, guess: str) -> None:
    """Messages say what arrived instead, in words."""
    assert looks_like(data) == guess


def test_raw_pcm_must_be_whole_samples_and_not_text() -> None:
    """Headerless audio cannot be decoded, so its size and content are checked."""
    assert check_raw_audio(media.pcm(), "audio/L16;rate=24000;channels=1").mime_type.startswith("audio/L16")
    with pytest.raises(UnreadableMedia, match="not a whole number of 16-bit samples"):
        check_raw_audio(media.pcm()[:-1], "audio/pcm")
    with pytest.raises(UnreadableMedia, match="looks like text"):
        check_raw_audio(b"Hello!", "audio/pcm")


def test_audio_where_video_was_promised_is_refused() -> None:
    """A decodable file of the wrong kind is not accepted."""
    assert check_av(media.mp4(), "video", max_pixels=10**6).mime_type == "video/mp4"
    with pytest.raises(UnreadableMedia, match="MP3 audio"):
        check_av(media.mp3(), "video", max_pixels=10**6)
    with pytest.raises(UnreadableMedia, match="no audio"):
        check_av(media.mp4(), "audio", max_pixels=10**6)


def test_decoding_waits_for_a_free_slot() -> None:
    """With one slot taken, another decode waits until it is given back."""
    done = threading.Event()

    def decode() -> None:
        check_image(media.image(), max_pixels=10**6, decode_slots=1)
        done.set()

    with decode_slot(1):
        worker = threading.Thread(target=decode, daemon=True)
        worker.start()
        assert not done.wait(0.3)
    worker.join(10)
    assert done.is_set()
