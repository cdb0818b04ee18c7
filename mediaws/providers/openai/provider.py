"""The OpenAI provider: chat, image and speech calls through the official ``openai`` SDK."""

from __future__ import annotations

from collections.abc import Generator
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from mediaws.errors import BadProviderKey, InvalidProviderRequest
from mediaws.providers.base import (
    Capability,
    GenerationResult,
    ImageRequest,
    Provider,
    Registry,
    Request,
    SpeechRequest,
    TextRequest,
    Usage,
)
from mediaws.providers.openai.errors import ErrorContext, translated_errors
from mediaws.providers.openai.options import FAMILIES, GptImage2Options, TTSOptions, model_info, validated
from mediaws.providers.openai.translate import (
    StreamState,
    chat_params,
    gpt_image_2_output_tokens,
    image_params,
    image_result,
    image_values,
    speech_params,
    speech_result,
    text_result,
)
from mediaws.providers.sdk import lazy

if TYPE_CHECKING:
    import openai
else:
    openai = lazy("openai")

SPEECH_MAX_CHARACTERS = 4096


class OpenAIProvider(Provider):
    """OpenAI's API through the official ``openai`` SDK, with SDK retries off (ours apply)."""

    id = "openai"
    label = "OpenAI"
    needs_key = True
    key_env_var = "OPENAI_API_KEY"
    default_base_url = "https://api.openai.com/v1"
    key_hint = "sk-…"
    makes = "Text, images, speech"
    families = FAMILIES

    @classmethod
    def estimate_usage(cls, request: Request) -> Usage | None:
        """GPT Image bills output tokens by size and quality; everything else uses the generic guess."""
        if not isinstance(request, ImageRequest):
            return None
        options = validated(model_info(request.model, Capability.IMAGE), image_values(request))
        if not isinstance(options, GptImage2Options):
            return None
        per_image = gpt_image_2_output_tokens(options.quality, options.size)
        return Usage(
            input_tokens=-(-len(request.prompt) // 3),
            image_output_tokens=per_image * options.count,
            image_count=options.count,
            image_size=options.size,
            image_quality=options.quality,
            output_count=options.count,
        )

    @property
    def errors(self) -> ErrorContext:
        """How this provider's errors are worded."""
        return ErrorContext(self.id, self.label, self.timeout, secrets=(self.api_key or "",))

    @cached_property
    def client(self) -> openai.OpenAI:
        """The SDK client; refuses to start without a key so the SDK never falls back to env vars."""
        if not self.api_key:
            raise BadProviderKey("No OpenAI key is set — add one in Settings → API keys.", provider=self.id)
        client = openai.OpenAI(
            api_key=self.api_key, base_url=self.base_url, timeout=self.timeout, max_retries=0
        )
        client.organization = None
        client.project = None
        return client

    def test_key(self) -> None:
        """List models: free, and refused with 401 for a bad key."""
        with translated_errors(self.errors):
            self.client.models.list()

    def generate_text(self, request: TextRequest) -> GenerationResult:
        """One chat completion."""
        params = self._text_params(request)
        with translated_errors(self.errors):
            raw = self.client.chat.completions.with_raw_response.create(**params)
            data = raw.parse().to_dict()
        return text_result(data, request=request, ctx=self.errors, request_id=raw.headers.get("x-request-id"))

    def stream_text(self, request: TextRequest) -> Generator[str, None, GenerationResult]:
        """Yield text as it arrives; the generator's return value is the full result with usage."""
        params = self._text_params(request)
        ctx = self.errors
        state = StreamState()
        with translated_errors(ctx):
            raw = self.client.chat.completions.with_raw_response.create(
                **params, stream=True, stream_options={"include_usage": True}
            )
            request_id = raw.headers.get("x-request-id")
            with raw.parse() as chunks:
                for chunk in chunks:
                    piece = state.feed(chunk.to_dict(), ctx)
                    if piece:
                        yield piece
        return state.result(request, ctx, request_id)

    def generate_image(self, request: ImageRequest) -> GenerationResult:
        """Generate images, or edit ``input_image`` when one is given."""
        info = model_info(request.model, Capability.IMAGE)
        options = cast(GptImage2Options, validated(info, image_values(request)))
        params = image_params(request, options)
        with translated_errors(self.errors):
            if request.input_image is not None:
                mime = request.input_image_mime or "image/png"
                upload = (f"input.{mime.rsplit('/', 1)[-1]}", request.input_image, mime)
                raw = self.client.images.with_raw_response.edit(image=upload, **params)
            else:
                raw = self.client.images.with_raw_response.generate(**params)
            data = raw.parse().to_dict()
        return image_result(
            data,
            request=request,
            options=options,
            ctx=self.errors,
            request_id=raw.headers.get("x-request-id"),
        )

    def synthesize_speech(self, request: SpeechRequest) -> GenerationResult:
        """Speak up to 4,096 characters."""
        info = model_info(request.model, Capability.SPEECH)
        if not request.text.strip():
            raise InvalidProviderRequest("There is no text to speak.", provider=self.id, field="text")
        if len(request.text) > SPEECH_MAX_CHARACTERS:
            raise InvalidProviderRequest(
                f"OpenAI speaks at most {SPEECH_MAX_CHARACTERS:,} characters at once; this text has "
                f"{len(request.text):,} — split it.",
                provider=self.id,
                field="text",
            )
        values = {
            "voice": request.voice,
            "speed": request.speed,
            "output_format": request.output_format,
            "language": request.language,
            "stability": request.stability,
        }
        options = cast(TTSOptions, validated(info, values))
        with translated_errors(self.errors):
            raw = self.client.audio.speech.with_raw_response.create(**speech_params(request, options))
            audio = raw.content
        return speech_result(
            audio,
            request=request,
            options=options,
            ctx=self.errors,
            request_id=raw.headers.get("x-request-id"),
        )

    def _text_params(self, request: TextRequest) -> dict[str, Any]:
        info = model_info(request.model, Capability.TEXT)
        values = {
            "temperature": request.temperature,
            "max_output_tokens": request.max_output_tokens,
            "seed": request.seed,
        }
        validated(info, values)
        if not request.messages:
            raise InvalidProviderRequest("There is no message to answer.", provider=self.id, field="messages")
        return chat_params(request)


def register(registry: Registry) -> None:
    """Add OpenAI to the registry."""
    registry.add(OpenAIProvider)
