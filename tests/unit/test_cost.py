"""Cost is exact, per unit kind, and a missing price is an error rather than $0."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError as PydanticValidationError

from mediaws.catalogue.table import ModelEntry, describe, parse_decimal
from mediaws.errors import ValidationError
from mediaws.pricing import cost as cost_module
from mediaws.pricing.cost import Cost, cost_usd, estimated_usage
from mediaws.providers.base import ImageRequest, Message, SpeechRequest, TextRequest, Usage, VideoRequest


def price(**fields: object) -> ModelEntry:
    """Build a model price from table-like fields."""
    return ModelEntry.model_validate(fields)


def test_tokens_with_cached_input_and_exact_micros() -> None:
    """1,234 input (200 cached) + 567 output at $2/$8/$0.50 per million is exact."""
    table = price(unit="tokens", input_per_mtok="2.00", output_per_mtok="8.00", cached_input_per_mtok="0.50")
    usd = cost_usd(table, Usage(input_tokens=1234, cached_input_tokens=200, output_tokens=567), "p", "m")
    assert usd == (Decimal(1034) * 2 + Decimal(200) * Decimal("0.5") + Decimal(567) * 8) / 1_000_000
    assert cost_module._micros(usd) == 6704


def test_long_context_tier_applies_above_threshold() -> None:
    """Input above the tier threshold bills every token at the tier's rates."""
    table = price(
        unit="tokens",
        input_per_mtok="1.25",
        output_per_mtok="10",
        tiers=[{"above_input_tokens": 200_000, "input_per_mtok": "2.50", "output_per_mtok": "15"}],
    )
    small = cost_usd(table, Usage(input_tokens=200_000, output_tokens=1000), "p", "m")
    large = cost_usd(table, Usage(input_tokens=200_001, output_tokens=1000), "p", "m")
    assert small == Decimal("0.26")
    assert large == Decimal("0.5150025")


def test_images_by_quality_and_size() -> None:
    """Three HD 1024x1792 images at $0.12 each cost $0.36; an unpriced size is refused."""
    table = price(unit="image", per_image={"standard 1024x1024": "0.04", "hd 1024x1792": "0.12"})
    usage = Usage(image_count=3, image_size="1024x1792", image_quality="hd")
    assert cost_usd(table, usage, "openai", "dall-e-3") == Decimal("0.36")
    with pytest.raises(ValidationError, match="no price for 'hd 512x512'"):
        cost_usd(table, Usage(image_count=1, image_size="512x512", image_quality="hd"), "openai", "dall-e-3")


def test_video_seconds_with_and_without_audio() -> None:
    """Eight seconds with audio use the audio rate."""
    table = price(unit="video_second", per_second="0.50", per_second_with_audio="0.75")
    assert cost_usd(table, Usage(video_seconds=Decimal(8), video_audio=True), "g", "veo") == Decimal(6)
    assert cost_usd(table, Usage(video_seconds=Decimal(8)), "g", "veo") == Decimal(4)


def test_characters_outputs_predict_time_image_tokens_and_free() -> None:
    """The remaining unit kinds each price exactly."""
    assert cost_usd(
        price(unit="character", per_1k_characters="0.30"), Usage(characters=1000), "e", "m"
    ) == Decimal("0.3")
    assert cost_usd(price(unit="output", per_output="0.003"), Usage(output_count=1), "r", "m") == Decimal(
        "0.003"
    )
    predict = price(unit="predict_second", per_second="0.000975")
    assert cost_usd(predict, Usage(predict_seconds=Decimal("12.5")), "r", "m") == Decimal("0.0121875")
    image_tokens = price(
        unit="image_tokens", input_per_mtok="5", image_input_per_mtok="10", image_output_per_mtok="40"
    )
    usage = Usage(input_tokens=50, image_input_tokens=0, image_output_tokens=4160)
    assert cost_usd(image_tokens, usage, "openai", "gpt-image-1") == Decimal("0.16665")
    assert cost_usd(price(unit="free"), Usage(output_count=3), "local", "m") == 0


def test_missing_rate_is_an_error_not_zero() -> None:
    """A token model without an output rate cannot price output."""
    with pytest.raises(ValidationError, match="no output-token price"):
        cost_usd(price(unit="tokens", input_per_mtok="1"), Usage(output_tokens=5), "p", "m")


def test_unknown_model_is_refused() -> None:
    """Pricing a model nobody priced raises and says mediaws never guesses $0."""
    with pytest.raises(ValidationError, match="never guesses \\$0"):
        cost_module.cost("nobody", "no-such-model", Usage(input_tokens=1))


def test_display_shows_cents_and_sub_cent_amounts() -> None:
    """People see cents; tiny amounts keep their micro-dollars."""
    assert Cost(1_234_567, "p@v", "s").display() == "$1.23"
    assert Cost(2468, "p@v", "s").display() == "$0.002468"
    assert Cost(0, "local@v", "s", free=True).display() == "$0.00 (free)"


def test_estimates_err_high_from_the_request() -> None:
    """Estimates use max output tokens, counts, seconds and characters."""
    text = TextRequest(model="m", messages=(Message("user", "x" * 30),), max_output_tokens=500)
    assert estimated_usage(text) == Usage(input_tokens=10, output_tokens=500)
    assert estimated_usage(text, input_tokens=7).input_tokens == 7
    image = estimated_usage(ImageRequest(model="m", prompt="cat", size="1024x1792", quality="hd", count=3))
    assert (image.image_count, image.image_size, image.image_quality) == (3, "1024x1792", "hd")
    video = estimated_usage(VideoRequest(model="m", prompt="p", duration_seconds=8, with_audio=True))
    assert (video.video_seconds, video.video_audio) == (Decimal(8), True)
    assert estimated_usage(SpeechRequest(model="m", text="hello", voice="v")).characters == 5


def test_describe_and_parse_decimal() -> None:
    """Price summaries read well; typed numbers are checked."""
    assert (
        describe(price(unit="tokens", input_per_mtok="2", output_per_mtok="8")) == "$2.00/M in · $8.00/M out"
    )
    assert describe(price(unit="character", per_1k_characters="0.3")) == "$0.30 per 1,000 characters"
    assert parse_decimal("2.5", "seconds") == Decimal("2.5")
    with pytest.raises(ValidationError, match="must be a number"):
        parse_decimal("two", "seconds")
    with pytest.raises(ValidationError, match="zero or more"):
        parse_decimal("-1", "seconds")


@pytest.mark.parametrize(
    ("usage", "said"),
    [
        (Usage(input_tokens=-5, output_tokens=10), "input_tokens is negative"),
        (Usage(output_tokens=-1), "output_tokens is negative"),
        (Usage(video_seconds=Decimal("NaN")), "video_seconds is not a number"),
        (Usage(predict_seconds=Decimal("Infinity")), "predict_seconds is not a number"),
    ],
)
def test_impossible_units_are_refused(usage: Usage, said: str) -> None:
    """Negative or non-numeric units (a provider's inconsistent counts) are an error, never a credit."""
    table = price(unit="tokens", input_per_mtok="2", output_per_mtok="8")
    with pytest.raises(ValidationError, match=said):
        cost_usd(table, usage, "p", "m")


def test_absurd_units_are_refused_before_they_overflow() -> None:
    """1e100000 predict seconds is neither a traceback nor a number the column cannot hold."""
    table = price(unit="predict_second", per_second="0.0014")
    for seconds in ("1e100000", "1e15"):
        with pytest.raises(ValidationError, match="cannot be right"):
            cost_usd(table, Usage(predict_seconds=Decimal(seconds)), "p", "m")
    assert cost_usd(table, Usage(predict_seconds=Decimal(1000)), "p", "m") == Decimal("1.4")


def test_cached_and_written_tokens_cannot_exceed_the_input_they_belong_to() -> None:
    table = price(unit="tokens", input_per_mtok="2", output_per_mtok="8", cache_write_5m_per_mtok="2.5")
    with pytest.raises(ValidationError, match="exceed the input tokens"):
        cost_usd(table, Usage(input_tokens=10, cached_input_tokens=8, cache_write_5m_tokens=5), "p", "m")


def test_units_without_a_rate_are_an_error_not_free() -> None:
    """Image input on a model with no image-input rate, or a cache write with no write rate, is refused."""
    images = price(unit="image_tokens", input_per_mtok="5", image_output_per_mtok="30")
    with pytest.raises(ValidationError, match="no image-input price"):
        cost_usd(images, Usage(input_tokens=10, image_input_tokens=100, image_output_tokens=1000), "p", "m")
    tokens = price(unit="tokens", input_per_mtok="2", output_per_mtok="8")
    with pytest.raises(ValidationError, match="no 1-hour cache-write price"):
        cost_usd(tokens, Usage(input_tokens=100, cache_write_1h_tokens=50), "p", "m")


def test_units_a_model_is_not_billed_by_are_named() -> None:
    tokens = price(unit="tokens", input_per_mtok="2", output_per_mtok="8")
    with pytest.raises(ValidationError, match="billed by tokens, not by image count"):
        cost_module.check_billed(tokens, Usage(input_tokens=5, image_count=3), "p", "m")
    cost_module.check_billed(tokens, Usage(input_tokens=5, cache_write_1h_tokens=2), "p", "m")
    cost_module.check_billed(price(unit="free"), Usage(image_count=3), "p", "m")


def test_dated_periods_pick_the_price_in_force_and_may_not_overlap() -> None:
    """An introductory price applies until its last day; the model's own rates after it."""
    model = price(
        unit="tokens",
        input_per_mtok="1.50",
        output_per_mtok="7.50",
        periods=[
            {
                "effective_until": "2027-01-01",
                "unit": "tokens",
                "input_per_mtok": "0.75",
                "output_per_mtok": "3.75",
            }
        ],
    )
    before, period = model.rates_on(date(2026, 12, 31))
    after, none = model.rates_on(date(2027, 1, 1))
    assert (before.input_per_mtok, after.input_per_mtok) == (Decimal("0.75"), Decimal("1.50"))
    assert period is not None and none is None
    overlapping = [
        {"effective_until": "2027-01-01", "unit": "tokens", "input_per_mtok": "1"},
        {"effective_from": "2026-12-01", "unit": "tokens", "input_per_mtok": "2"},
    ]
    with pytest.raises(PydanticValidationError, match="overlap"):
        price(unit="tokens", input_per_mtok="1", periods=overlapping)
    with pytest.raises(PydanticValidationError, match="needs effective_from or effective_until"):
        price(unit="tokens", input_per_mtok="1", periods=[{"unit": "tokens"}])


def test_lifecycle_status_follows_the_providers_dates() -> None:
    model = price(unit="tokens", deprecated_on="2026-07-14", shutdown_on="2027-01-14", replacement="next")
    assert model.status_on(date(2026, 7, 13)) == "deprecated"  # a shutdown date is announced
    assert model.status_on(date(2027, 1, 13)) == "deprecated"
    assert model.status_on(date(2027, 1, 14)) == "retired"
    assert price(unit="tokens").status_on(date(2030, 1, 1)) == "live"
    assert price(unit="tokens", deprecated_on="2026-07-14").status_on(date(2026, 7, 14)) == "deprecated"


def test_a_tiny_call_keeps_its_exact_cost_though_it_shows_as_zero_micro_dollars() -> None:
    """One token at $0.30/M is $0.0000003: shown as 0 µ$, kept as 300,000 pico-dollars, never lost."""
    tiny = cost_module.cost("gemini", "gemini-3.5-flash-lite", Usage(input_tokens=1))
    assert (tiny.micros, tiny.picos, cost_module.exact_usd(tiny.picos)) == (0, 300_000, "0.0000003")
    assert cost_module.micros_of(4 * tiny.picos) == 1  # four of them round to one micro-dollar, once
    assert Cost(2468, "p@v", "s").picos == 2_468_000_000  # a cost known only in micro-dollars
