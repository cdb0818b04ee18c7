"""Replicate: Flux images, MiniMax video and speech, MusicGen music, run as polled, cancellable predictions.

A prediction is created (``POST /v1/models/{owner}/{name}/predictions`` for official models,
``POST /v1/predictions`` with a pinned version otherwise), polled (``GET /v1/predictions/{id}``)
until it succeeds, fails or is cancelled (``POST /v1/predictions/{id}/cancel``), and its output
files are downloaded from the URLs it names. Progress comes from the ``NN%|`` bars models print
to their logs.

``options`` holds each model family's inputs, ``translate`` the pure request→input and
prediction→result functions, ``errors`` the error mapping, and ``provider`` the SDK calls.
"""

from mediaws.providers.replicate.errors import api_error, failure_error, invalid_field
from mediaws.providers.replicate.options import model_info
from mediaws.providers.replicate.provider import ReplicateProvider, register
from mediaws.providers.replicate.translate import (
    audio_input,
    image_input,
    output_urls,
    parse_progress,
    speech_input,
    usage_for,
    video_input,
)

__all__ = [
    "ReplicateProvider",
    "api_error",
    "audio_input",
    "failure_error",
    "image_input",
    "invalid_field",
    "model_info",
    "output_urls",
    "parse_progress",
    "register",
    "speech_input",
    "usage_for",
    "video_input",
]
