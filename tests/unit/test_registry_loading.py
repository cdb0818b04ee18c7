"""Loading providers is race-free: threads asking at once share one load, and a fork waits for it."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from tests.support.plugins import install_slow_plugin, python_path, run_python

ROOT = Path(__file__).resolve().parents[2]

TWO_THREADS = """
    import threading, time
    from pathlib import Path
    from mediaws.providers.registry import default_registry

    got = []
    first = threading.Thread(target=lambda: got.append(default_registry()))
    first.start()
    while not Path(STARTED).exists():
        time.sleep(0.01)
    second = threading.Thread(target=lambda: got.append(default_registry()))
    second.start()
    first.join()
    second.join()

    import slow_plugin
    print(len(slow_plugin.CALLS), got[0] is got[1], "local" in got[1].providers)
"""

FORK_WHILE_LOADING = """
    import os, threading, time
    from pathlib import Path
    from mediaws.providers.registry import default_registry

    threading.Thread(target=default_registry, daemon=True).start()
    while not Path(STARTED).exists():
        time.sleep(0.01)
    child = os.fork()
    if child == 0:
        registry = default_registry()
        import slow_plugin
        os._exit(0 if len(slow_plugin.CALLS) == 1 and "local" in registry.providers else 3)
    _, status = os.waitpid(child, 0)
    print("child exit", os.waitstatus_to_exitcode(status))
"""


def _run(script: str, plugin_dir: Path, started: Path) -> str:
    """Run a script with the slow plug-in installed; fail if it (or a child) hangs."""
    script = f"STARTED = {str(started)!r}\n" + textwrap.dedent(script)
    return run_python(script, cwd=ROOT, env=os.environ | {"PYTHONPATH": python_path(plugin_dir, ROOT)})


def test_threads_asking_at_once_share_one_load(tmp_path: Path) -> None:
    """A second thread asking while a plug-in imports waits for the same registry; nothing registers twice."""
    started = install_slow_plugin(tmp_path, seconds=2)
    assert _run(TWO_THREADS, tmp_path, started) == "1 True True"


def test_a_fork_while_providers_load_gets_a_complete_registry(tmp_path: Path) -> None:
    """A worker forked mid-load (as Granian forks its workers) neither hangs nor sees half a plug-in."""
    started = install_slow_plugin(tmp_path, seconds=2)
    assert _run(FORK_WHILE_LOADING, tmp_path, started) == "child exit 0"
