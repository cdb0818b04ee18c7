"""Endpoint prices the user states: exact micros, half-up rounding, free by choice, refused when unset."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from mediaws.errors import ValidationError
from mediaws.pricing.cost import estimate, priced_display
from mediaws.pricing.endpoint import (
    EndpointPrice,
    endpoint_cost,
    endpoint_estimate,
    endpoint_version,
    price_summary,
    rate_text,
)
from mediaws.providers.base import Message, TextRequest, Usage

VERSION = "endpoint:test@20261128T040000Z"
MISSING = "Set a price for the endpoint “Together” in Settings → API keys (0 for your own server)."


def test_reported_tokens_are_priced_exactly() -> None:
    """1,234 in + 567 out at $0.60 / $2.40 per 1M is 2,101.2 micro-dollars, kept as 2,101."""
    priced = endpoint_cost(
        600_000, 2_400_000, Usage(input_tokens=1234, output_tokens=567), version=VERSION, name="x"
    )
    assert (priced.micros, priced.price_version, priced.free) == (2101, VERSION, False)
    assert priced.display() == "$0.002101"


def test_cached_input_tokens_are_billed_at_the_input_price() -> None:
    """An endpoint has one input price, so cached tokens are not discounted (erring high)."""
    usage = Usage(input_tokens=1_000_000, cached_input_tokens=400_000, output_tokens=0)
    assert endpoint_cost(500_000, 0, usage, version=VERSION, name="x").micros == 500_000


def test_half_a_micro_dollar_rounds_up() -> None:
    """5 tokens at $0.50/1M is 2.5 micro-dollars → 3 (half up, not half even); 0.4999… → 0."""
    assert endpoint_cost(500_000, 0, Usage(input_tokens=5), version=VERSION, name="x").micros == 3
    assert endpoint_cost(499_999, 0, Usage(input_tokens=1), version=VERSION, name="x").micros == 0
    assert endpoint_cost(0, 1, Usage(output_tokens=1_500_000), version=VERSION, name="x").micros == 2


def test_zero_prices_are_free_by_choice_and_one_zero_is_not() -> None:
    """0 / 0 is a deliberate free price; a zero input price alone still bills output."""
    free = endpoint_cost(0, 0, Usage(input_tokens=9_999, output_tokens=9_999), version=VERSION, name="x")
    assert (free.micros, free.free, free.display()) == (0, True, "$0.00 (free)")
    paid = endpoint_cost(0, 2_000_000, Usage(input_tokens=10, output_tokens=5_000), version=VERSION, name="x")
    assert (paid.micros, paid.free) == (10_000, False)


@pytest.mark.parametrize(("input_micros", "output_micros"), [(None, None), (600_000, None), (None, 0)])
def test_an_endpoint_without_a_price_is_refused_never_zero(
    input_micros: int | None, output_micros: int | None
) -> None:
    """No price set: a refusal that says where to set it, on the endpoint field."""
    with pytest.raises(ValidationError) as caught:
        endpoint_cost(input_micros, output_micros, Usage(input_tokens=1), version=VERSION, name="Together")
    assert (caught.value.message, caught.value.field) == (MISSING, "endpoint")
    request = TextRequest(model="m", messages=(Message("user", "hi"),))
    with pytest.raises(ValidationError, match="Settings → API keys"):
        endpoint_estimate(input_micros, output_micros, request, version=VERSION, name="Together")


def test_text_estimate_matches_a_table_model_at_the_same_price() -> None:
    """The token guess is the one table-priced text models use: gpt-4.1 at $2/$8 quotes the same."""
    request = TextRequest(model="m", messages=(Message("user", "x" * 3_000),), max_output_tokens=700)
    mine = endpoint_estimate(2_000_000, 8_000_000, request, version=VERSION, name="x")
    assert mine.micros == estimate("openai", "gpt-4.1", request).micros == 1000 * 2 + 700 * 8
    counted = endpoint_estimate(
        2_000_000,
        8_000_000,
        request,
        version=VERSION,
        name="x",
        usage=Usage(input_tokens=10, output_tokens=10),
    )
    assert counted.micros == 100


def test_price_version_names_the_endpoint_and_its_edit_and_fits_the_column() -> None:
    """A later price edit gets a new version, so costs already recorded keep theirs."""
    endpoint_id = uuid.UUID("0b6f4d8e-2c1a-4e7b-9d3f-5a6b7c8d9e0f")
    edited = datetime(2026, 11, 28, 4, 6, 54, 123456, tzinfo=UTC)
    version = endpoint_version(endpoint_id, edited)
    assert version == "endpoint:0b6f4d8e2c1a4e7b9d3f5a6b7c8d9e0f@20261128T040654Z"
    assert len(version) <= 60
    assert endpoint_version(endpoint_id, edited + timedelta(seconds=1)) != version
    price = EndpointPrice("x", 1_000_000, 1_000_000, version)
    assert price.cost(Usage(input_tokens=3, output_tokens=4)).price_version == version


def test_prices_read_as_dollars_per_million_free_or_unset() -> None:
    """What the Settings row says about an endpoint's prices."""
    assert price_summary(600_000, 2_400_000) == "$0.60 / $2.40 per 1M tokens"
    assert price_summary(75_000, 15_000_000) == "$0.075 / $15.00 per 1M tokens"
    assert price_summary(0, 0) == "free"
    assert price_summary(None, None) == "no price yet — set one to generate"
    assert [rate_text(v) for v in (0, 1, 600_000, 1_234_567_890)] == [
        "0.00",
        "0.000001",
        "0.60",
        "1234.56789",
    ]


def test_stored_endpoint_costs_display_as_plain_dollars() -> None:
    """An endpoint's model is in no price table, yet its recorded cost still shows."""
    assert priced_display("openai_compatible", "llama3.2:latest", 2101) == "$0.002101"
    assert priced_display("openai_compatible", "llama3.2:latest", 1_250_000) == "$1.25"
