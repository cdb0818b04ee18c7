"""`mediaws providers` lists every model with how it is billed; `mediaws price` prints exact costs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

MEDIAWS = shutil.which("mediaws", path=str(Path(sys.executable).parent)) or "mediaws"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the console script."""
    return subprocess.run([MEDIAWS, *args], capture_output=True, text=True, timeout=120, check=False)


def test_providers_lists_models_capabilities_and_prices() -> None:
    """Every provider appears with its models; none is unpriced; the local one is free."""
    result = run("providers")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for provider in (
        "openai",
        "anthropic",
        "gemini",
        "elevenlabs",
        "replicate",
        "openai_compatible",
        "local",
    ):
        assert f"\n{provider}  " in f"\n{out}", provider
    assert "NO PRICE" not in out
    assert "local-image" in out and "free (runs on this machine)" in out
    assert "black-forest-labs/flux-schnell" in out and "$0.003 per output" in out


def test_price_prints_exact_costs() -> None:
    """Tokens, characters and outputs are priced exactly, with the price version."""
    tokens = run("price", "--model", "gpt-4.1", "--input-tokens", "1234", "--output-tokens", "567")
    assert tokens.returncode == 0, tokens.stderr
    assert "openai/gpt-4.1: $0.007004" in tokens.stdout
    assert "7004 micro-USD, prices openai@2026-12-01" in tokens.stdout
    chars = run("price", "--model", "eleven_multilingual_v2", "--characters", "1000")
    assert "$0.08" in chars.stdout.splitlines()[0]
    before = run("price", "--model", "eleven_multilingual_v2", "--characters", "1000", "--on", "2026-09-28")
    assert "$0.10" in before.stdout.splitlines()[0] and "elevenlabs@2026-12-01~..2026-09-29" in before.stdout
    flux = run("price", "--model", "replicate/black-forest-labs/flux-schnell", "--outputs", "1")
    assert "3000 micro-USD" in flux.stdout
    flux2 = run(
        "price",
        "--model",
        "black-forest-labs/flux-2-pro",
        "--runs",
        "1",
        "--input-megapixels",
        "1",
        "--output-megapixels",
        "2",
    )
    assert "replicate/black-forest-labs/flux-2-pro: $0.06" in flux2.stdout, flux2.stderr
    wrong = run("price", "--model", "black-forest-labs/flux-2-pro", "--outputs", "1")
    assert wrong.returncode == 2 and "billed by megapixel, not by output count" in wrong.stderr


def test_price_refuses_unknown_models_and_bad_numbers() -> None:
    """Unknown models and malformed numbers exit 2 with a sentence, not a traceback."""
    unknown = run("price", "--model", "gpt-imaginary", "--input-tokens", "5")
    assert unknown.returncode == 2
    assert "No provider prices a model named 'gpt-imaginary'" in unknown.stderr
    bad = run("price", "--model", "gpt-4.1", "--video-seconds", "lots")
    assert bad.returncode == 2
    assert "must be a number" in bad.stderr


def test_price_refuses_units_the_model_is_not_billed_by_and_absurd_amounts() -> None:
    """--images on a token model or 1e100000 predict seconds: a sentence and exit 2, never $0 or a trace."""
    images = run("price", "--model", "gpt-4.1", "--input-tokens", "10", "--images", "3")
    assert images.returncode == 2
    assert "openai/gpt-4.1 is billed by tokens, not by image count." in images.stderr
    huge = run("price", "--model", "replicate/meta/musicgen", "--predict-seconds", "1e100000")
    assert huge.returncode == 2
    assert "cannot be right" in huge.stderr and "Traceback" not in huge.stderr
    bad_day = run("price", "--model", "gpt-4.1", "--input-tokens", "10", "--on", "2026-13-01")
    assert bad_day.returncode == 2 and "YYYY-MM-DD" in bad_day.stderr


def test_prices_check_finds_no_unexplained_difference_with_genai_prices() -> None:
    """Every token price, today and around each dated change, equals genai-prices' (or says why not)."""
    checked = run("prices", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip().endswith("not explained in the price table.")
    assert "0 not explained" in checked.stdout


def test_providers_shows_each_models_lifecycle() -> None:
    listed = run("providers").stdout
    assert "Shut down by its provider on 2026-12-01; use Gemini 3.8 Flash instead." in listed
    assert "tts-1 " in listed and "Deprecated: its provider shuts it down on 2027-01-06." in listed
