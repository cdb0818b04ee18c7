"""The catalogue: one dated TOML file per provider under ``catalogue/tables/``.

A model is offered from its entry: how people see it and which API family of the provider's code runs it.
Another model of a family the code already speaks (another Claude, another GPT Image) is a new entry and
no code::

    [models."claude-opus-5-5"]
    label = "Claude Opus 5.5"
    capability = "text"               # text, image, video, speech or audio
    family = "claude-128k"            # the provider's options schema and request shape for it
    description = "Long-running agentic and knowledge work."
    accepts_image = false             # optional: takes an input image
    fixed_seconds = 6                 # optional: the only video length it makes
    max_characters = 10000            # optional: the most characters one request may carry
    image_tokens = { "1K" = 1120 }    # optional: output tokens per image by size (the first is the
                                      # default; "" for a model with one size)
    wire_version = "671ac6…"          # optional: the pinned version the provider runs

An entry without a label is priced but not offered; a shut-down model may omit its family.

Prices, by unit; each file::

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

    [models."black-forest-labs/flux-2-pro"]  # unit = megapixel: per run, per input and output megapixel
    unit = "megapixel"
    per_run = "0.015"
    per_input_megapixel = "0.015"
    per_output_megapixel = "0.015"

    [models."local-image"]            # unit = free: costs nothing, by rule
    unit = "free"

A model's lifecycle, as its provider publishes it (dates are the provider's, UTC days)::

    [models."gemini-2.5-pro"]
    deprecated_on = "2026-06-17"      # announced; still works, shown with its shutdown date
    shutdown_on = "2026-12-01"        # from this day new generations are refused
    replacement = "gemini-3.8-flash"  # named in every warning and refusal
    lifecycle_source = "https://…/deprecations"

A price that changes on a date (an introductory price, a cut) is a dated period over the model's rates::

    [[models."gemini-3.8-flash".periods]]
    effective_until = "2027-01-01"    # first day it no longer applies; effective_from is optional
    unit = "tokens"
    input_per_mtok = "0.75"
    output_per_mtok = "3.75"

The price in force when the provider did the work is used: a period covering that moment, else the
model's own rates. Amounts are strings so they load as exact Decimals.
"""

from __future__ import annotations

import itertools
import tomllib
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from mediaws.config import get_settings
from mediaws.errors import ConfigError, ValidationError
from mediaws.work import Capability

TABLES = Path(__file__).resolve().parent / "tables"
OVERRIDES = "prices"
Unit = Literal[
    "tokens",
    "image",
    "image_tokens",
    "video_second",
    "character",
    "output",
    "predict_second",
    "megapixel",
    "free",
]
Status = Literal["live", "deprecated", "retired"]


class Tier(BaseModel):
    """Token prices that apply above an input-token threshold."""

    model_config = ConfigDict(extra="forbid")

    above_input_tokens: int
    input_per_mtok: Decimal
    output_per_mtok: Decimal
    cached_input_per_mtok: Decimal | None = None
    cache_write_5m_per_mtok: Decimal | None = None
    cache_write_30m_per_mtok: Decimal | None = None
    cache_write_1h_per_mtok: Decimal | None = None


class Rates(BaseModel):
    """How a model is billed: its unit and the rates of that unit."""

    model_config = ConfigDict(extra="forbid")

    unit: Unit
    source: str | None = None
    input_per_mtok: Decimal | None = None
    output_per_mtok: Decimal | None = None
    cached_input_per_mtok: Decimal | None = None
    cache_write_5m_per_mtok: Decimal | None = None
    cache_write_30m_per_mtok: Decimal | None = None
    cache_write_1h_per_mtok: Decimal | None = None
    tiers: list[Tier] = Field(default_factory=list)
    image_input_per_mtok: Decimal | None = None
    cached_image_input_per_mtok: Decimal | None = None
    image_output_per_mtok: Decimal | None = None
    per_image: dict[str, Decimal] = Field(default_factory=dict)
    per_second: Decimal | None = None
    per_second_with_audio: Decimal | None = None
    per_1k_characters: Decimal | None = None
    per_output: Decimal | None = None
    per_run: Decimal | None = None
    per_input_megapixel: Decimal | None = None
    per_output_megapixel: Decimal | None = None


class PricePeriod(Rates):
    """Rates in force between two days only (``effective_until`` is the first day they no longer apply)."""

    effective_from: date | None = None
    effective_until: date | None = None

    @model_validator(mode="after")
    def _dated(self) -> PricePeriod:
        if self.effective_from is None and self.effective_until is None:
            raise ValueError("a price period needs effective_from or effective_until")
        if self.effective_from and self.effective_until and self.effective_until <= self.effective_from:
            raise ValueError("effective_until must come after effective_from")
        return self

    def covers(self, day: date) -> bool:
        """Whether these rates apply on ``day``."""
        starts = self.effective_from is None or self.effective_from <= day
        return starts and (self.effective_until is None or day < self.effective_until)


class ModelEntry(Rates):
    """One model: how it is offered, its rates, dated price periods and lifecycle."""

    label: str | None = None
    """The name people see; an entry without one is priced only (a model never offered by this name)."""
    capability: Capability | None = None
    family: str | None = None
    """The API family the provider's code speaks for it: its request shape and options schema."""
    description: str = ""
    accepts_image: bool = False
    fixed_seconds: int | None = Field(None, ge=1)
    max_characters: int | None = Field(None, ge=1)
    image_tokens: dict[str, int] = Field(default_factory=dict)
    """Output tokens of one image by size, as the provider publishes them; the first size is the default."""
    wire_version: str | None = None
    """The version the provider pins for this model (Replicate community models)."""
    periods: list[PricePeriod] = Field(default_factory=list)
    deprecated_on: date | None = None
    shutdown_on: date | None = None
    replacement: str | None = None
    lifecycle_source: str | None = None
    genai_prices_note: str | None = None
    """Why genai-prices prices this model differently (or not at all); ``mediaws prices check`` shows it."""
    override_file: str | None = None
    """Set by the loader: the operator's file in the data dir this entry comes from."""
    override_version: str | None = None

    @model_validator(mode="after")
    def _periods_apart(self) -> ModelEntry:
        spans = sorted(self.periods, key=lambda p: p.effective_from or date.min)
        for before, after in itertools.pairwise(spans):
            if before.effective_until is None or (after.effective_from or date.min) < before.effective_until:
                raise ValueError("price periods overlap")
        if self.deprecated_on and self.shutdown_on and self.shutdown_on < self.deprecated_on:
            raise ValueError("shutdown_on comes before deprecated_on")
        if self.label is not None and self.capability is None:
            raise ValueError("an offered model (one with a label) needs its capability")
        if self.label is not None and self.family is None and self.shutdown_on is None:
            raise ValueError("an offered model needs its API family (only a shut-down one may omit it)")
        return self

    def rates_on(self, day: date) -> tuple[Rates, PricePeriod | None]:
        """The rates in force on ``day``, and the dated period they come from (None: the model's own)."""
        for period in self.periods:
            if period.covers(day):
                return period, period
        return self, None

    def status_on(self, day: date) -> Status:
        """``retired`` from the shutdown day, ``deprecated`` once announced, else ``live``."""
        if self.shutdown_on is not None and day >= self.shutdown_on:
            return "retired"
        if self.shutdown_on is not None or (self.deprecated_on is not None and day >= self.deprecated_on):
            return "deprecated"
        return "live"


PRICE_FIELDS = frozenset(Rates.model_fields) - {"source", "unit"}
LIFECYCLE_FIELDS = ("deprecated_on", "shutdown_on", "replacement", "lifecycle_source", "genai_prices_note")
LISTING_FIELDS = (
    "label",
    "capability",
    "family",
    "description",
    "accepts_image",
    "fixed_seconds",
    "max_characters",
    "image_tokens",
    "wire_version",
)


class ProviderPrices(BaseModel):
    """One provider's table."""

    model_config = ConfigDict(extra="forbid")

    provider: str
    version: str
    source: str
    models: dict[str, ModelEntry]


@lru_cache(maxsize=4)
def load_tables(folder: Path = TABLES, overrides: Path | None = None) -> dict[str, ProviderPrices]:
    """Every provider's table, keyed by provider id, with the operator's overrides applied.

    ``overrides`` (default ``$MEDIAWS_DATA_DIR/prices``) holds tables in the same format: each model in
    them replaces (or adds) that provider's entry, so a negotiated rate or tomorrow's price needs no
    release. A file that does not parse or validate is a ConfigError naming it.
    """
    tables: dict[str, ProviderPrices] = {}
    for path in sorted(folder.glob("*.toml")):
        table = ProviderPrices.model_validate(tomllib.loads(path.read_text()))
        tables[table.provider] = table
    extra = overrides if overrides is not None else get_settings().data_dir / OVERRIDES
    for path in sorted(extra.glob("*.toml")) if extra.is_dir() else ():
        table = _override(path)
        base = tables.get(table.provider)
        entries = {
            name: _overridden(base.models.get(name) if base else None, entry, table, path)
            for name, entry in table.models.items()
        }
        tables[table.provider] = (
            base.model_copy(update={"models": base.models | entries})
            if base is not None
            else table.model_copy(update={"models": entries})
        )
    return tables


def _overridden(base: ModelEntry | None, entry: ModelEntry, table: ProviderPrices, path: Path) -> ModelEntry:
    """The operator's entry over the shipped one.

    Prices given replace the shipped ones whole (rates, tiers and dated periods alike, so no shipped
    period outlives a negotiated rate); lifecycle dates and listing fields the file leaves out are kept.
    """
    given = entry.model_fields_set
    merged = entry
    if base is not None:
        priced = bool(given & (PRICE_FIELDS | {"periods"}))
        kept = {name: getattr(base, name) for name in LIFECYCLE_FIELDS + LISTING_FIELDS if name not in given}
        merged = (
            entry if priced else base.model_copy(update={n: getattr(entry, n) for n in given})
        ).model_copy(update=kept)
    return merged.model_copy(
        update={
            "source": entry.source or table.source,
            "override_file": str(path),
            "override_version": table.version,
        }
    )


def _override(path: Path) -> ProviderPrices:
    """One operator file, validated, or a ConfigError that says what is wrong where."""
    try:
        return ProviderPrices.model_validate(tomllib.loads(path.read_text()))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The price override {path} is not valid TOML: {exc}.") from None
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"The price override {path} is not valid: {where}: {first['msg']}.") from None


def model_entry(provider: str, model: str) -> tuple[ModelEntry, ProviderPrices]:
    """A model's table entry and its provider's table; a model with no entry is an error."""
    table = load_tables().get(provider)
    price = table.models.get(model) if table else None
    if table is None or price is None:
        raise ValidationError(
            f"No price is known for {provider}/{model}, so it cannot be used: mediaws never "
            "guesses $0. Add it to the price table.",
            field="model",
        )
    return price, table


def price_for(provider: str, model: str, at: datetime | None = None) -> tuple[Rates, str, str]:
    """The rates in force at ``at`` (default now), the price version and the source."""
    entry, table = model_entry(provider, model)
    rates, period = entry.rates_on((at or datetime.now(UTC)).astimezone(UTC).date())
    version = (
        f"{provider}@{entry.override_version or table.version}{'+operator' if entry.override_file else ''}"
    )
    if period is not None:
        version += f"~{period.effective_from or ''}..{period.effective_until or ''}"
    return rates, version, rates.source or entry.source or table.source


def today() -> date:
    """The UTC day, the one providers' shutdown dates are in."""
    return datetime.now(UTC).date()


def lifecycle_of(provider: str, model: str) -> ModelEntry | None:
    """A model's table entry, if the tables list it (OpenAI-compatible endpoints' models are not)."""
    table = load_tables().get(provider)
    return table.models.get(model) if table else None


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


def parse_day(text: str) -> datetime:
    """The start (UTC) of a day typed as YYYY-MM-DD."""
    try:
        return datetime.combine(date.fromisoformat(text.strip()), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        raise ValidationError(f"'{text}' is not a day; write it as YYYY-MM-DD.", field="on") from None


def _usd(amount: Decimal) -> str:
    whole, _, frac = f"{amount:f}".partition(".")
    return f"${whole}.{frac.rstrip('0').ljust(2, '0')}"


def describe(price: Rates) -> str:
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
        case "megapixel":
            return (
                f"{_usd(price.per_run or Decimal(0))} per run + "
                f"{_usd(price.per_input_megapixel or Decimal(0))}/MP in + "
                f"{_usd(price.per_output_megapixel or Decimal(0))}/MP out"
            )
    return price.unit
