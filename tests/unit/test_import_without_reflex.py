"""The core (services, crypto, models, CLI) must work on a host without the Reflex UI."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CORE_MODULES = (
    "mediaws.services.accounts",
    "mediaws.services.projects",
    "mediaws.services.keys",
    "mediaws.services.master_keys",
    "mediaws.services.validation",
    "mediaws.security.crypto",
    "mediaws.security.passwords",
    "mediaws.providers",
    "mediaws.models",
    "mediaws.db",
    "mediaws.cli",
    "mediaws.migrations",
    "mediaws.services.tokens",
    "mediaws.services.generation",
    "mediaws.services.execution",
    "mediaws.jobs.engine",
    "mediaws.wiring",
    "mediaws.api",
)

SCRIPT = textwrap.dedent(
    """
    import importlib
    import sys

    sys.modules["reflex"] = None
    try:
        import reflex  # noqa: F401
    except ImportError:
        print("reflex blocked")
    else:
        sys.exit("reflex was importable; the check below would prove nothing")

    for name in sys.argv[1:]:
        importlib.import_module(name)
        print("imported", name)
    leaked = sorted(m for m in sys.modules if m == "reflex" or m.startswith("reflex."))
    assert leaked == ["reflex"], leaked
    """
)


def run_without_reflex(*modules: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, *modules],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_core_modules_import_without_reflex() -> None:
    result = run_without_reflex(*CORE_MODULES)
    assert result.returncode == 0, result.stderr
    assert "reflex blocked" in result.stdout
    for name in CORE_MODULES:
        assert f"imported {name}" in result.stdout


def test_the_check_notices_a_module_that_needs_reflex() -> None:
    result = run_without_reflex("reflex.constants")
    assert result.returncode != 0
    assert "reflex blocked" in result.stdout
