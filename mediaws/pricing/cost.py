"""Cost of a generation: exact, in integer micro-dollars, from reported units and a price version."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from mediaws.errors import ValidationError
from mediaws.pricing.table import ModelPrice, price_for
from mediaws.providers.base import (
    AudioRequest,
    ImageRequest,
    Request,
    SpeechRequest,
    TextRequest,
    Usage,
    VideoRequest,
)

MILLION = Decimal(1_000_000)
MICROS = Decimal(1_000_000)
CHARS_PER_TOKEN_ESTIMATE = 3


@dataclass(frozen=True)
class Cost:
    """A priced amount and the price version that priced it."""

    micros: int
    price_version: str
    source: str
    free: bool = False

    @property
    def usd(self) -> Decimal:
        """The amount in dollars, exact."""
        return Decimal(self.micros) / MICROS

    def display(self) -> str:
        """Dollars and cents for people; sub-cent amounts shown to the micro-dollar."""
        if self.free:
            return "$0.00 (free)"
        if 0 < self.micros < 10_000:
            return f"${self.usd:.6f}".rstrip("0")
        return f"${self.usd:,.2f}"


def _micros(usd: Decimal) -> int:
    return int((usd * MICROS).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _need(value: Decimal | None, what: str, provider: str, model: str) -> Decimal:
    if value is None:
        raise ValidationError(f"The price table has no {what} price for {provider}/{model}.", field="model")
    return value


def _tokens(price: ModelPrice, usage: Usage, provider: str, model: str) -> Decimal:
    input_rate, output_rate, cached_rate = (
        price.input_per_mtok,
        price.output_per_mtok,
        price.cached_input_per_mtok,
    )
    for tier in sorted(price.tiers, key=lambda t: t.above_input_tokens):
        if usage.input_tokens > tier.above_input_tokens:
            input_rate, output_rate = tier.input_per_mtok, tier.output_per_mtok
            cached_rate = tier.cached_input_per_mtok or cached_rate
    cached = min(usage.cached_input_tokens, usage.input_tokens)
    uncached = usage.input_tokens - cached
    total = uncached * _need(input_rate, "input-token", provider, model)
    total += usage.output_tokens * _need(output_rate, "output-token", provider, model)
    if cached:
        total += cached * (
            cached_rate if cached_rate is not None else _need(input_rate, "input", provider, model)
        )
    return total / MILLION


def _image_key(usage: Usage) -> str:
    return f"{usage.image_quality or 'standard'} {usage.image_size or '1024x1024'}"


def cost_usd(price: ModelPrice, usage: Usage, provider: str, model: str) -> Decimal:
    """Dollars owed for the reported units under one model's price."""
    match price.unit:
        case "free":
            return Decimal(0)
        case "tokens":
            return _tokens(price, usage, provider, model)
        case "image":
            key = _image_key(usage)
            if key not in price.per_image:
                choices = ", ".join(price.per_image)
                raise ValidationError(
                    f"{provider}/{model} has no price for '{key}'. Priced: {choices}.", field="size"
                )
            return price.per_image[key] * usage.image_count
        case "image_tokens":
            text = usage.input_tokens * _need(price.input_per_mtok, "text-input", provider, model)
            if usage.output_tokens:
                text += usage.output_tokens * _need(price.output_per_mtok, "text-output", provider, model)
            image_in = usage.image_input_tokens * (price.image_input_per_mtok or Decimal(0))
            image_out = usage.image_output_tokens * _need(
                price.image_output_per_mtok, "image-output", provider, model
            )
            return (text + image_in + image_out) / MILLION
        case "video_second":
            rate = price.per_second_with_audio if usage.video_audio else price.per_second
            return usage.video_seconds * _need(rate, "per-second", provider, model)
        case "character":
            rate = _need(price.per_1k_characters, "per-character", provider, model)
            return Decimal(usage.characters) * rate / 1000
        case "output":
            return usage.output_count * _need(price.per_output, "per-output", provider, model)
        case "predict_second":
            return usage.predict_seconds * _need(price.per_second, "predict-second", provider, model)
    raise AssertionError(price.unit)


def cost(provider: str, model: str, usage: Usage) -> Cost:
    """Price reported usage exactly; a model with no price raises, never returns $0."""
    price, version, source = price_for(provider, model)
    return Cost(_micros(cost_usd(price, usage, provider, model)), version, source, free=price.unit == "free")


def priced_display(provider: str, model: str, micros: int) -> str:
    """Show a stored amount the way Cost does, marking free models as free; plain dollars if unlisted."""
    try:
        price, version, source = price_for(provider, model)
    except ValidationError:
        return Cost(micros, "", "").display()
    return Cost(micros, version, source, free=price.unit == "free").display()


def estimated_usage(request: Request, *, input_tokens: int | None = None) -> Usage:
    """Units a request will most likely be billed for, erring high (tokens counted if given)."""
    match request:
        case TextRequest():
            chars = sum(len(m.content) for m in request.messages) + len(request.system or "")
            counted = input_tokens if input_tokens is not None else -(-chars // CHARS_PER_TOKEN_ESTIMATE)
            return Usage(input_tokens=counted, output_tokens=request.max_output_tokens or 1024)
        case ImageRequest():
            return Usage(
                image_count=request.count,
                image_size=request.size,
                image_quality=request.quality,
                output_count=request.count,
                input_tokens=-(-len(request.prompt) // CHARS_PER_TOKEN_ESTIMATE),
            )
        case VideoRequest():
            return Usage(
                video_seconds=Decimal(request.duration_seconds),
                video_audio=request.with_audio,
                output_count=1,
            )
        case SpeechRequest():
            return Usage(characters=len(request.text), output_count=1)
        case AudioRequest():
            return Usage(output_count=1)
    raise AssertionError(request)


def estimate(
    provider: str,
    model: str,
    request: Request,
    *,
    input_tokens: int | None = None,
    usage: Usage | None = None,
) -> Cost:
    """Cost before the call: from the provider's own estimate of units if given, else the request."""
    return cost(provider, model, usage or estimated_usage(request, input_tokens=input_tokens))
