"""``mediaws prices check``: every token price against genai-prices, usage by usage, day by day."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import genai_prices

from mediaws.catalogue.table import ModelEntry, ProviderPrices, load_tables, today
from mediaws.pricing.cost import cost_usd
from mediaws.work import Usage

GENAI_PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "gemini": "google"}


@dataclass(frozen=True)
class Probe:
    """One usage to price both ways: ours, and genai-prices' words for the same units."""

    name: str
    ours: Usage
    theirs: dict[str, int]


PROBES = (
    Probe("plain", Usage(input_tokens=1234, output_tokens=567), {"input_tokens": 1234, "output_tokens": 567}),
    Probe(
        "cached",
        Usage(input_tokens=1234, cached_input_tokens=1000, output_tokens=567),
        {"input_tokens": 1234, "cache_read_tokens": 1000, "output_tokens": 567},
    ),
    Probe(
        "long context",
        Usage(input_tokens=300_000, cached_input_tokens=10_000, output_tokens=4_000),
        {"input_tokens": 300_000, "cache_read_tokens": 10_000, "output_tokens": 4_000},
    ),
)


def _write_probe(name: str, written: Usage, theirs_extra: dict[str, int] | None = None) -> Probe:
    """31,000 tokens in, of them 10,000 read from the cache and 20,000 written to it with one lifetime."""
    ours = dataclasses.replace(written, input_tokens=31_000, cached_input_tokens=10_000, output_tokens=567)
    theirs = {"input_tokens": 31_000, "cache_read_tokens": 10_000, "cache_write_tokens": 20_000}
    return Probe(name, ours, theirs | {"output_tokens": 567} | (theirs_extra or {}))


WRITE_PROBES = (
    ("cache_write_5m_per_mtok", _write_probe("5-minute cache write", Usage(cache_write_5m_tokens=20_000))),
    ("cache_write_30m_per_mtok", _write_probe("30-minute cache write", Usage(cache_write_30m_tokens=20_000))),
    (
        "cache_write_1h_per_mtok",
        _write_probe(
            "1-hour cache write", Usage(cache_write_1h_tokens=20_000), {"cache_write_1h_tokens": 20_000}
        ),
    ),
)
"""Cache-write probes, each run on a model whose rates have that lifetime's write price."""


@dataclass(frozen=True)
class Difference:
    """A price of ours that genai-prices does not agree with, and the table's explanation if it has one."""

    provider: str
    model: str
    day: date
    probe: str
    ours: Decimal | None
    theirs: Decimal | None
    explained: str = ""

    def line(self) -> str:
        """One line for a person."""
        said = (
            f"ours ${self.ours}, genai-prices ${self.theirs}"
            if self.theirs is not None
            else "genai-prices does not know this model"
        )
        why = f" — explained: {self.explained}" if self.explained else ""
        return f"{self.provider}/{self.model} on {self.day}, {self.probe}: {said}{why}"


def check(tables: dict[str, ProviderPrices] | None = None, on: date | None = None) -> list[Difference]:
    """Every difference between our token prices and genai-prices, on ``on`` and around each price change."""
    differences = []
    for provider, table in sorted((tables or load_tables()).items()):
        genai_id = GENAI_PROVIDERS.get(provider)
        if genai_id is None:
            continue
        for model, entry in sorted(table.models.items()):
            if entry.unit != "tokens":
                continue
            differences += _model(provider, genai_id, model, entry, on or today())
    return differences


def _model(provider: str, genai_id: str, model: str, entry: ModelEntry, on: date) -> list[Difference]:
    found = []
    for day in _days(entry, on):
        rates, _period = entry.rates_on(day)
        writes = tuple(probe for rate, probe in WRITE_PROBES if getattr(rates, rate) is not None)
        for probe in PROBES + writes:
            ours = cost_usd(rates, probe.ours, provider, model)
            moment = datetime.combine(day, time(12), tzinfo=UTC)
            try:
                theirs = genai_prices.calc_price(
                    genai_prices.Usage(**probe.theirs),
                    model_ref=model,
                    provider_id=genai_id,
                    genai_request_timestamp=moment,
                ).total_price
            except LookupError:
                return [Difference(provider, model, day, "any", None, None, entry.genai_prices_note or "")]
            if ours != theirs:
                found.append(
                    Difference(provider, model, day, probe.name, ours, theirs, entry.genai_prices_note or "")
                )
    return found


def _days(entry: ModelEntry, on: date) -> list[date]:
    """``on``, and the first and last day of each dated price."""
    days = {on}
    for period in entry.periods:
        if period.effective_from is not None:
            days.add(period.effective_from)
        if period.effective_until is not None:
            days |= {period.effective_until - timedelta(days=1), period.effective_until}
    return sorted(days)
