"""Any endpoint that speaks OpenAI's chat API (Ollama, vLLM, LM Studio, Together, DeepSeek, Mistral…).

Text only. The models are whatever the endpoint lists at ``/models``; none are known in advance, so
none are priced: the pricing layer refuses them until a price is recorded for the endpoint.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import Field

from mediaws.errors import InvalidProviderRequest, ValidationError
from mediaws.providers.base import (
    Capability,
    GenerationResult,
    ModelInfo,
    Options,
    Provider,
    Registry,
    TextRequest,
)
from mediaws.providers.catalog import OPENAI_COMPATIBLE
from mediaws.providers.openai import (
    ErrorContext,
    StreamState,
    chat_params,
    text_result,
    translated_errors,
    unreadable,
)
from mediaws.providers.sdk import lazy

if TYPE_CHECKING:
    import openai
else:
    openai = lazy("openai")

PLACEHOLDER_KEY = "not-needed"
MODEL_ID_MAX = 200
SYSTEM_MAX = 100_000


class EndpointTextOptions(Options):
    """What a request to an endpoint's model may set: the fields every compatible server knows."""

    system: str | None = Field(None, max_length=SYSTEM_MAX)
    temperature: float | None = Field(None, ge=0, le=2)
    max_output_tokens: int | None = Field(None, ge=1, le=1_000_000)
    seed: int | None = Field(None, ge=0, le=2**31 - 1)


def endpoint_host(base_url: str) -> str:
    """The host (and port) of a base URL, without any user:password part, for messages."""
    parts = urlsplit(base_url)
    host = parts.hostname or "an unknown host"
    return f"{host}:{parts.port}" if parts.port else host


def model_ids(data: object) -> list[str]:
    """Model ids from a ``GET /models`` body (``{"data": [{"id": …}, …]}``), sorted, without duplicates."""
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError("no data list")
    ids = {item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)}
    return sorted(ids)


class OpenAICompatibleProvider(Provider):
    """A self-hosted or third-party endpoint through the official ``openai`` SDK; the key is optional."""

    id = OPENAI_COMPATIBLE
    label = "OpenAI-compatible endpoint"
    needs_key = False
    key_env_var = None
    default_base_url = None
    endpoints = True

    @classmethod
    def models(cls) -> tuple[ModelInfo, ...]:
        """None known in advance: call ``list_models()`` on an instance."""
        return ()

    @classmethod
    def endpoint_model(cls, model_id: str) -> ModelInfo:
        """Any model an endpoint lists: text, with the options every compatible server takes."""
        if not model_id.strip():
            raise ValidationError("Choose one of the endpoint's models.", field="model")
        if len(model_id) > MODEL_ID_MAX:
            raise ValidationError(
                f"That model id is too long (over {MODEL_ID_MAX} characters).", field="model"
            )
        return ModelInfo(model_id, model_id, Capability.TEXT, EndpointTextOptions)

    @property
    def errors(self) -> ErrorContext:
        """How this endpoint's errors are worded: by its host, with fixes that fit a custom endpoint."""
        where = f"The OpenAI-compatible endpoint at {endpoint_host(self.base_url or '')}"
        return ErrorContext(
            self.id,
            where,
            self.timeout,
            key_fix="check the key saved for this endpoint in Settings → API keys",
            billing_fix="add credit or raise the limit with the endpoint's operator",
            reach_fix="check that the server is running and the base URL in Settings → API keys",
            secrets=(self.api_key or "",),
        )

    @cached_property
    def client(self) -> openai.OpenAI:
        """The SDK client; a placeholder key when none is set, since the SDK insists on one."""
        if not self.base_url:
            raise InvalidProviderRequest(
                "An OpenAI-compatible endpoint needs a base URL (e.g. http://localhost:11434/v1) — "
                "set it in Settings → API keys.",
                provider=self.id,
                field="base_url",
            )
        client = openai.OpenAI(
            api_key=self.api_key or PLACEHOLDER_KEY,
            base_url=self.base_url,
            timeout=self.timeout,
            max_retries=0,
        )
        client.organization = None
        client.project = None
        return client

    def list_models(self) -> list[str]:
        """The model ids the endpoint offers (``GET /models``)."""
        ctx = self.errors
        with translated_errors(ctx):
            raw = self.client.models.with_raw_response.list()
            data: Any = raw.http_response.json()
        try:
            return model_ids(data)
        except ValueError:
            raise unreadable(ctx, "a model list") from None

    def test_key(self) -> None:
        """Listing models is the cheapest call that needs the key (when the endpoint checks one)."""
        self.list_models()

    def generate_text(self, request: TextRequest) -> GenerationResult:
        """One chat completion; ``max_tokens`` is the limit field every compatible server knows."""
        params = self._params(request)
        ctx = self.errors
        with translated_errors(ctx):
            raw = self.client.chat.completions.with_raw_response.create(**params)
            data = raw.parse().to_dict()
        return text_result(data, request=request, ctx=ctx, request_id=raw.headers.get("x-request-id"))

    def stream_text(self, request: TextRequest) -> Generator[str, None, GenerationResult]:
        """Yield text as it arrives; returns the full result (usage when the server sends it)."""
        params = self._params(request)
        ctx = self.errors
        state = StreamState()
        with translated_errors(ctx):
            raw = self.client.chat.completions.with_raw_response.create(**params, stream=True)
            request_id = raw.headers.get("x-request-id")
            with raw.parse() as chunks:
                for chunk in chunks:
                    piece = state.feed(chunk.to_dict(), ctx)
                    if piece:
                        yield piece
        return state.result(request, ctx, request_id)

    def _params(self, request: TextRequest) -> dict[str, Any]:
        if not request.model.strip():
            raise InvalidProviderRequest(
                "Choose one of the endpoint's models.", provider=self.id, field="model"
            )
        if not request.messages:
            raise InvalidProviderRequest("There is no message to answer.", provider=self.id, field="messages")
        if request.temperature is not None and not 0 <= request.temperature <= 2:
            raise InvalidProviderRequest(
                "Temperature must be between 0 and 2.", provider=self.id, field="temperature"
            )
        if request.max_output_tokens is not None and request.max_output_tokens < 1:
            raise InvalidProviderRequest(
                "The output limit must be at least 1 token.", provider=self.id, field="max_output_tokens"
            )
        return chat_params(request, max_tokens_field="max_tokens")


def register(registry: Registry) -> None:
    """Add the OpenAI-compatible provider to the registry."""
    registry.add(OpenAICompatibleProvider)
