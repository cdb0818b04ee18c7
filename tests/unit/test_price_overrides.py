"""Operator price files in the data dir: negotiated rates, early shutdowns, validated, with their source."""

from __future__ import annotations

import os
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from mediaws.errors import ConfigError
from mediaws.pricing.table import load_tables
from tests.unit.test_cli_pricing import MEDIAWS

NEGOTIATED = """
provider = "openai"
version = "2026-12-05-contract"
source = "https://example.com/our-contract"

[models."gpt-4.1"]
unit = "tokens"
input_per_mtok = "1.50"
output_per_mtok = "6.00"

[models."gemini-3.8-flash"]
unit = "tokens"
input_per_mtok = "1"
output_per_mtok = "5"
"""


def _tables(folder: Path, **files: str) -> dict:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.toml").write_text(text)
    return load_tables(overrides=folder)


def test_a_negotiated_rate_replaces_the_shipped_price_and_keeps_the_shutdown_date(tmp_path: Path) -> None:
    tables = _tables(tmp_path / "prices", openai=NEGOTIATED.split('[models."gemini')[0])
    entry = tables["openai"].models["gpt-4.1"]
    assert (entry.input_per_mtok, entry.output_per_mtok, entry.cached_input_per_mtok) == (
        Decimal("1.50"),
        Decimal("6.00"),
        None,
    )
    assert entry.shutdown_on == date(2027, 1, 14)  # the provider's date is not lost
    assert entry.source == "https://example.com/our-contract"
    assert entry.override_file == str(tmp_path / "prices" / "openai.toml")
    assert tables["openai"].models["gpt-5.5"].override_file is None  # the rest stays as shipped


def test_a_negotiated_rate_is_not_undercut_by_a_shipped_introductory_period(tmp_path: Path) -> None:
    gemini = NEGOTIATED.replace('provider = "openai"', 'provider = "gemini"').split('[models."gpt-4.1"]')[0]
    gemini += '[models."gemini-3.8-flash"]\nunit = "tokens"\ninput_per_mtok = "1"\noutput_per_mtok = "5"\n'
    entry = _tables(tmp_path / "prices", gemini=gemini)["gemini"].models["gemini-3.8-flash"]
    rates, period = entry.rates_on(date(2026, 12, 15))
    assert (rates.input_per_mtok, period) == (Decimal(1), None)


def test_an_operator_may_retire_a_model_early_without_restating_its_price(tmp_path: Path) -> None:
    early = 'provider = "openai"\nversion = "ours"\nsource = "s"\n[models."gpt-4.1"]\nunit = "tokens"\n'
    early += 'shutdown_on = "2026-12-02"\n'
    entry = _tables(tmp_path / "prices", openai=early)["openai"].models["gpt-4.1"]
    assert entry.shutdown_on == date(2026, 12, 2)
    assert entry.input_per_mtok == Decimal("2.00")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("provider = [", "is not valid TOML"),
        ('provider = "openai"\nversion = "x"\nsource = "y"\n[models.m]\nunit = "tokenz"', "models.m.unit"),
        ('provider = "openai"\nsource = "y"\nmodels = {}', "version: Field required"),
    ],
)
def test_a_broken_override_names_its_file_and_what_is_wrong(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(ConfigError, match=said) as caught:
        _tables(tmp_path / "prices", mine=text)
    assert str(tmp_path / "prices" / "mine.toml") in str(caught.value)


def test_the_cli_prices_with_the_override_and_says_where_it_came_from(tmp_path: Path) -> None:
    (tmp_path / "prices").mkdir()
    (tmp_path / "prices" / "openai.toml").write_text(NEGOTIATED.split('[models."gemini')[0])
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWS_")} | {
        "MEDIAWS_DATA_DIR": str(tmp_path)
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [MEDIAWS, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    priced = run("price", "--model", "gpt-4.1", "--input-tokens", "1000000")
    assert priced.returncode == 0, priced.stderr
    assert "openai/gpt-4.1: $1.50" in priced.stdout
    assert (
        "prices openai@2026-12-05-contract+operator, source https://example.com/our-contract" in priced.stdout
    )
    listed = run("providers").stdout
    assert f"(price from {tmp_path / 'prices' / 'openai.toml'})" in listed
    (tmp_path / "prices" / "broken.toml").write_text("provider = [")
    refused = run("providers")
    assert refused.returncode == 2 and "broken.toml is not valid TOML" in refused.stderr
