"""A provider plug-in installed into a folder (its import is slow, as a heavy SDK's is on a busy machine).

And a fresh interpreter to import it in, which fails the test rather than hang with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

MODULE = "slow_plugin"

CODE = '''"""A mediaws provider plug-in that takes {seconds} s to import."""

import time
from pathlib import Path

CALLS = []
Path({started!r}).touch()
time.sleep({seconds})


def register(registry):
    """Register nothing; count the calls."""
    CALLS.append(registry)
'''


def install_slow_plugin(folder: Path, *, seconds: float) -> Path:
    """Write the plug-in and its entry point into ``folder``; its import touches the returned path first."""
    started = folder / "slow-plugin-importing"
    (folder / f"{MODULE}.py").write_text(CODE.format(seconds=seconds, started=str(started)))
    info = folder / "slow_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: slow-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[mediaws.providers]\nzz_slow = {MODULE}:register\n")
    return started


def python_path(*folders: Path) -> str:
    """A PYTHONPATH with these folders first, then whatever was set."""
    return os.pathsep.join([*(str(f) for f in folders), *filter(None, [os.environ.get("PYTHONPATH")])])


def run_python(script: str, *, cwd: Path, env: Mapping[str, str], hung: float = 240) -> str:
    """Run ``script`` in a fresh interpreter and return its output; fail if it (or a child) hangs or fails.

    ``hung`` seconds is far beyond any import on a loaded machine: reaching it means a process is stuck.
    """
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=hung)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"hung for {hung} s")
    assert process.returncode == 0, err
    return out.strip()
