"""OpenAI's price table: every listed model priced, token rates equal genai-prices, hand-computed costs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from genai_prices import Usage as GenaiUsage
from genai_prices import calc_price

from mediaws.catalogue.table import load_tables, price_for
from mediaws.errors import ValidationError
from mediaws.pricing.cost import cost, cost_usd, estimate
from mediaws.providers.base import Capability, ImageRequest, Message, SpeechRequest, TextRequest, Usage
from mediaws.providers.openai import GptImage2Options, OpenAIProvider, image_usage

TEXT_MODELS = [m.id for m in OpenAIProvider.models() if m.capability is Capability.TEXT]
GENAI_KNOWS = [m for m in TEXT_MODELS if not load_tables()["openai"].models[m].genai_prices_note]


def test_every_listed_model_has_a_price_and_nothing_else_is_priced() -> None:
    """The table and models() list the same models, dated 2026-12-01."""
    table = load_tables()["openai"]
    assert table.version == "2026-12-01"
    assert set(table.models) == {m.id for m in OpenAIProvider.models()}
    for info in OpenAIProvider.models():
        _price, version, source = price_for("openai", info.id)
        assert version == "openai@2026-12-01"
        assert source.startswith("https://developers.openai.com/")


@pytest.mark.parametrize("model", GENAI_KNOWS)
@pytest.mark.parametrize(
    ("input_tokens", "cached", "output_tokens"),
    [(1234, 0, 567), (1234, 200, 567), (300_000, 50_000, 4_000), (272_000, 0, 10)],
)
def test_text_prices_agree_with_genai_prices(
    model: str, input_tokens: int, cached: int, output_tokens: int
) -> None:
    """Same dollars, exactly, as genai-prices for plain, cached and long-context prompts."""
    price, _version, _source = price_for("openai", model)
    ours = cost_usd(
        price,
        Usage(input_tokens=input_tokens, cached_input_tokens=cached, output_tokens=output_tokens),
        "openai",
        model,
    )
    theirs = calc_price(
        GenaiUsage(input_tokens=input_tokens, cache_read_tokens=cached, output_tokens=output_tokens),
        model_ref=model,
        provider_id="openai",
    ).total_price
    assert ours == theirs


@pytest.mark.parametrize("model", ["gpt-image-2", "gpt-image-2.5-flare", "gpt-image-2.5-sunburst"])
@pytest.mark.parametrize(("text", "image_in", "output"), [(50, 0, 7024), (120, 1_500, 5488)])
def test_gpt_image_2_agrees_with_genai_prices(model: str, text: int, image_in: int, output: int) -> None:
    """Text input, image input and output tokens price as genai-prices does."""
    price, _version, _source = price_for("openai", model)
    ours = cost_usd(
        price,
        Usage(input_tokens=text, image_input_tokens=image_in, image_output_tokens=output),
        "openai",
        model,
    )
    theirs = calc_price(
        GenaiUsage(input_tokens=text + image_in, input_image_tokens=image_in, output_tokens=output),
        model_ref=model,
        provider_id="openai",
    ).total_price
    assert ours == theirs


@pytest.mark.parametrize("model", ["gpt-6.1-terra", "gpt-6-luna"])
@pytest.mark.parametrize("input_tokens", [10_000, 300_000])
def test_gpt_6_cache_writes_agree_with_genai_prices(model: str, input_tokens: int) -> None:
    """30-minute cache writes (1.25x input) and their long-context doubling price as genai-prices does."""
    usage = Usage(
        input_tokens=input_tokens,
        cached_input_tokens=2_000,
        cache_write_30m_tokens=3_000,
        output_tokens=1_000,
    )
    theirs = calc_price(
        GenaiUsage(
            input_tokens=input_tokens, cache_read_tokens=2_000, cache_write_tokens=3_000, output_tokens=1_000
        ),
        model_ref=model,
        provider_id="openai",
    ).total_price
    assert cost_usd(price_for("openai", model)[0], usage, "openai", model) == theirs


def test_gpt_6_2_sol_as_its_model_page_says() -> None:
    """$2 in, $0.10 cached, $2.50 a 30-minute write, $10 out; past 272K input 2x in and writes, 1.5x out."""
    usage = Usage(
        input_tokens=10_000, cached_input_tokens=2_000, cache_write_30m_tokens=3_000, output_tokens=1_000
    )
    # 5,000 x $2 + 2,000 x $0.10 + 3,000 x $2.50 + 1,000 x $10 = 10,000 + 200 + 7,500 + 10,000 µ$.
    assert cost("openai", "gpt-6.2-sol", usage).micros == 27_700
    long = Usage(input_tokens=300_000, cached_input_tokens=0, cache_write_30m_tokens=0, output_tokens=1_000)
    # 300,000 x $4 + 1,000 x $15 = 1,200,000 + 15,000 µ$.
    assert cost("openai", "gpt-6.2-sol", long).micros == 1_215_000


@pytest.mark.parametrize("model", ["gpt-image-2.6-flare", "gpt-image-2.6-sunburst"])
def test_gpt_image_2_6_costs_and_estimates_as_published(model: str) -> None:
    """2.6 bills gpt-image-2's rates (genai-prices 0.2.3 does not list it): worked by hand."""
    # 100 text in x $5 + 40 cached text x $1.25 + 1,000 image in x $8 + 5,488 out x $30
    # = 300 + 50 + 8,000 + 164,640 µ$ (60 text tokens at the full rate).
    usage = Usage(input_tokens=100, cached_input_tokens=40, image_input_tokens=1000, image_output_tokens=5488)
    assert cost("openai", model, usage).micros == 172_990
    request = ImageRequest(model=model, prompt="a" * 30, size="1536x1024", quality="high", count=2)
    hint = OpenAIProvider.estimate_usage(request)
    assert estimate("openai", model, request, usage=hint).micros == 329_330  # as gpt-image-2 below
    with pytest.raises(ValidationError, match="cannot be estimated"):
        estimate("openai", model, request)  # never a quote of the prompt alone


def test_gpt_image_2_cached_inputs_cost_less_as_genai_prices_says() -> None:
    """Cached text ($1.25/M) and cached image input ($2/M) instead of $5 and $8: no over-charge."""
    usage = Usage(
        input_tokens=120,
        cached_input_tokens=100,
        image_input_tokens=1_000,
        cached_image_input_tokens=500,
        image_output_tokens=5_000,
    )
    theirs = calc_price(
        GenaiUsage(
            input_tokens=1_120,
            input_image_tokens=1_000,
            cache_read_tokens=600,
            cache_image_read_tokens=500,
            output_tokens=5_000,
        ),
        model_ref="gpt-image-2",
        provider_id="openai",
    ).total_price
    # 20 x $5 + 100 x $1.25 + 500 x $8 + 500 x $2 + 5,000 x $30 per million = 155,225 µ$.
    assert cost("openai", "gpt-image-2", usage).micros == 155_225 == theirs * 1_000_000


def test_images_usage_reads_cached_tokens_by_kind() -> None:
    """``cached_tokens_details`` splits text from image; a bare ``cached_tokens`` counts text first."""
    options = GptImage2Options()
    detailed = {
        "usage": {
            "input_tokens": 1_120,
            "output_tokens": 5_000,
            "input_tokens_details": {
                "text_tokens": 120,
                "image_tokens": 1_000,
                "cached_tokens": 600,
                "cached_tokens_details": {"text_tokens": 100, "image_tokens": 500},
            },
        }
    }
    usage = image_usage(detailed, options, 1)
    assert (usage.cached_input_tokens, usage.cached_image_input_tokens) == (100, 500)
    bare = {
        "usage": {"input_tokens": 1_120, "input_tokens_details": {"text_tokens": 120, "cached_tokens": 600}}
    }
    usage = image_usage(bare, options, 1)
    assert (usage.input_tokens, usage.cached_input_tokens, usage.cached_image_input_tokens) == (120, 120, 0)


@pytest.mark.parametrize("model", ["tts-1", "tts-1-hd"])
def test_speech_agrees_with_genai_prices(model: str) -> None:
    """Per-character speech prices equal genai-prices' per-million-characters ones."""
    price, _version, _source = price_for("openai", model)
    ours = cost_usd(price, Usage(characters=4096), "openai", model)
    theirs = calc_price(GenaiUsage(input_characters=4096), model_ref=model, provider_id="openai").total_price
    assert ours == theirs


@pytest.mark.parametrize(
    ("model", "usage", "micros"),
    [
        # 1,034 uncached x $0.75 + 200 cached x $0.075 + 567 x $4.50, per million
        ("gpt-5.4-mini", Usage(input_tokens=1234, cached_input_tokens=200, output_tokens=567), 3342),
        # exactly 272,000 input tokens stays on the base rate: 272,000 x $5
        ("gpt-5.5", Usage(input_tokens=272_000), 1_360_000),
        # above 272,000 the whole request moves: 200,000 x $10 + 100,000 x $1 + 2,000 x $45
        ("gpt-5.5", Usage(input_tokens=300_000, cached_input_tokens=100_000, output_tokens=2_000), 2_190_000),
        # 1.45 micro-dollars rounds half up to 1
        ("gpt-5.4-nano", Usage(input_tokens=1, output_tokens=1), 1),
        ("gpt-4.1", Usage(input_tokens=1_000_000, output_tokens=1_000_000), 10_000_000),
        # 50 text x $5 + 7,024 output x $30 (one high 1024x1024 image)
        ("gpt-image-2", Usage(input_tokens=50, image_output_tokens=7024, image_count=1), 210_970),
        # an edit adds 1,000 input-image tokens x $8
        ("gpt-image-2", Usage(input_tokens=50, image_input_tokens=1000, image_output_tokens=7024), 218_970),
        ("tts-1", Usage(characters=1000), 15_000),
        ("tts-1-hd", Usage(characters=4096), 122_880),
    ],
)
def test_hand_computed_costs(model: str, usage: Usage, micros: int) -> None:
    """Integer micro-dollars worked out by hand."""
    assert cost("openai", model, usage).micros == micros


def test_gpt_image_2_estimate_uses_output_tokens_for_size_and_quality() -> None:
    """Two high 1536x1024 images: 10 prompt tokens x $5 + 2 x 5,488 output tokens x $30."""
    request = ImageRequest(model="gpt-image-2", prompt="a" * 30, size="1536x1024", quality="high", count=2)
    usage = OpenAIProvider.estimate_usage(request)
    assert usage is not None
    assert (usage.image_output_tokens, usage.image_count) == (10_976, 2)
    assert estimate("openai", "gpt-image-2", request, usage=usage).micros == 329_330


def test_text_and_speech_estimates_use_the_generic_guess() -> None:
    """No provider-specific estimate for text or speech; the generic one prices fine."""
    text = TextRequest(model="gpt-5.4-mini", messages=(Message("user", "x" * 300),), max_output_tokens=100)
    speech = SpeechRequest(model="tts-1", text="hello", voice="alloy")
    assert OpenAIProvider.estimate_usage(text) is None
    assert OpenAIProvider.estimate_usage(speech) is None
    # 100 input tokens x $0.75 + 100 output x $4.50
    assert estimate("openai", "gpt-5.4-mini", text).micros == 525
    assert estimate("openai", "tts-1", speech).micros == 75


def test_unlisted_model_has_no_price() -> None:
    """A retired model is not priced, so it cannot be used by mistake."""
    with pytest.raises(ValidationError):
        cost("openai", "dall-e-3", Usage(image_count=1))
    assert Decimal(0) == cost("openai", "tts-1", Usage()).usd
