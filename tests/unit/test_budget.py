"""Monthly budgets typed by people: parsing into micro-dollars and showing them back."""

from __future__ import annotations

import pytest

from mediaws.errors import ValidationError
from mediaws.services.projects import format_usd, parse_budget


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("25", 25_000_000),
        ("12.50", 12_500_000),
        ("12.5", 12_500_000),
        ("0.01", 10_000),
        ("0", 0),
        ("$1,000.00", 1_000_000_000),
        (" $ 40 ", 40_000_000),
        ("1000000", 1_000_000_000_000),
    ],
)
def test_amounts_become_micro_dollars(text: str, micros: int) -> None:
    assert parse_budget(text) == micros


@pytest.mark.parametrize("text", ["", "   ", None])
def test_blank_means_no_budget(text: str | None) -> None:
    assert parse_budget(text) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("-1", "zero or more"),
        ("abc", "amount in USD"),
        ("12,50$", "amount in USD"),
        ("1.234", "two decimals"),
        ("0.001", "two decimals"),
        ("2000000", "too large"),
        ("1000000.01", "too large"),
        ("Infinity", "zero or more"),
    ],
)
def test_bad_amounts_are_refused_with_a_message(text: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_budget(text)
    assert caught.value.field == "budget"
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("micros", "shown"),
    [
        (None, ""),
        (0, "$0.00"),
        (10_000, "$0.01"),
        (12_500_000, "$12.50"),
        (25_000_000, "$25.00"),
        (1_000_000_000, "$1,000.00"),
        (1_000_000_000_000, "$1,000,000.00"),
    ],
)
def test_format_usd(micros: int | None, shown: str) -> None:
    assert format_usd(micros) == shown


@pytest.mark.parametrize("text", ["25", "12.50", "0.99", "$1,234.56"])
def test_formatted_budget_parses_back_to_the_same_amount(text: str) -> None:
    micros = parse_budget(text)
    assert parse_budget(format_usd(micros)) == micros
