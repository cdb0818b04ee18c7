"""Costs add up like an invoice: 10,000 generations cost exactly what their summed units cost."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from functools import reduce

import pytest

from mediaws.pricing.cost import cost, micros_of
from mediaws.providers.base import Usage

RUNS = 10_000


def _tokens(rng: random.Random) -> Usage:
    total = rng.randrange(1, 90_000)
    cached = rng.randrange(0, total // 2 + 1)
    written = rng.randrange(0, total - cached + 1) if rng.random() < 0.3 else 0
    return Usage(
        input_tokens=total,
        cached_input_tokens=cached,
        cache_write_5m_tokens=written,
        output_tokens=rng.randrange(0, 9_000),
    )


def _images(rng: random.Random) -> Usage:
    text, image = rng.randrange(1, 400), rng.randrange(0, 3_000)
    return Usage(
        input_tokens=text,
        cached_input_tokens=rng.randrange(0, text + 1),
        image_input_tokens=image,
        cached_image_input_tokens=rng.randrange(0, image + 1),
        image_output_tokens=rng.randrange(200, 7_000),
    )


def _characters(rng: random.Random) -> Usage:
    return Usage(characters=rng.randrange(1, 5_000))


def _seconds(rng: random.Random) -> Usage:
    return Usage(predict_seconds=Decimal(rng.randrange(1, 600_000)) / 1000)  # milliseconds, as stored


def _plus(a: Usage, b: Usage) -> Usage:
    return Usage(
        **{
            name: getattr(a, name) + getattr(b, name)
            for name in (
                "input_tokens",
                "output_tokens",
                "cached_input_tokens",
                "cache_write_5m_tokens",
                "image_input_tokens",
                "cached_image_input_tokens",
                "image_output_tokens",
                "characters",
                "predict_seconds",
            )
        }
    )


@pytest.mark.parametrize(
    ("provider", "model", "make"),
    [
        ("anthropic", "claude-sonnet-5-5", _tokens),  # no long-context tier: billed linearly
        ("openai", "gpt-image-2", _images),
        ("elevenlabs", "eleven_flash_v2_5", _characters),
        ("replicate", "meta/musicgen", _seconds),
    ],
)
def test_the_sum_of_costs_is_the_cost_of_the_summed_units(
    provider: str, model: str, make: Callable[[random.Random], Usage]
) -> None:
    """Exact per call (pico-dollars, never rounded), so the month's total is the provider's arithmetic."""
    rng = random.Random(f"{provider}/{model}")
    usages = [make(rng) for _ in range(RUNS)]
    each = [cost(provider, model, usage) for usage in usages]
    whole = cost(provider, model, reduce(_plus, usages))
    assert sum(one.picos for one in each) == whole.picos
    assert micros_of(sum(one.picos for one in each)) == whole.micros  # rounded once, for people
