"""Concurrent clients against the production server: throughput, p50/p95/p99 and errors next to /ping.

Starts `reflex run --env prod` (Granian, one worker, the embedded job worker on, default settings)
under `flock /tmp/mediaws-web.lock`, on a free loopback port with a fresh data dir and a migrated SQLite
database; makes a user and a personal access token with the `mediaws` CLI; then, for 50, 200 and
1,000 concurrent clients, runs each route for a bounded time and count while one more client keeps
calling GET /ping in the same run:

- GET /api/projects (the caller has 5 projects)
- GET /api/generations?projectId=… (50 generations listed)
- POST /api/generate (a 512x512 image from the local provider; the embedded worker renders them meanwhile)

Every client is a closed loop (send, wait for the answer, send again) with its own connection. An error
is any answer that is not 2xx, a time-out (60 s) or a failed connection.

    python bench/load.py                      # this tree
    python bench/load.py --tree /tmp/base-h1  # another checkout, e.g. the commit before
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
LOCK = "/tmp/mediaws-web.lock"  # noqa: S108  (the shared lock every .web/ build takes)
TIMEOUT = 60.0
EMAIL = "bench@example.com"
IMAGE = {"type": "image", "provider": "local", "model": "local-image", "prompt": "A lighthouse at dusk"}
HOST = "127.0.0.1"


@dataclass
class Tally:
    """Latencies of the answered requests and counts of each kind of error."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    started: float = 0.0
    finished: float = 0.0

    @property
    def count(self) -> int:
        """Requests made."""
        return len(self.latencies) + sum(self.errors.values())

    def percentile(self, share: float) -> float:
        """Latency in ms below which ``share`` of the answered requests fall."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    def throughput(self) -> float:
        """Requests per second over the stage."""
        return self.count / max(self.finished - self.started, 1e-9)

    def error_text(self) -> str:
        """Errors as ``kind x count``, or 0."""
        return ", ".join(f"{kind} x{n}" for kind, n in sorted(self.errors.items())) or "0"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raise_fd_limit() -> None:
    """Allow this process (and the server it starts) enough sockets for every client."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))


def server_env(tree: Path, data_dir: Path, port: int) -> dict[str, str]:
    """The server's environment: default settings, a fresh data dir, the code of ``tree``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWS_") and k != "DATABASE_URL"}
    env.update(
        MEDIAWS_DATA_DIR=str(data_dir),
        MEDIAWS_PORT=str(port),
        PYTHONPATH=str(tree),
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
    )
    bun = ROOT / ".tools" / "node_modules" / "bun" / "bin" / "bun.exe"
    if bun.exists():
        env.setdefault("REFLEX_BUN_PATH", str(bun))
    return env


def cli(tree: Path, env: dict[str, str], *args: str, stdin: str = "") -> str:
    """Run the `mediaws` command line of ``tree`` and return what it printed on stdout."""
    done = subprocess.run(
        [sys.executable, "-c", "from mediaws.cli import main; main()", *args],
        cwd=tree,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def start(tree: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start the production backend of ``tree`` in its own process group, under the .web lock."""
    reflex = Path(sys.executable).parent / "reflex"
    with log.open("wb") as out:
        return subprocess.Popen(
            ["flock", LOCK, str(reflex), "run", "--env", "prod"],
            cwd=tree,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Wait (at most 10 minutes, the lock included) until /ping answers."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=2):  # noqa: S310  (loopback)
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("server did not answer /ping within 600 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and everything it started."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass


class Connection:
    """One keep-alive HTTP/1.1 connection of one client.

    A bare client on purpose: httpx's connection pool costs grow with the number of connections (on this
    machine 200 clients reached 76 req/s on a static page that a bare client drives at 1,700 req/s), so
    it would measure itself, not the server.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> int:
        """Send one request and read its whole answer; return the status code."""
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        lines = [
            f"{method} {target} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {len(body)}",
        ]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status = int((await reader.readline()).split()[1])
        length, close = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding":
                raise RuntimeError("chunked answers are not expected here")
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        await reader.readexactly(length)
        if close:
            self.close()
        return status

    def close(self) -> None:
        """Drop the connection; the next request opens a new one."""
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


@dataclass(frozen=True)
class Route:
    """One measured request."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""


async def loop(host: str, port: int, route: Route, tally: Tally, until: float, budget: list[int]) -> None:
    """One closed-loop client: call, record, repeat until the time or the request budget runs out."""
    connection = Connection(host, port)
    while time.monotonic() < until and budget[0] > 0:
        budget[0] -= 1
        began = time.perf_counter()
        try:
            status = await asyncio.wait_for(
                connection.request(route.method, route.target, route.headers, route.body), TIMEOUT
            )
        except TimeoutError:
            tally.errors["timeout"] += 1
            connection.close()
            continue
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            tally.errors[type(exc).__name__] += 1
            connection.close()
            continue
        if 200 <= status < 300:
            tally.latencies.append(time.perf_counter() - began)
        else:
            tally.errors[str(status)] += 1
    connection.close()


PING = Route("GET", "/ping", {})


async def stage(
    port: int, route: Route, clients: int, seconds: float, max_requests: int
) -> tuple[Tally, Tally]:
    """``clients`` closed loops on one route and one on /ping, for ``seconds`` or ``max_requests``."""
    work, pings = Tally(), Tally()
    work.started = pings.started = time.monotonic()
    until = work.started + seconds
    ping_task = asyncio.create_task(loop(HOST, port, PING, pings, until, [max_requests]))
    budget = [max_requests]
    await asyncio.gather(*(loop(HOST, port, route, work, until, budget) for _ in range(clients)))
    work.finished = time.monotonic()
    await ping_task
    pings.finished = time.monotonic()
    return work, pings


def routes(token: str, project_id: str) -> dict[str, Route]:
    """The measured requests, by name."""
    auth = {"Authorization": f"Bearer {token}"}
    body = json.dumps({**IMAGE, "projectId": project_id, "options": {"size": "512x512"}}).encode()
    return {
        "GET /api/projects": Route("GET", "/api/projects", auth),
        "GET /api/generations": Route("GET", f"/api/generations?projectId={project_id}", auth),
        "POST /api/generate": Route(
            "POST", "/api/generate", {**auth, "Content-Type": "application/json"}, body
        ),
    }


def seed(url: str, token: str) -> str:
    """Five projects and 50 generations in the first; returns its id."""
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=auth, timeout=TIMEOUT) as client:
        ids = []
        for number in range(5):
            made = client.post("/api/projects", json={"name": f"Bench {number}"})
            made.raise_for_status()
            ids.append(made.json()["id"])
        for _ in range(50):
            client.post(
                "/api/generate", json={**IMAGE, "projectId": ids[0], "options": {"size": "512x512"}}
            ).raise_for_status()
    return str(ids[0])


def report(rows: list[tuple[int, str, Tally, Tally]]) -> None:
    """Print the table of figures."""
    print(
        "| clients | route | requests | req/s | p50 ms | p95 ms | p99 ms | errors "
        "| /ping p50 | /ping p95 | /ping p99 | /ping errors | p95 / ping p95 |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | ---: |")
    for clients, name, work, pings in rows:
        print(
            f"| {clients} | {name} | {work.count} | {work.throughput():.0f} | {work.percentile(0.5):.1f} "
            f"| {work.percentile(0.95):.1f} | {work.percentile(0.99):.1f} | {work.error_text()} "
            f"| {pings.percentile(0.5):.1f} | {pings.percentile(0.95):.1f} | {pings.percentile(0.99):.1f} "
            f"| {pings.error_text()} | {work.percentile(0.95) / pings.percentile(0.95):.1f}x |"
        )


def main() -> None:
    """Start the server, seed it, run every stage, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout whose server to run")
    parser.add_argument("--clients", default="50,200,1000", help="comma-separated concurrency levels")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each stage")
    parser.add_argument("--max-requests", type=int, default=20_000, help="requests per stage at most")
    parser.add_argument("--routes", default="", help="run only routes containing these words, e.g. projects")
    args = parser.parse_args()
    raise_fd_limit()
    tree = args.tree.resolve()
    data_dir = Path(tempfile.mkdtemp(prefix="mediaws-load-"))
    port = free_port()
    url = f"http://{HOST}:{port}"
    env = server_env(tree, data_dir, port)
    cli(tree, env, "db", "upgrade")
    cli(
        tree,
        env,
        "user",
        "create",
        "--email",
        "bench@example.com",
        "--password-stdin",
        stdin="bench passphrase 1\n",
    )
    token = cli(tree, env, "token", "create", "--user", "bench@example.com", "--name", "load").splitlines()[
        -1
    ]
    log = data_dir / "server.log"
    process = start(tree, env, log)
    rows: list[tuple[int, str, Tally, Tally]] = []
    try:
        wait_until_up(process, url, log)
        calls = routes(token, seed(url, token))
        wanted = [name for name in calls if not args.routes or any(r in name for r in args.routes.split(","))]
        levels = [int(n) for n in args.clients.split(",")]
        order = [(n, name) for name in wanted if name != "POST /api/generate" for n in levels]
        order += [(n, name) for name in wanted if name == "POST /api/generate" for n in levels]
        for clients, name in order:
            work, pings = asyncio.run(stage(port, calls[name], clients, args.seconds, args.max_requests))
            rows.append((clients, name, work, pings))
            print(
                f"{clients:>5} {name:<22} {work.count:>6} req {work.throughput():>6.0f}/s "
                f"p95 {work.percentile(0.95):>8.1f} ms errors {work.error_text()}; "
                f"/ping p95 {pings.percentile(0.95):.1f} ms errors {pings.error_text()}",
                flush=True,
            )
    finally:
        stop(process)
    print(f"\ntree {tree}, {os.cpu_count()} cores, stages of {args.seconds:.0f} s, time-out {TIMEOUT:.0f} s")
    report(rows)
    ping_p50 = statistics.fmean(pings.percentile(0.5) for *_, pings in rows) if rows else float("nan")
    print(f"server log: {log}; /ping p50 averaged over the stages: {ping_p50:.1f} ms")


if __name__ == "__main__":
    main()
