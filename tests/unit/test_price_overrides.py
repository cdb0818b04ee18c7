"""Operator catalogue files in the data dir: negotiated rates, early shutdowns, new models, validated."""

from __future__ import annotations

import os
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from mediaws.catalogue.table import load_tables
from mediaws.errors import ConfigError, InvalidProviderRequest
from mediaws.providers import anthropic, base
from mediaws.providers.anthropic import AnthropicProvider
from mediaws.providers.base import Capability
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


TOMORROWS_CLAUDE = """
provider = "anthropic"
version = "2026-12-02"
source = "https://platform.claude.com/docs/en/about-claude/pricing"

[models."claude-opus-6"]
label = "Claude Opus 6"
capability = "text"
family = "claude-128k"
description = "Released tomorrow."
unit = "tokens"
input_per_mtok = "5"
output_per_mtok = "25"
"""


def test_a_model_of_a_known_family_is_offered_from_data_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = _tables(tmp_path / "prices", anthropic=TOMORROWS_CLAUDE)
    monkeypatch.setattr(base, "load_tables", lambda: tables)
    offered = {info.id: info for info in AnthropicProvider.models()}
    assert "claude-opus-5-5" in offered  # the shipped ones stay
    opus6 = anthropic.model_info("claude-opus-6")
    assert (opus6.label, opus6.capability, opus6.description) == (
        "Claude Opus 6",
        Capability.TEXT,
        "Released tomorrow.",
    )
    assert opus6.validate_options({"max_output_tokens": 128_000})
    with pytest.raises(InvalidProviderRequest, match="max_output_tokens"):
        opus6.validate_options({"max_output_tokens": 128_001})


def test_a_family_the_code_does_not_speak_is_refused_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = _tables(tmp_path / "prices", anthropic=TOMORROWS_CLAUDE.replace("claude-128k", "claude-7000k"))
    monkeypatch.setattr(base, "load_tables", lambda: tables)
    with pytest.raises(ConfigError, match="anthropic/claude-opus-6 names the family 'claude-7000k'"):
        AnthropicProvider.models()


def test_an_offered_model_needs_its_capability_and_family(tmp_path: Path) -> None:
    no_family = TOMORROWS_CLAUDE.replace('family = "claude-128k"\n', "")
    with pytest.raises(ConfigError, match="needs its API family"):
        _tables(tmp_path / "a", anthropic=no_family)
    with pytest.raises(ConfigError, match="needs its capability"):
        _tables(tmp_path / "b", anthropic=TOMORROWS_CLAUDE.replace('capability = "text"\n', ""))


def test_the_cli_lists_an_operator_model_and_refuses_an_unknown_family(tmp_path: Path) -> None:
    (tmp_path / "prices").mkdir()
    (tmp_path / "prices" / "anthropic.toml").write_text(TOMORROWS_CLAUDE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWS_")} | {
        "MEDIAWS_DATA_DIR": str(tmp_path)
    }
    listed = subprocess.run(
        [MEDIAWS, "providers"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert listed.returncode == 0, listed.stderr
    assert "claude-opus-6" in listed.stdout and "$5.00/M in · $25.00/M out" in listed.stdout
    (tmp_path / "prices" / "anthropic.toml").write_text(TOMORROWS_CLAUDE.replace("claude-128k", "nope"))
    refused = subprocess.run(
        [MEDIAWS, "providers"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert refused.returncode == 2 and "family 'nope'" in refused.stderr
