"""Private scratch directories for rendering, and the sweep that removes those a killed process left.

Each directory ``mediaws-video-<id>`` in the system temp folder has a sibling ``mediaws-video-<id>.lock``
that its process holds an exclusive ``flock`` on, taken before the directory exists and dropped after it
is gone. The kernel drops the lock when the process dies (even by SIGKILL), so a directory whose lock is
free belongs to nobody; checking the lock rather than a pid stays right across pid reuse and containers.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "mediaws-video-"
LOCK_SUFFIX = ".lock"


@contextlib.contextmanager
def render_dir() -> Iterator[Path]:
    """A new private directory, locked while in use and removed afterwards."""
    fd, lock_name = tempfile.mkstemp(prefix=PREFIX, suffix=LOCK_SUFFIX)
    lock = Path(lock_name)
    folder = lock.with_name(lock.name.removesuffix(LOCK_SUFFIX))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        folder.mkdir(mode=0o700)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


def remove_abandoned(root: Path | None = None) -> int:
    """Delete the render directories whose process is gone; return how many were removed."""
    base = Path(root or tempfile.gettempdir())
    removed = 0
    for folder in base.glob(f"{PREFIX}*"):
        if folder.is_dir() and not folder.is_symlink() and _remove_if_free(folder):
            removed += 1
    if removed:
        log.info("removed %d render folder(s) left by stopped processes in %s", removed, base)
    return removed


def _remove_if_free(folder: Path) -> bool:
    lock = folder.with_name(folder.name + LOCK_SUFFIX)
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    try:
        shutil.rmtree(folder, ignore_errors=True)
        lock.unlink(missing_ok=True)
    finally:
        os.close(fd)
    return True
