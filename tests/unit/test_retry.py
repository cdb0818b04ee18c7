"""Retries honour Retry-After, back off with jitter, stop on non-retryable errors; fallback moves on."""

from __future__ import annotations

import random

import pytest

from mediaws.errors import BadProviderKey, ProviderUnavailable, RateLimited
from mediaws.providers.retry import RetryPolicy, with_fallback, with_retries


def flaky(*errors: Exception, result: str = "ok") -> tuple[list[int], object]:
    """A call that raises the given errors in turn, then returns the result."""
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return calls, call


def test_retry_after_is_waited_then_success() -> None:
    """A 429 with Retry-After waits exactly that long before the next try."""
    sleeps: list[float] = []
    calls, call = flaky(RateLimited("slow down", retry_after=3))
    assert with_retries(call, sleep=sleeps.append) == "ok"  # type: ignore[arg-type]
    assert (len(calls), sleeps) == (2, [3.0])


def test_backoff_is_jittered_and_bounded() -> None:
    """Without Retry-After, waits stay under base * 2^(n-1) and max_delay."""
    sleeps: list[float] = []
    policy = RetryPolicy(attempts=4, base_delay=1.0, max_delay=3.0)
    calls, call = flaky(ProviderUnavailable("500"), ProviderUnavailable("502"), ProviderUnavailable("503"))
    with_retries(call, policy=policy, sleep=sleeps.append, rng=random.Random(7))  # type: ignore[arg-type]
    assert len(calls) == 4
    assert [s <= limit for s, limit in zip(sleeps, [1.0, 2.0, 3.0], strict=True)] == [True, True, True]
    assert len(set(sleeps)) == 3


def test_non_retryable_and_exhausted_errors_are_raised() -> None:
    """A bad key is not retried; retryable errors give up after the policy's attempts."""
    sleeps: list[float] = []
    calls, call = flaky(BadProviderKey("bad key"))
    with pytest.raises(BadProviderKey):
        with_retries(call, sleep=sleeps.append)  # type: ignore[arg-type]
    assert (len(calls), sleeps) == (1, [])
    calls, call = flaky(*[ProviderUnavailable("down")] * 5)
    with pytest.raises(ProviderUnavailable):
        with_retries(call, policy=RetryPolicy(attempts=3), sleep=sleeps.append)  # type: ignore[arg-type]
    assert len(calls) == 3


def test_fallback_uses_the_next_candidate() -> None:
    """When the first choice fails, the second answers and the first error is kept."""
    _, failing = flaky(*[ProviderUnavailable("down")] * 9)
    _, working = flaky(result="from fallback")
    outcome = with_fallback([failing, working])  # type: ignore[list-item]
    assert (outcome.result, outcome.index) == ("from fallback", 1)
    assert [type(e) for e in outcome.errors] == [ProviderUnavailable]
    with pytest.raises(ProviderUnavailable):
        with_fallback([failing])  # type: ignore[list-item]
