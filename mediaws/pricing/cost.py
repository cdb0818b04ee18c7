"""Cost of a generation: exact, in integer micro-dollars, from reported units and a price version."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from mediaws.catalogue.table import Rates, price_for
from mediaws.errors import ValidationError
from mediaws.work import (
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
PICOS = Decimal(10**12)
PICOS_PER_MICRO = 1_000_000
CHARS_PER_TOKEN_ESTIMATE = 3
Named = tuple[str, str, str]
"""What a rate is for, and the provider and model: the words of a missing-rate error."""
MAX_CALL_USD = Decimal(1_000_000)
"""No single call costs a million dollars: above it the units are wrong (and pico-dollars would near the
column's limit of about $9.2 million)."""


@dataclass(frozen=True)
class Cost:
    """A priced amount (micro-dollars for people, pico-dollars exact) and the price version that priced it."""

    micros: int
    price_version: str
    source: str
    free: bool = False
    exact_picos: int | None = None

    @property
    def picos(self) -> int:
        """The amount in pico-dollars, unrounded (every table rate times its units lands on a whole pico)."""
        return self.exact_picos if self.exact_picos is not None else self.micros * PICOS_PER_MICRO

    @property
    def usd(self) -> Decimal:
        """The amount in dollars, exact."""
        return Decimal(self.picos) / PICOS

    def display(self) -> str:
        """Dollars and cents for people; sub-cent amounts shown to the micro-dollar."""
        if self.free:
            return "$0.00 (free)"
        return dollars(self.picos)


def _micros(usd: Decimal) -> int:
    return int((usd * MICROS).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _picos(usd: Decimal) -> int:
    return int((usd * PICOS).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def micros_of(picos: int) -> int:
    """Pico-dollars rounded (half up) to the micro-dollars people see."""
    return _micros(Decimal(picos) / PICOS)


def dollars(picos: int) -> str:
    """Pico-dollars for people: dollars and cents, or to the micro-dollar below a cent."""
    usd = Decimal(picos) / PICOS
    if 0 < micros_of(picos) < 10_000:
        return f"${usd:.6f}".rstrip("0")
    return f"${usd:,.2f}"


def exact_usd(picos: int | None) -> str | None:
    """Pico-dollars as a plain decimal string without trailing zeros past the cents, e.g. ``0.0123456789``."""
    if picos is None:
        return None
    whole, _, frac = f"{Decimal(picos) / PICOS:.12f}".partition(".")
    return f"{whole}.{frac.rstrip('0').ljust(2, '0')}"


def priced(usd: Decimal, version: str, source: str, *, free: bool = False) -> Cost:
    """A Cost of an exact dollar amount."""
    return Cost(_micros(usd), version, source, free=free, exact_picos=_picos(usd))


def _need(value: Decimal | None, what: str, provider: str, model: str) -> Decimal:
    if value is None:
        raise ValidationError(f"The price table has no {what} price for {provider}/{model}.", field="model")
    return value


def _tokens(price: Rates, usage: Usage, provider: str, model: str) -> Decimal:
    input_rate, output_rate, cached_rate = (
        price.input_per_mtok,
        price.output_per_mtok,
        price.cached_input_per_mtok,
    )
    write_5m, write_1h = price.cache_write_5m_per_mtok, price.cache_write_1h_per_mtok
    write_30m = price.cache_write_30m_per_mtok
    for tier in sorted(price.tiers, key=lambda t: t.above_input_tokens):
        if usage.input_tokens > tier.above_input_tokens:
            input_rate, output_rate = tier.input_per_mtok, tier.output_per_mtok
            cached_rate = tier.cached_input_per_mtok or cached_rate
            write_5m = tier.cache_write_5m_per_mtok or write_5m
            write_30m = tier.cache_write_30m_per_mtok or write_30m
            write_1h = tier.cache_write_1h_per_mtok or write_1h
    written = usage.cache_write_5m_tokens + usage.cache_write_30m_tokens + usage.cache_write_1h_tokens
    if usage.cached_input_tokens + written > usage.input_tokens:
        raise ValidationError(
            f"{provider}/{model}: cached and cache-written tokens exceed the input tokens they are part of.",
            field="usage",
        )
    uncached = usage.input_tokens - usage.cached_input_tokens - written
    plain = _need(input_rate, "input-token", provider, model)
    total = uncached * plain
    total += usage.output_tokens * _need(output_rate, "output-token", provider, model)
    if usage.cached_input_tokens:  # no published cache discount: billed as plain input
        total += usage.cached_input_tokens * (cached_rate if cached_rate is not None else plain)
    if usage.cache_write_5m_tokens:
        total += usage.cache_write_5m_tokens * _need(write_5m, "5-minute cache-write", provider, model)
    if usage.cache_write_30m_tokens:
        total += usage.cache_write_30m_tokens * _need(write_30m, "30-minute cache-write", provider, model)
    if usage.cache_write_1h_tokens:
        total += usage.cache_write_1h_tokens * _need(write_1h, "1-hour cache-write", provider, model)
    return total / MILLION


def _image_tokens(price: Rates, usage: Usage, provider: str, model: str) -> Decimal:
    if (
        usage.cached_input_tokens > usage.input_tokens
        or usage.cached_image_input_tokens > usage.image_input_tokens
    ):
        raise ValidationError(
            f"{provider}/{model}: cached tokens exceed the input tokens they are part of.", field="usage"
        )
    text = _with_cache(
        usage.input_tokens,
        usage.cached_input_tokens,
        price.input_per_mtok,
        price.cached_input_per_mtok,
        what=("text-input", provider, model),
    )
    if usage.output_tokens:
        text += usage.output_tokens * _need(price.output_per_mtok, "text-output", provider, model)
    image_in = _with_cache(
        usage.image_input_tokens,
        usage.cached_image_input_tokens,
        price.image_input_per_mtok,
        price.cached_image_input_per_mtok,
        what=("image-input", provider, model),
    )
    image_out = usage.image_output_tokens * _need(
        price.image_output_per_mtok, "image-output", provider, model
    )
    return (text + image_in + image_out) / MILLION


TOKEN_UNITS = frozenset(
    {
        "input_tokens",
        "output_tokens",
        "cached_input_tokens",
        "cache_write_5m_tokens",
        "cache_write_30m_tokens",
        "cache_write_1h_tokens",
    }
)
BILLED_UNITS: dict[str, frozenset[str]] = {
    "tokens": TOKEN_UNITS,
    "image": frozenset({"image_count", "image_size", "image_quality"}),
    "image_tokens": frozenset(
        {
            "input_tokens",
            "output_tokens",
            "cached_input_tokens",
            "image_input_tokens",
            "cached_image_input_tokens",
            "image_output_tokens",
        }
    ),
    "video_second": frozenset({"video_seconds", "video_audio"}),
    "character": frozenset({"characters"}),
    "output": frozenset({"output_count"}),
    "predict_second": frozenset({"predict_seconds"}),
    "megapixel": frozenset({"runs", "input_megapixels", "output_megapixels"}),
}


def _with_cache(
    tokens: int, cached: int, rate: Decimal | None, cached_rate: Decimal | None, *, what: Named
) -> Decimal:
    """Input tokens at their rate, the cached part at the cached rate (the plain one if none is published)."""
    if not tokens:
        return Decimal(0)
    plain = _need(rate, *what)
    return (tokens - cached) * plain + cached * (cached_rate if cached_rate is not None else plain)


def check_billed(price: Rates, usage: Usage, provider: str, model: str) -> None:
    """Refuse units a person gave that this model is not billed by (they would silently cost $0)."""
    billed = BILLED_UNITS.get(price.unit)
    if billed is None:  # free: nothing is billed, anything may be given
        return
    given = [f.name for f in dataclasses.fields(usage) if getattr(usage, f.name) and f.name not in billed]
    if given:
        raise ValidationError(
            f"{provider}/{model} is billed by {price.unit.replace('_', ' ')}, not by "
            f"{', '.join(name.replace('_', ' ') for name in given)}.",
            field=given[0],
        )


def check_units(usage: Usage, provider: str, model: str) -> None:
    """Refuse units no provider reports: negative, not a number, or infinite."""
    for field in dataclasses.fields(usage):
        value = getattr(usage, field.name)
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            continue
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValidationError(f"{provider}/{model}: {field.name} is not a number.", field=field.name)
        if value < 0:
            raise ValidationError(
                f"{provider}/{model}: {field.name} is negative ({value}); units cannot be.", field=field.name
            )


def _image_key(usage: Usage) -> str:
    return f"{usage.image_quality or 'standard'} {usage.image_size or '1024x1024'}"


def cost_usd(price: Rates, usage: Usage, provider: str, model: str) -> Decimal:
    """Dollars owed for the reported units under one model's rates; impossible units are refused."""
    check_units(usage, provider, model)
    try:
        owed = _owed(price, usage, provider, model)
    except ArithmeticError:
        owed = MAX_CALL_USD + 1
    if owed > MAX_CALL_USD:
        raise ValidationError(
            f"{provider}/{model}: these units would cost over ${MAX_CALL_USD:,}; they cannot be right.",
            field="usage",
        )
    return owed


def _owed(price: Rates, usage: Usage, provider: str, model: str) -> Decimal:
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
            return _image_tokens(price, usage, provider, model)
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
        case "megapixel":
            owed = usage.runs * _need(price.per_run, "per-run", provider, model)
            if usage.input_megapixels:
                owed += usage.input_megapixels * _need(
                    price.per_input_megapixel, "input-megapixel", provider, model
                )
            return owed + usage.output_megapixels * _need(
                price.per_output_megapixel, "output-megapixel", provider, model
            )
    raise AssertionError(price.unit)


def cost(provider: str, model: str, usage: Usage, at: datetime | None = None) -> Cost:
    """Price usage at the rates in force at ``at`` (default now); a model with no price raises, never $0."""
    price, version, source = price_for(provider, model, at)
    return priced(cost_usd(price, usage, provider, model), version, source, free=price.unit == "free")


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
    """Cost before the call: from the provider's own estimate of units if given, else the request.

    An image model billed by tokens or megapixels needs the provider's count per image: without it the
    estimate would be the prompt alone, so it is an error rather than a near-zero quote.
    """
    units = usage or estimated_usage(request, input_tokens=input_tokens)
    if isinstance(request, ImageRequest):
        unit = price_for(provider, model)[0].unit
        if (unit == "image_tokens" and not units.image_output_tokens) or (
            unit == "megapixel" and not units.runs
        ):
            raise ValidationError(
                f"{provider}/{model} bills images by {unit.replace('_', ' ')} and no count per image is "
                "known for it, so its cost cannot be estimated before the call.",
                field="model",
            )
    return cost(provider, model, units)


class Price(Protocol):
    """Where a model's price comes from: the catalogue, or the rates a user gave their endpoint."""

    def cost(self, usage: Usage) -> Cost:
        """Price reported usage."""

    def estimate(self, request: Request, *, usage: Usage | None = None) -> Cost:
        """Price a request before the call."""


@dataclass(frozen=True)
class CataloguePrice:
    """A catalogued model's price, dated: the rates in force when the work is done."""

    provider: str
    model: str

    def cost(self, usage: Usage) -> Cost:
        """Price reported usage."""
        return cost(self.provider, self.model, usage)

    def estimate(self, request: Request, *, usage: Usage | None = None) -> Cost:
        """Price a request before the call."""
        return estimate(self.provider, self.model, request, usage=usage)
