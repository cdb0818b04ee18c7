"""OpenAI SDK and transport failures as mediaws errors, worded for whichever OpenAI-style API answered."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
from mediaws.providers.base import UnusableAnswer, Usage
from mediaws.providers.retry import retry_after_seconds
from mediaws.providers.sdk import lazy

if TYPE_CHECKING:
    import httpx2
    import openai
else:
    httpx2 = lazy("httpx2")
    openai = lazy("openai")

REFUSAL_CODES = frozenset({"content_policy_violation", "moderation_blocked", "content_filter"})
QUOTA_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached"})
KEY_PATTERN = re.compile(r"\b(?:sk|rk)-[A-Za-z0-9_\-*.]{4,}")


@dataclass(frozen=True)
class ErrorContext:
    """Who is speaking in error messages and where a person fixes each kind of problem."""

    provider: str
    label: str
    timeout: float
    key_fix: str = "check the key in Settings → API keys"
    billing_fix: str = "add credit or raise the limit at platform.openai.com → Settings → Billing"
    reach_fix: str = "check the network and the base URL in Settings → API keys"
    secrets: tuple[str, ...] = ()


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove keys (given ones and anything key-shaped) from a provider's message."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[key]")
    return KEY_PATTERN.sub("[key]", text)


def _provider_message(exc: openai.APIError, ctx: ErrorContext) -> str:
    body = exc.body
    message = body.get("message") if isinstance(body, Mapping) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    return scrub(message.strip(), ctx.secrets)


def map_error(exc: Exception, ctx: ErrorContext) -> ProviderError:
    """Turn an SDK (or transport) exception into our error tree, with a message a person can act on."""
    label, provider = ctx.label, ctx.provider
    if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException):
        return ProviderTimeout(
            f"{label} did not answer within {ctx.timeout:g} s — try again, or ask for less.",
            provider=provider,
        )
    if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
        return ProviderUnavailable(f"Could not reach {label} — {ctx.reach_fix}.", provider=provider)
    if isinstance(exc, json.JSONDecodeError | openai.APIResponseValidationError):
        return unreadable(ctx)
    if not isinstance(exc, openai.APIError):
        return ProviderUnavailable(f"{label} failed unexpectedly ({type(exc).__name__}).", provider=provider)
    detail = _provider_message(exc, ctx)
    said = f": {detail}" if detail else "."
    code = (exc.code or "").lower()
    if isinstance(exc, openai.AuthenticationError):
        return BadProviderKey(f"{label} says the key is invalid — {ctx.key_fix}.", provider=provider)
    if isinstance(exc, openai.PermissionDeniedError):
        return BadProviderKey(
            f"{label} refused this key for the request (its project may lack access to the model) — "
            f"{ctx.key_fix}{said}",
            provider=provider,
        )
    if isinstance(exc, openai.RateLimitError):
        if code in QUOTA_CODES:
            return QuotaExceeded(
                f"{label} says the account is out of credit or quota — {ctx.billing_fix}.", provider=provider
            )
        wait = retry_after_seconds(exc.response.headers)
        when = f"wait {wait:g} s" if wait is not None else "wait a moment"
        return RateLimited(
            f"{label} is limiting requests — {when} and try again.", provider=provider, retry_after=wait
        )
    if code in REFUSAL_CODES:
        return ContentRefused(
            f"{label} refused the prompt under its content policy — reword it and try again{said}",
            provider=provider,
        )
    if isinstance(exc, openai.NotFoundError):
        return InvalidProviderRequest(
            f"{label} does not offer this model (or the base URL is wrong){said}",
            provider=provider,
            field="model",
        )
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return ProviderUnavailable(
            f"{label} failed on its side (HTTP {exc.status_code}) — try again shortly.", provider=provider
        )
    if isinstance(exc, openai.APIStatusError):
        return InvalidProviderRequest(
            f"{label} rejected the request{said}", provider=provider, field=exc.param
        )
    return ProviderUnavailable(f"{label} reported an error{said}", provider=provider)


def unreadable(
    ctx: ErrorContext, what: str = "an answer", *, usage: Usage | None = None, reported: bool = False
) -> UnusableAnswer:
    """The error for a successful answer we cannot read: it may have been billed, so it is not retried."""
    return UnusableAnswer(
        f"{ctx.label} sent {what} mediaws could not read.",
        provider=ctx.provider,
        usage=usage,
        usage_reported=reported,
    )


@contextmanager
def translated_errors(ctx: ErrorContext) -> Iterator[None]:
    """Re-raise SDK exceptions as ours; the SDK's text (which may echo a masked key) is not chained."""
    try:
        yield
    except ProviderError:
        raise
    except (openai.OpenAIError, httpx2.TransportError, json.JSONDecodeError) as exc:
        raise map_error(exc, ctx) from None
