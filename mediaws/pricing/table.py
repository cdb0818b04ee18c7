"""The price table: one dated TOML file per provider under ``pricing/tables/``.

Each file::

    provider = "openai"
    version = "2026-11-28"            # date the prices were checked; part of every cost's price version
    source = "https://…/pricing"      # default source; a model may name its own

    [models."gpt-4.1"]                # unit = tokens: USD per million tokens
    unit = "tokens"
    input_per_mtok = "2.00"
    output_per_mtok = "8.00"
    cached_input_per_mtok = "0.50"    # optional
    [[models."gpt-4.1".tiers]]        # optional long-context tiers, chosen by input tokens
    above_input_tokens = 200000
    input_per_mtok = "4.00"
    output_per_mtok = "16.00"

    [models."dall-e-3"]               # unit = image: USD per image, keyed "quality size"
    unit = "image"
    per_image = { "standard 1024x1024" = "0.040", "hd 1024x1792" = "0.120" }

    [models."gpt-image-1"]            # unit = image_tokens: text and image tokens per million
    unit = "image_tokens"
    input_per_mtok = "5.00"
    image_input_per_mtok = "10.00"
    image_output_per_mtok = "40.00"

    [models."veo-3.1-generate-preview"]  # unit = video_second
    unit = "video_second"
    per_second = "0.20"
    per_second_with_audio = "0.40"

    [models."eleven_multilingual_v2"] # unit = character: USD per 1,000 characters
    unit = "character"
    per_1k_characters = "0.30"

    [models."black-forest-labs/flux-schnell"]  # unit = output: USD per output file
    unit = "output"
    per_output = "0.003"

    [models."some/model"]             # unit = predict_second: USD per second of predict time
    unit = "predict_second"
    per_second = "0.000975"

    [models."local-image"]            # unit = free: costs nothing, by rule
    unit = "free"

Amounts are strings so they load as exact Decimals.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mediaws.errors import ValidationError

TABLES = Path(__file__).resolve().parent / "tables"
Unit = Literal[
    "tokens", "image", "image_tokens", "video_second", "character", "output", "predict_second", "free"
]


class Tier(BaseModel):
    """Token prices that apply above an input-token threshold."""

    model_config = ConfigDict(extra="forbid")

    above_input_tokens: int
    input_per_mtok: Decimal
    output_per_mtok: Decimal
    cached_input_per_mtok: Decimal | None = None


class ModelPrice(BaseModel):
    """How one model is billed."""

    model_config = ConfigDict(extra="forbid")

    unit: Unit
    source: str | None = None
    input_per_mtok: Decimal | None = None
    output_per_mtok: Decimal | None = None
    cached_input_per_mtok: Decimal | None = None
    tiers: list[Tier] = Field(default_factory=list)
    image_input_per_mtok: Decimal | None = None
    image_output_per_mtok: Decimal | None = None
    per_image: dict[str, Decimal] = Field(default_factory=dict)
    per_second: Decimal | None = None
    per_second_with_audio: Decimal | None = None
    per_1k_characters: Decimal | None = None
    per_output: Decimal | None = None


class ProviderPrices(BaseModel):
    """One provider's table."""

    model_config = ConfigDict(extra="forbid")

    provider: str
    version: str
    source: str
    models: dict[str, ModelPrice]


@lru_cache(maxsize=1)
def load_tables(folder: Path = TABLES) -> dict[str, ProviderPrices]:
    """Read every provider's table, keyed by provider id."""
    tables: dict[str, ProviderPrices] = {}
    for path in sorted(folder.glob("*.toml")):
        table = ProviderPrices.model_validate(tomllib.loads(path.read_text()))
        tables[table.provider] = table
    return tables


def price_for(provider: str, model: str) -> tuple[ModelPrice, str, str]:
    """Return a model's price, the price version and its source; a missing price is an error."""
    table = load_tables().get(provider)
    price = table.models.get(model) if table else None
    if table is None or price is None:
        raise ValidationError(
            f"No price is known for {provider}/{model}, so it cannot be used: mediaws never "
            "guesses $0. Add it to the price table.",
            field="model",
        )
    return price, f"{provider}@{table.version}", price.source or table.source


def resolve_model(model: str, provider: str = "") -> tuple[str, str]:
    """Find which provider prices a model id ("provider/model" and --provider both accepted)."""
    tables = load_tables()
    if provider:
        return provider, model
    head, _, tail = model.partition("/")
    if tail and head in tables and tail in tables[head].models:
        return head, tail
    owners = [pid for pid, table in tables.items() if model in table.models]
    if len(owners) == 1:
        return owners[0], model
    if not owners:
        raise ValidationError(f"No provider prices a model named '{model}'.", field="model")
    raise ValidationError(
        f"'{model}' is priced by several providers ({', '.join(owners)}); pass --provider.", field="model"
    )


def parse_decimal(text: str, what: str) -> Decimal:
    """Read a non-negative exact number typed by a person."""
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise ValidationError(f"{what} must be a number, like 8 or 2.5.", field=what) from None
    if not value.is_finite() or value < 0:
        raise ValidationError(f"{what} must be zero or more.", field=what)
    return value


def _usd(amount: Decimal) -> str:
    whole, _, frac = f"{amount:f}".partition(".")
    return f"${whole}.{frac.rstrip('0').ljust(2, '0')}"


def describe(price: ModelPrice) -> str:
    """A one-line summary of how a model is billed."""
    match price.unit:
        case "free":
            return "free (runs on this machine)"
        case "tokens":
            parts = [
                f"{_usd(price.input_per_mtok or Decimal(0))}/M in",
                f"{_usd(price.output_per_mtok or Decimal(0))}/M out",
            ]
            if price.cached_input_per_mtok is not None:
                parts.append(f"{_usd(price.cached_input_per_mtok)}/M cached")
            if price.tiers:
                parts.append(f"higher above {price.tiers[0].above_input_tokens:,} input tokens")
            return " · ".join(parts)
        case "image":
            return ", ".join(f"{key} {_usd(value)}" for key, value in price.per_image.items()) + " per image"
        case "image_tokens":
            return (
                f"{_usd(price.input_per_mtok or Decimal(0))}/M text in · "
                f"{_usd(price.image_input_per_mtok or Decimal(0))}/M image in · "
                f"{_usd(price.image_output_per_mtok or Decimal(0))}/M image out"
            )
        case "video_second":
            parts = [f"{_usd(price.per_second)}/s"] if price.per_second is not None else []
            if price.per_second_with_audio is not None:
                parts.append(f"{_usd(price.per_second_with_audio)}/s with audio")
            return ", ".join(parts)
        case "character":
            return f"{_usd(price.per_1k_characters or Decimal(0))} per 1,000 characters"
        case "output":
            return f"{_usd(price.per_output or Decimal(0))} per output"
        case "predict_second":
            return f"{_usd(price.per_second or Decimal(0))} per second of predict time"
    return price.unit
