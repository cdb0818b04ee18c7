"""Retries with exponential backoff and jitter for retryable provider errors, and fallback chains."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Generic, TypeVar

from mediaws.errors import ProviderError, RateLimited

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry."""

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 20.0

    def delay(self, attempt: int, error: ProviderError, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based): Retry-After wins, else full jitter."""
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return min(float(error.retry_after), self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return rng.uniform(0, ceiling)


def with_retries(
    call: Callable[[], T],
    *,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    on_retry: Callable[[int, ProviderError, float], None] | None = None,
) -> T:
    """Run ``call``; retry only errors marked retryable, up to the policy's attempts."""
    generator = rng or random.Random()  # noqa: S311
    attempt = 1
    while True:
        try:
            return call()
        except ProviderError as error:
            if not error.retryable or attempt >= policy.attempts:
                raise
            wait = policy.delay(attempt, error, generator)
            if on_retry is not None:
                on_retry(attempt, error, wait)
            sleep(wait)
            attempt += 1


@dataclass(frozen=True)
class FallbackOutcome(Generic[T]):
    """The result and which candidate produced it (index 0 is the first choice)."""

    result: T
    index: int
    errors: tuple[ProviderError, ...]


def with_fallback(candidates: Sequence[Callable[[], T]]) -> FallbackOutcome[T]:
    """Try each candidate in turn (each already wrapped in retries) until one succeeds."""
    errors: list[ProviderError] = []
    for index, candidate in enumerate(candidates):
        try:
            return FallbackOutcome(candidate(), index, tuple(errors))
        except ProviderError as error:
            errors.append(error)
    if not errors:
        raise ValueError("no fallback candidates")
    raise errors[-1]


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: retry-after-ms, retry-after seconds, or an HTTP date."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if "retry-after-ms" in lowered:
        try:
            return max(float(lowered["retry-after-ms"]) / 1000, 0.0)
        except ValueError:
            pass
    value = (lowered.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(when - (time.time() if now is None else now), 0.0)
