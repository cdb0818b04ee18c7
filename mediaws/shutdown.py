"""A deadline for stopping: once asked by SIGTERM or SIGINT, a server process is gone within a grace period.

The server (Granian) stops gracefully on those signals, but only if its event loop still runs and no
blocking thread holds the process open. The deadline makes a stuck process exit anyway, so a stop never
needs SIGKILL: it chains in front of the handlers already installed and never replaces their work.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

SIGNALS = (signal.SIGTERM, signal.SIGINT)
Handler = Callable[[int, FrameType | None], Any] | int | None


def exit_within(grace_seconds: float) -> bool:
    """Arm the deadline for this process; False where signals cannot be handled (not the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return False
    deadline = _Deadline(grace_seconds)
    for sig in SIGNALS:
        signal.signal(sig, deadline.chain(signal.getsignal(sig)))
    return True


class _Deadline:
    """Starts one timer at the first stop signal; the timer ends the process if it is still alive."""

    def __init__(self, grace_seconds: float) -> None:
        self.grace_seconds = grace_seconds
        self._armed = False

    def chain(self, previous: Handler) -> Callable[[int, FrameType | None], None]:
        """A handler that arms the timer, then does what ``previous`` did."""

        def handle(signum: int, frame: FrameType | None) -> None:
            if previous == signal.SIG_IGN:
                return
            self._arm(signum)
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)

        return handle

    def _arm(self, signum: int) -> None:
        if self._armed:  # no lock: handlers run in the main thread, and a second signal re-enters this one
            return
        self._armed = True
        timer = threading.Timer(self.grace_seconds, self._give_up, args=(signum,))
        timer.daemon = True
        timer.start()

    def _give_up(self, signum: int) -> None:
        log.error(
            "still running %.0f s after %s: exiting without a clean shutdown; its threads were:",
            self.grace_seconds,
            signal.Signals(signum).name,
        )
        faulthandler.dump_traceback(all_threads=True)
        os._exit(128 + signum)
