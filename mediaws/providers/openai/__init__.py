"""OpenAI: chat text (whole or streamed), GPT Image generation and edits, and speech, via the official SDK.

``options`` holds each model family's options, ``translate`` the pure request→wire and wire→result
functions (testable without sending anything), ``errors`` the error mapping, and ``provider`` the SDK
calls. The OpenAI-compatible provider reuses the chat translations and the error mapping from here.
"""

from mediaws.providers.openai.errors import ErrorContext, scrub, translated_errors, unreadable
from mediaws.providers.openai.options import GptImage2Options, check_gpt_image_2_size
from mediaws.providers.openai.provider import OpenAIProvider, register
from mediaws.providers.openai.translate import (
    StreamState,
    chat_params,
    gpt_image_2_output_tokens,
    image_usage,
    text_result,
)

__all__ = [
    "ErrorContext",
    "GptImage2Options",
    "OpenAIProvider",
    "StreamState",
    "chat_params",
    "check_gpt_image_2_size",
    "gpt_image_2_output_tokens",
    "image_usage",
    "register",
    "scrub",
    "text_result",
    "translated_errors",
    "unreadable",
]
