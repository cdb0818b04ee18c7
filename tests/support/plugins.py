"""A provider plug-in installed into a folder: its import is slow, as a heavy SDK's is on a busy machine."""

from __future__ import annotations

import os
from pathlib import Path

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
