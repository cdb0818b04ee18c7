"""Every file a provider returns is checked by its signature and by decoding before it is kept or billed."""

from __future__ import annotations

import dataclasses

from mediaws.config import Settings
from mediaws.media.inspect import (
    TooManyPixels,
    UnreadableMedia,
    check_av,
    check_image,
    check_raw_audio,
    is_raw_audio,
)
from mediaws.providers.base import Capability, GenerationResult, Media, UnusableAnswer

EXPECTED_KIND = {
    Capability.IMAGE: "image",
    Capability.VIDEO: "video",
    Capability.SPEECH: "audio",
    Capability.AUDIO: "audio",
}
KIND_WORDS = {"image": "an image", "video": "a video", "audio": "audio"}


def _check(media: Media, kind: str, settings: Settings) -> Media:
    """The media as its decoded bytes prove it: real type, size and length; UnreadableMedia if not."""
    if kind == "audio" and is_raw_audio(media.mime_type):
        check_raw_audio(media.data, media.mime_type)
        return media
    if kind == "image":
        checked = check_image(
            media.data, max_pixels=settings.max_image_pixels, decode_slots=settings.image_decode_slots
        )
    else:
        checked = check_av(
            media.data, "video" if kind == "video" else "audio", max_pixels=settings.max_image_pixels
        )
    return dataclasses.replace(
        media,
        mime_type=checked.mime_type,
        width=checked.width or media.width,
        height=checked.height or media.height,
        duration_seconds=checked.duration_seconds or media.duration_seconds,
    )


def verified(result: GenerationResult, label: str, settings: Settings) -> GenerationResult:
    """Check every returned file by signature and decoding before anything is kept or billed as success.

    An unusable file raises UnusableAnswer carrying the answer's usage: the provider billed it, so it
    is recorded and not retried.
    """
    kind = EXPECTED_KIND.get(result.capability)
    if kind is None:
        return result
    checked: list[Media] = []
    for media in result.media:
        try:
            checked.append(_check(media, kind, settings))
        except TooManyPixels as exc:
            message = f"{label} returned a file too large to keep: {exc.reason}"
            raise UnusableAnswer(
                message, provider=result.provider, usage=result.usage, usage_reported=result.usage_reported
            ) from None
        except UnreadableMedia as exc:
            message = f"{label} returned a file that is not {KIND_WORDS[kind]}: {exc.reason}."
            raise UnusableAnswer(
                message, provider=result.provider, usage=result.usage, usage_reported=result.usage_reported
            ) from None
    return dataclasses.replace(result, media=tuple(checked))
