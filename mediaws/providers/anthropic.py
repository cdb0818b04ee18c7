"""Anthropic Claude text through the official ``anthropic`` SDK: messages, token counting, streaming.

The SDK (2.x) sends ``anthropic-version: 2026-10-21`` and the key as ``Authorization: Bearer``. That
API version refuses sampling parameters (``temperature``, ``top_p``, ``top_k``) on every model, even
at their defaults, so no Claude model here offers a temperature option and a request carrying one is
refused before it is sent.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from mediaws.errors import (
    BadProviderKey,
    ContentRefused,
    InvalidProviderRequest,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
)
from mediaws.providers.base import (
    BilledRefusal,
    Capability,
    GenerationResult,
    ModelInfo,
    Options,
    Provider,
    Registry,
    Request,
    TextRequest,
    UnusableAnswer,
    Usage,
    listed_model,
)
from mediaws.providers.retry import retry_after_seconds
from mediaws.providers.sdk import lazy

if TYPE_CHECKING:
    import anthropic
else:
    anthropic = lazy("anthropic")

PROVIDER_ID = "anthropic"
LABEL = "Anthropic"
DEFAULT_MAX_TOKENS = 8192
KEY_HINT = "check the key in Settings → API keys (keys are made in the Claude Console → API keys)"
BILLING_HINT = "add credit or raise the spend limit in the Claude Console → Billing"
BILLING_CODES = frozenset(
    {
        "contract_spend_limit_reached",
        "enforced_spend_limit_reached",
        "linked_organization_spend_limit_reached",
        "linked_organization_billing_unavailable",
    }
)
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "pause_turn": "pause",
}


class Claude128kOptions(Options):
    """Options of Claude models that write up to 128K tokens per answer."""

    max_output_tokens: int = Field(DEFAULT_MAX_TOKENS, ge=1, le=128_000)


class Claude64kOptions(Options):
    """Options of Claude models that write up to 64K tokens per answer."""

    max_output_tokens: int = Field(DEFAULT_MAX_TOKENS, ge=1, le=64_000)


FAMILIES: dict[str, type[Options]] = {"claude-128k": Claude128kOptions, "claude-64k": Claude64kOptions}


def model_info(model_id: str) -> ModelInfo:
    """Return one Claude model or say which exist."""
    return listed_model(PROVIDER_ID, LABEL, FAMILIES, model_id)


def count_params(request: TextRequest) -> dict[str, Any]:
    """The body of POST /v1/messages/count_tokens for a request (model, messages, system)."""
    model_info(request.model)
    if not request.messages:
        raise InvalidProviderRequest(
            "Claude needs at least one message.", provider=PROVIDER_ID, field="messages"
        )
    if request.temperature is not None:
        raise InvalidProviderRequest(
            "Claude no longer accepts a temperature (the Anthropic API refuses it on every model); "
            "remove the temperature setting.",
            provider=PROVIDER_ID,
            field="temperature",
        )
    if request.seed is not None:
        raise InvalidProviderRequest(
            "Claude does not take a seed; remove the seed setting.", provider=PROVIDER_ID, field="seed"
        )
    params: dict[str, Any] = {
        "model": request.model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
    }
    if request.system:
        params["system"] = request.system
    return params


def message_params(request: TextRequest) -> dict[str, Any]:
    """The body of POST /v1/messages for a request; max_tokens is required, so it is always set."""
    params = count_params(request)
    options = model_info(request.model).validate_options(
        {} if request.max_output_tokens is None else {"max_output_tokens": request.max_output_tokens}
    )
    params["max_tokens"] = options.max_output_tokens  # type: ignore[attr-defined]
    return params


def usage_from_wire(usage: Any) -> Usage:
    """Billing units from a Messages ``usage`` object; input includes cache reads and writes.

    Writes are split by lifetime from ``cache_creation`` (5-minute and 1-hour writes cost differently);
    written tokens it does not account for are 5-minute writes, the default lifetime.
    """
    uncached = int(usage.input_tokens)
    cache_read = int(getattr(usage, "cache_read_input_tokens", None) or 0)
    cache_write = int(getattr(usage, "cache_creation_input_tokens", None) or 0)
    split = getattr(usage, "cache_creation", None)
    write_1h = int(getattr(split, "ephemeral_1h_input_tokens", None) or 0)
    write_5m = max(cache_write - write_1h, int(getattr(split, "ephemeral_5m_input_tokens", None) or 0))
    return Usage(
        input_tokens=uncached + cache_read + write_5m + write_1h,
        output_tokens=int(usage.output_tokens),
        cached_input_tokens=cache_read,
        cache_write_5m_tokens=write_5m,
        cache_write_1h_tokens=write_1h,
    )


def _refusal(message: Any) -> ContentRefused:
    """A refusal; it arrives with token usage, which Anthropic bills, so it carries that usage."""
    details = getattr(message, "stop_details", None)
    category = getattr(details, "category", None)
    explanation = getattr(details, "explanation", None)
    why = f" ({category})" if category else ""
    extra = f": {explanation}" if explanation else ""
    said = (
        f"Claude declined this request under Anthropic's usage policy{why}{extra}. "
        "Rephrase it or try another Claude model."
    )
    try:
        return BilledRefusal(said, provider=PROVIDER_ID, usage=usage_from_wire(message.usage))
    except (AttributeError, TypeError, ValueError):
        return ContentRefused(said, provider=PROVIDER_ID)


def result_from_wire(message: Any, model: str) -> GenerationResult:
    """Translate a Messages response into a result; a refusal raises ContentRefused."""
    try:
        stop_reason = message.stop_reason
        if stop_reason == "refusal":
            raise _refusal(message)
        text = "".join(block.text for block in message.content if getattr(block, "type", None) == "text")
        usage = usage_from_wire(message.usage)
        request_id = getattr(message, "_request_id", None) or message.id
    except ProviderError:
        raise
    except (AttributeError, TypeError, ValueError) as exc:
        raise UnusableAnswer(
            "Anthropic sent an answer mediaws could not read.", provider=PROVIDER_ID
        ) from exc
    return GenerationResult(
        provider=PROVIDER_ID,
        model=model,
        capability=Capability.TEXT,
        usage=usage,
        usage_reported=True,
        text=text,
        request_id=request_id,
        finish_reason=FINISH_REASONS.get(stop_reason or "", stop_reason),
    )


def _field_of(message: str) -> str | None:
    lowered = message.lower()
    for wire, ours in (
        ("max_tokens", "max_output_tokens"),
        ("temperature", "temperature"),
        ("model", "model"),
        ("system", "system"),
        ("messages", "messages"),
    ):
        if wire in lowered:
            return ours
    return None


def _is_billing(error: anthropic.APIStatusError, text: str) -> bool:
    lowered = text.lower()
    return (
        error.type == "billing_error"
        or error.status_code == 402
        or error.error_code in BILLING_CODES
        or "credit balance" in lowered
        or "spend limit" in lowered
    )


def map_status_error(error: anthropic.APIStatusError) -> ProviderError:
    """Our error for an HTTP (or mid-stream) error from the Messages API."""
    status, kind = error.status_code, error.type
    text = error.api_message or ""
    said = f" ({text})" if text else ""
    if _is_billing(error, text):
        return QuotaExceeded(
            f"Anthropic says the account cannot pay for this{said} — {BILLING_HINT}.", provider=PROVIDER_ID
        )
    if status == 401 or kind == "authentication_error":
        return BadProviderKey(f"Anthropic says the key is invalid — {KEY_HINT}.", provider=PROVIDER_ID)
    if status == 403 or kind == "permission_error":
        return BadProviderKey(
            f"Anthropic says this key may not do that{said} — check the key's workspace and model "
            f"access, then {KEY_HINT}.",
            provider=PROVIDER_ID,
        )
    if status == 429 or kind == "rate_limit_error":
        wait = retry_after_seconds(error.response.headers)
        return RateLimited(
            "Anthropic is rate-limiting this key; mediaws will retry. Raise the limits in the "
            "Claude Console if it keeps happening.",
            provider=PROVIDER_ID,
            retry_after=wait,
        )
    if status == 529 or kind == "overloaded_error":
        return ProviderUnavailable(
            "Anthropic is overloaded right now; try again shortly.", provider=PROVIDER_ID
        )
    if status in (408, 504) or kind == "timeout_error":
        return ProviderTimeout("Anthropic timed out on its side; try again.", provider=PROVIDER_ID)
    if status == 404 or kind == "not_found_error":
        return InvalidProviderRequest(
            f"Anthropic does not know this model or resource{said}; choose another model.",
            provider=PROVIDER_ID,
            field="model",
        )
    if 400 <= status < 500 or kind == "invalid_request_error":
        return InvalidProviderRequest(
            f"Anthropic refused the request{said}.", provider=PROVIDER_ID, field=_field_of(text)
        )
    return ProviderUnavailable(f"Anthropic failed on its side{said}; try again later.", provider=PROVIDER_ID)


def map_error(error: Exception, *, timeout: float) -> ProviderError:
    """Our error for anything the SDK raised."""
    if isinstance(error, ProviderError):
        return error
    if isinstance(error, anthropic.APITimeoutError):
        return ProviderTimeout(
            f"Anthropic did not answer within {timeout:g} s; try again or ask for a shorter answer.",
            provider=PROVIDER_ID,
        )
    if isinstance(error, anthropic.APIConnectionError):
        return ProviderUnavailable(
            "Could not reach Anthropic; check the network or the provider's base URL.", provider=PROVIDER_ID
        )
    if isinstance(error, anthropic.APIStatusError):
        return map_status_error(error)
    if isinstance(error, anthropic.APIResponseValidationError | ValueError | TypeError | AttributeError):
        return ProviderUnavailable(
            "Anthropic sent an answer mediaws could not read; try again later.", provider=PROVIDER_ID
        )
    if isinstance(error, anthropic.AnthropicError):
        return ProviderUnavailable(
            f"The Anthropic client failed: {type(error).__name__}.", provider=PROVIDER_ID
        )
    raise error


class AnthropicProvider(Provider):
    """Claude text generation, token counting and streaming."""

    id: ClassVar[str] = PROVIDER_ID
    label: ClassVar[str] = LABEL
    needs_key: ClassVar[bool] = True
    key_env_var: ClassVar[str | None] = "ANTHROPIC_API_KEY"
    default_base_url: ClassVar[str | None] = "https://api.anthropic.com"
    key_hint = "sk-ant-…"
    makes = "Text"
    families = FAMILIES

    @classmethod
    def estimate_usage(cls, request: Request) -> Usage | None:
        """Erring high: about 3 characters a token in, and the max_tokens actually sent out."""
        if not isinstance(request, TextRequest):
            return None
        chars = sum(len(m.content) for m in request.messages) + len(request.system or "")
        return Usage(
            input_tokens=-(-chars // 3), output_tokens=request.max_output_tokens or DEFAULT_MAX_TOKENS
        )

    @cached_property
    def _sdk(self) -> anthropic.Anthropic:
        return anthropic.Anthropic(
            api_key=self.api_key, base_url=self.base_url, timeout=self.timeout, max_retries=0
        )

    def _client(self) -> anthropic.Anthropic:
        if not self.api_key:
            raise BadProviderKey(f"No Anthropic key is set — {KEY_HINT}.", provider=PROVIDER_ID)
        return self._sdk

    def test_key(self) -> None:
        """List one model (GET /v1/models): free, and refused for a bad key."""
        client = self._client()
        try:
            client.models.list(limit=1, timeout=self.timeout)
        except Exception as exc:
            raise map_error(exc, timeout=self.timeout) from exc

    def count_tokens(self, request: TextRequest) -> int:
        """Input tokens the request will be billed for (POST /v1/messages/count_tokens); free."""
        params = count_params(request)
        client = self._client()
        try:
            counted = client.messages.count_tokens(**params, timeout=self.timeout)
            return int(counted.input_tokens)
        except Exception as exc:
            raise map_error(exc, timeout=self.timeout) from exc

    def generate_text(self, request: TextRequest) -> GenerationResult:
        """One Messages call; refusals raise ContentRefused."""
        params = message_params(request)
        client = self._client()
        try:
            message = client.messages.create(**params, timeout=self.timeout)
        except Exception as exc:
            raise map_error(exc, timeout=self.timeout) from exc
        return result_from_wire(message, request.model)

    def stream_text(self, request: TextRequest) -> Generator[str, None, GenerationResult]:
        """Yield text deltas over SSE; the generator returns the final result with usage."""
        params = message_params(request)
        client = self._client()
        try:
            with client.messages.stream(**params, timeout=self.timeout) as stream:
                yield from stream.text_stream
                final = stream.get_final_message()
        except Exception as exc:
            raise map_error(exc, timeout=self.timeout) from exc
        return result_from_wire(final, request.model)


def register(registry: Registry) -> None:
    """Add the Anthropic provider."""
    registry.add(AnthropicProvider)
