"""Replicate failures as mediaws errors: API statuses, failed predictions, SDK and transport exceptions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx

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
from mediaws.providers.replicate.options import PROVIDER_ID
from mediaws.providers.replicate.translate import WIRE_TO_REQUEST
from mediaws.providers.retry import retry_after_seconds
from mediaws.providers.sdk import lazy

if TYPE_CHECKING:
    from replicate import exceptions as replicate_exceptions
else:
    replicate_exceptions = lazy("replicate.exceptions")

KEY_HINT = "check the Replicate token in Settings → API keys"
BILLING_URL = "https://replicate.com/account/billing"
REFUSAL = re.compile(
    r"nsfw|not safe for work|safety|sensitive|flagged|moderat|content polic|\bE005\b", re.IGNORECASE
)
INPUT_FIELD = re.compile(r"input\.([A-Za-z_][\w]*)")
REQUIRED_FIELD = re.compile(r"\b([A-Za-z_]\w*) is required")


def failure_error(error: str | None, model: str) -> ProviderError:
    """The error for a prediction that ended in status 'failed'."""
    text = (error or "no reason given").strip()
    if REFUSAL.search(text):
        return ContentRefused(
            f"Replicate's {model} refused this as unsafe content: {text} Try a different prompt.",
            provider=PROVIDER_ID,
        )
    return ProviderUnavailable(f"Replicate's {model} failed: {text}", provider=PROVIDER_ID)


def invalid_field(detail: str | None) -> str | None:
    """The request field a Replicate validation message names, in mediaws's words where they differ."""
    match = INPUT_FIELD.search(detail or "") or REQUIRED_FIELD.search(detail or "")
    if match is None:
        return None
    return WIRE_TO_REQUEST.get(match[1], match[1])


def api_error(
    status: int, title: str | None, detail: str | None, retry_after: float | None = None
) -> ProviderError:
    """Map an HTTP error from Replicate's API to mediaws's provider errors."""
    said = " ".join(part for part in (title, detail) if part).strip() or f"HTTP {status}"
    if status == 401:
        return BadProviderKey(f"Replicate says the API token is invalid — {KEY_HINT}.", provider=PROVIDER_ID)
    if status == 403:
        return BadProviderKey(
            f"Replicate refused this token access ({said}) — {KEY_HINT}.", provider=PROVIDER_ID
        )
    if status == 402:
        return QuotaExceeded(
            f"Replicate says the account is out of credit — add credit at {BILLING_URL}.",
            provider=PROVIDER_ID,
        )
    if status == 429:
        wait = f" Retry in {retry_after:g} s." if retry_after is not None else ""
        return RateLimited(
            f"Replicate is rate-limiting this token.{wait}", provider=PROVIDER_ID, retry_after=retry_after
        )
    if status == 404:
        return InvalidProviderRequest(
            f"Replicate does not know this model or prediction: {said}", provider=PROVIDER_ID, field="model"
        )
    if status in (400, 409, 413, 422):
        return InvalidProviderRequest(
            f"Replicate rejected the request: {said}", provider=PROVIDER_ID, field=invalid_field(detail)
        )
    if status in (408, 504):
        return ProviderTimeout(f"Replicate timed out ({said}). Try again.", provider=PROVIDER_ID)
    return ProviderUnavailable(f"Replicate failed with HTTP {status}: {said}", provider=PROVIDER_ID)


def raise_for_response(response: httpx.Response) -> None:
    """httpx response hook: turn API errors into mediaws errors while the headers are still at hand."""
    if response.status_code < 400:
        return
    response.read()
    error = replicate_exceptions.ReplicateError.from_response(response)
    raise api_error(response.status_code, error.title, error.detail, retry_after_seconds(response.headers))


@contextmanager
def sdk_errors() -> Iterator[None]:
    """Translate SDK, transport and parsing failures into mediaws's provider errors."""
    try:
        yield
    except ProviderError:
        raise
    except replicate_exceptions.ReplicateError as exc:
        raise api_error(exc.status or 0, exc.title, exc.detail) from None
    except httpx.TimeoutException:
        raise ProviderTimeout("Replicate did not answer in time. Try again.", provider=PROVIDER_ID) from None
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(
            f"Replicate could not be reached ({type(exc).__name__}). Check the connection and try again.",
            provider=PROVIDER_ID,
        ) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise ProviderUnavailable(
            f"Replicate sent an answer mediaws could not read ({type(exc).__name__}).", provider=PROVIDER_ID
        ) from None
