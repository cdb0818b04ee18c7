"""Write the service worker (Workbox's ``generateSW``, scripts/build_sw.cjs) into a production build."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path("scripts") / "build_sw.cjs"
WORKBOX = Path(".tools") / "workbox" / "node_modules" / "workbox-build"


class ServiceWorkerError(RuntimeError):
    """Workbox is missing or failed: the build has no service worker."""


def js_runtime() -> str | None:
    """Node if it is on the PATH, else the bun that Reflex builds with."""
    return shutil.which("node") or os.environ.get("REFLEX_BUN_PATH") or None


def sw_command(static_dir: Path, root: Path) -> list[str] | None:
    """The command that writes ``sw.js`` into ``static_dir``, or None when Workbox is not installed."""
    runtime = js_runtime()
    if runtime is None or not (root / WORKBOX).is_dir():
        return None
    return [runtime, str(root / SCRIPT), str(static_dir.resolve()), str((root / WORKBOX).resolve())]


def write_service_worker(static_dir: Path, root: Path | None = None) -> str:
    """Add ``sw.js`` and Workbox's runtime to the build in ``static_dir``; return Workbox's summary line.

    ``root`` is the app's directory (where ``reflex run`` starts, holding ``.tools/`` and ``scripts/``).
    """
    root = root or Path.cwd()
    command = sw_command(static_dir, root)
    if command is None:
        raise ServiceWorkerError(f"{WORKBOX} or node is missing (`make install` installs Workbox)")
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ServiceWorkerError(f"Workbox failed:\n{result.stderr[-4000:]}")
    return result.stdout.strip()
