"""`mediaws prices check` catches a price that drifted from genai-prices, unless the table explains it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from mediaws.catalogue.table import ModelEntry, ProviderPrices, load_tables
from mediaws.pricing.check import check


def _openai_with(model: str, **changes: object) -> dict[str, ProviderPrices]:
    table = load_tables()["openai"]
    entry = table.models[model].model_copy(update=changes)
    return {"openai": table.model_copy(update={"models": {model: entry}})}


def test_a_drifted_price_is_a_difference_on_every_usage() -> None:
    wrong = _openai_with("gpt-4.1", output_per_mtok=Decimal("9.00"))
    found = check(wrong, on=date(2026, 12, 1))
    assert {d.probe for d in found} == {"plain", "cached", "long context"}
    assert not [d for d in found if d.explained]
    assert found[0].line().startswith("openai/gpt-4.1 on 2026-12-01, plain: ours $")


def test_an_explained_difference_is_listed_but_not_a_failure() -> None:
    noted = _openai_with("gpt-4.1", output_per_mtok=Decimal("9.00"), genai_prices_note="negotiated rate")
    assert all(d.explained == "negotiated rate" for d in check(noted, on=date(2026, 12, 1)))


def test_a_model_genai_prices_does_not_know_is_named() -> None:
    table = load_tables()["openai"]
    unknown = ModelEntry(unit="tokens", input_per_mtok=Decimal(1), output_per_mtok=Decimal(2))
    tables = {"openai": table.model_copy(update={"models": {"gpt-from-tomorrow": unknown}})}
    [found] = check(tables, on=date(2026, 12, 1))
    assert found.line() == (
        "openai/gpt-from-tomorrow on 2026-12-01, any: genai-prices does not know this model"
    )


def test_each_dated_price_is_checked_on_both_sides_of_its_change() -> None:
    """A wrong introductory price is caught on its last day, even when checked on another day."""
    table = load_tables()["gemini"]
    entry = table.models["gemini-3.8-flash"]
    intro = entry.periods[0].model_copy(update={"input_per_mtok": Decimal("0.80")})
    tables = {
        "gemini": table.model_copy(
            update={"models": {"gemini-3.8-flash": entry.model_copy(update={"periods": [intro]})}}
        )
    }
    found = check(tables, on=date(2027, 6, 1))
    assert {d.day for d in found} == {date(2026, 12, 31)}
