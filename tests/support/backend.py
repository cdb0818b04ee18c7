"""The real ASGI app Reflex builds (pages evaluated, no frontend bundle), served by granian on loopback.

Building the app mutates the FastAPI ``api`` object for good, so it runs in its own process, with its
own working directory (an ``rxconfig.py`` copy and the assets) and never touches the shared ``.web/``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120


@dataclass
class Backend:
    """Where the served app listens and which process runs it."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    database_url: str

    def peak_rss_kib(self) -> int:
        """Highest resident memory so far of the server and its worker processes (VmHWM)."""
        peak = 0
        for pid in _family(self.process.pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        return peak


def _family(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in children:
            found += _family(int(child))
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_backend(workdir: Path, database_url: str, **env: str) -> Iterator[Backend]:
    """Serve ``mediaws.mediaws:app`` with the given database; stop it afterwards."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "rxconfig.py", workdir / "rxconfig.py")
    if not (workdir / "assets").exists():
        (workdir / "assets").symlink_to(ROOT / "assets")
    port = _free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWS_") and k != "DATABASE_URL"}
    clean.update(
        PYTHONPATH=str(ROOT),
        MEDIAWS_DATA_DIR=str(workdir / "data"),
        MEDIAWS_DATABASE_URL=database_url,
        MEDIAWS_PORT=str(port),
        MEDIAWS_PUBLIC_URL=f"http://127.0.0.1:{port}",
        MEDIAWS_EMBEDDED_WORKER="false",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
        __REFLEX_SKIP_COMPILE="true",
    )
    clean.update(env)
    log = workdir / "server.log"
    granian = Path(sys.executable).parent / "granian"
    command = [str(granian), "--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--workers", "1", "mediaws.mediaws:app"],
            cwd=workdir,
            env=clean,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    backend = Backend(url=f"http://127.0.0.1:{port}", process=process, log=log, database_url=database_url)
    try:
        _wait_until_up(backend)
        yield backend
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_until_up(backend: Backend) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if backend.process.poll() is not None:
            raise RuntimeError(
                f"the app exited with {backend.process.returncode}:\n{backend.log.read_text()[-4000:]}"
            )
        try:
            with urllib.request.urlopen(f"{backend.url}/ping", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(
        f"the app did not answer /ping in {START_TIMEOUT}s:\n{backend.log.read_text()[-4000:]}"
    )
