"""The web app refuses to start in production without a real master key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _import_app(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWS_") and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-c", "import mediaws.mediaws"],
        cwd=tmp_path,
        env=clean | {"MEDIAWS_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)} | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_without_master_key_refuses_with_instructions(tmp_path: Path) -> None:
    """The error names the variable to set; no key file is generated behind the operator's back."""
    result = _import_app(tmp_path, MEDIAWS_ENV="production", MEDIAWS_MASTER_KEY="changeme")
    assert result.returncode != 0
    assert "MEDIAWS_MASTER_KEY" in result.stderr
    assert "mediaws keys generate" in result.stderr
    assert not (tmp_path / "data" / "master-keys.json").exists()


def test_development_generates_a_private_key_file(tmp_path: Path) -> None:
    """With no key configured, development creates one readable by the owner only."""
    result = _import_app(tmp_path)
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "data" / "master-keys.json"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_a_broken_price_override_stops_the_app_with_its_file_named(tmp_path: Path) -> None:
    prices = tmp_path / "data" / "prices"
    prices.mkdir(parents=True)
    (prices / "openai.toml").write_text(
        'provider = "openai"\nversion = "x"\nsource = "y"\n[models.m]\nunit = "?"'
    )
    result = _import_app(tmp_path)
    assert result.returncode != 0
    assert f"The price override {prices / 'openai.toml'} is not valid" in result.stderr
