"""A worker loop: claim a job, hand it to its handler, repeat; in the app process or on its own."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence

from sqlmodel import Session

from mediaws.jobs import queue
from mediaws.media import scratch

log = logging.getLogger(__name__)
Handler = Callable[[uuid.UUID, str, float], str]


class Worker:
    """Runs jobs one at a time; a named lease makes a crashed worker's jobs free again."""

    def __init__(
        self,
        *,
        session_factory: Callable[[], Session],
        handler: Handler,
        lease_seconds: float = 30.0,
        idle_seconds: float = 1.0,
        name: str | None = None,
        chores: Sequence[Callable[[], object]] = (),
        chore_seconds: float = 30.0,
    ) -> None:
        self.session_factory = session_factory
        self.handler = handler
        self.lease_seconds = lease_seconds
        self.idle_seconds = idle_seconds
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stopping = threading.Event()
        self.chores = tuple(chores)
        self.chore_seconds = chore_seconds
        self._chores_done_at: float | None = None

    def run_once(self) -> str | None:
        """Claim and run one job; return its final status, or None when nothing was waiting."""
        with self.session_factory() as session:
            job = queue.claim(session, worker=self.name, lease_seconds=self.lease_seconds)
            if job is None:
                return None
            job_id = job.id
        log.info("worker %s runs job %s", self.name, job_id)
        return self.handler(job_id, self.name, self.lease_seconds)

    def run_forever(self) -> None:
        """Remove the render folders of killed workers, then keep running jobs until stop() is called."""
        scratch.remove_abandoned()
        while not self.stopping.is_set():
            try:
                ran = self.run_once()
            except Exception:
                log.exception("worker %s: a job crashed the handler", self.name)
                ran = "error"
            if ran is None:
                self.run_chores()
                self.stopping.wait(self.idle_seconds)

    def run_chores(self, *, force: bool = False) -> None:
        """Between jobs, at most every chore_seconds: the housekeeping handed in (owed storage deletes)."""
        now = time.monotonic()
        if not force and self._chores_done_at is not None and now - self._chores_done_at < self.chore_seconds:
            return
        self._chores_done_at = now
        for chore in self.chores:
            try:
                chore()
            except Exception:
                log.exception("worker %s: a chore failed; it runs again later", self.name)

    def start_in_background(self) -> threading.Thread:
        """Run in a daemon thread (the embedded worker of the app server)."""
        thread = threading.Thread(target=self.run_forever, name=f"worker-{self.name}", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """Finish the current job, then stop."""
        self.stopping.set()
