"""Seconds from `reflex run --env prod` to `/ping` answering, and from SIGTERM to every process gone.

Starts the production server repeatedly (warm `.web/`, fresh SQLite data dir each time) and prints each
start and the medians. Give several trees (e.g. a checkout of the previous commit) to compare them: the
starts alternate between trees so a busy machine slows them alike. Builds rewrite the tree's `.web/`:
for the shared checkout run it under `flock /tmp/mediaws-web.lock`.

    .venv/bin/python bench/restarts.py --starts 5 [--tree /path/to/other/checkout]

With --serve the starts go through `python -m mediaws.serve` (what `make run` starts) on one port per tree,
so every start after the first finds an unchanged frontend and skips the build (the first one builds).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 400  # seconds; a start or stop past this is reported as hung


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def migrate(tree: Path, database_url: str) -> None:
    """Create the schema with the tree's own migrations."""
    subprocess.run(
        [sys.executable, "-c", f"from mediaws import migrations; migrations.upgrade({database_url!r})"],
        cwd=tree,
        env=os.environ | {"PYTHONPATH": str(tree)},
        check=True,
    )


def one_start(tree: Path, port: int, command: list[str]) -> tuple[float | None, float | None]:
    """Start, wait for /ping, send SIGTERM; return (seconds to ping, seconds to stop), None if hung."""
    data = Path(tempfile.mkdtemp(prefix="mediaws-bench-"))
    database_url = f"sqlite:///{data / 'mediaws.db'}"
    migrate(tree, database_url)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEDIAWS_DATABASE_URL"}}
    env |= {
        "MEDIAWS_DATA_DIR": str(data),
        "MEDIAWS_PORT": str(port),
        "PYTHONPATH": str(tree),
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
    }
    bun = ROOT / ".tools" / "node_modules" / "bun" / "bin" / "bun.exe"
    if bun.exists():
        env.setdefault("REFLEX_BUN_PATH", str(bun))
    with (data / "server.log").open("wb") as log:
        began = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=tree,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    up = None
    while up is None and time.perf_counter() - began < LIMIT and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as response:
                up = time.perf_counter() - began if response.status == 200 else None
        except OSError:
            time.sleep(0.1)
    stopping = time.perf_counter()
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=LIMIT)
        stopped: float | None = time.perf_counter() - stopping
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        stopped = None
    return up, stopped


def main() -> None:
    """Run the starts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--tree", type=Path, action="append", default=[])
    parser.add_argument("--serve", action="store_true", help="start as `make run` does, one port per tree")
    args = parser.parse_args()
    trees = [ROOT, *args.tree]
    figures: dict[Path, list[tuple[float | None, float | None]]] = {tree: [] for tree in trees}
    ports = {tree: free_port() for tree in trees}
    if args.serve:
        command = [sys.executable, "-m", "mediaws.serve"]
    else:
        command = [str(Path(sys.executable).parent / "reflex"), "run", "--env", "prod"]
    for index in range(args.starts):
        for tree in trees:
            up, stopped = one_start(tree, ports[tree] if args.serve else free_port(), command)
            figures[tree].append((up, stopped))
            shown = [f"{x:.1f} s" if x is not None else "HUNG" for x in (up, stopped)]
            print(f"{tree}  start {index + 1}: /ping after {shown[0]}, stopped in {shown[1]}")
    for tree, runs in figures.items():
        ups = [u for u, _ in runs if u is not None]
        stops = [s for _, s in runs if s is not None]
        hung = sum(u is None or s is None for u, s in runs)
        print(
            f"{tree}: median /ping {statistics.median(ups or [float('nan')]):.1f} s, "
            f"median stop {statistics.median(stops or [float('nan')]):.1f} s, hung {hung} of {len(runs)}"
        )


if __name__ == "__main__":
    main()
