"""The provider SDKs load on first use, not with the app; a fork or second thread meanwhile is safe."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from tests.support.plugins import install_slow_plugin, python_path, run_python

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("anthropic", "google.genai", "openai", "elevenlabs", "replicate", "httpx2", "supabase", "reportlab")

IMPORT_APP = """
    import sys
    import mediaws.mediaws
    from mediaws.providers import anthropic, elevenlabs, gemini, replicate
    from mediaws.providers.openai import errors

    def loaded():
        return [name for name in HEAVY if name in sys.modules]

    print("with the app:", loaded())
    anthropic.anthropic.APIError, gemini.types.Part, errors.openai.OpenAIError, errors.httpx2.TransportError
    elevenlabs.api_error.ApiError, replicate.errors.replicate_exceptions.ReplicateError
    print("once used:", loaded())
"""

THREADS_AND_FORK = """
    import os, threading, time
    from pathlib import Path
    from mediaws.providers.sdk import lazy

    slow = lazy("slow_plugin")
    got = []
    threading.Thread(target=lambda: got.append(slow.CALLS), daemon=True).start()
    while not Path(STARTED).exists():
        time.sleep(0.01)
    second = threading.Thread(target=lambda: got.append(slow.CALLS))
    second.start()
    child = os.fork()
    if child == 0:
        os._exit(0 if slow.register is not None else 3)
    _, status = os.waitpid(child, 0)
    second.join()
    print("child exit", os.waitstatus_to_exitcode(status), "threads", len(got), got[0] is got[-1])
"""


def _run(script: str, cwd: Path, **env: str) -> str:
    """Run a script in a fresh interpreter without the test's settings; fail if it (or a child) hangs."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWS_") and k != "DATABASE_URL"}
    base = {"MEDIAWS_DATA_DIR": str(cwd / "data"), "PYTHONPATH": str(ROOT)}
    return run_python(script, cwd=cwd, env=clean | base | env)


def test_the_app_imports_no_provider_sdk_until_a_provider_uses_it(tmp_path: Path) -> None:
    """Importing the app (every provider registered) leaves the SDKs and reportlab out; using one loads it."""
    out = _run(f"HEAVY = {HEAVY!r}\n" + textwrap.dedent(IMPORT_APP), tmp_path)
    used = ["anthropic", "google.genai", "openai", "elevenlabs", "replicate", "httpx2"]
    assert out.splitlines() == ["with the app: []", f"once used: {used}"]


def test_threads_and_a_fork_during_an_sdk_import_wait_for_it(tmp_path: Path) -> None:
    """A second thread waits for the import; a fork mid-import (Granian's) gets the whole module."""
    started = install_slow_plugin(tmp_path, seconds=2)
    script = f"STARTED = {str(started)!r}\n" + textwrap.dedent(THREADS_AND_FORK)
    out = _run(script, tmp_path, PYTHONPATH=python_path(tmp_path, ROOT))
    assert out == "child exit 0 threads 2 True"
