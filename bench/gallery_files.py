"""Serving files for bench/gallery.py: thumbnails through the signed route vs nginx, and one 1 GB download."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from PIL import Image
from sqlmodel import Session

from mediaws.config import Settings
from mediaws.db import make_engine
from mediaws.migrations import upgrade
from mediaws.models import Asset, Project, User
from mediaws.security.crypto import KeyringSource
from mediaws.security.master_key import generate_key
from mediaws.services.asset_files import file_url
from mediaws.storage import storage_key
from mediaws.storage.base import variant_key
from mediaws.storage.local import LocalStorage
from tests.support import nginx

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
STATIC_SITE = """
types {{ image/webp webp; video/mp4 mp4; }}
sendfile on;
tcp_nopush on;
server {{
    listen {host}:{port};
    root {root};
    location / {{ etag on; }}
}}
"""
UVICORN_LAUNCHER = """
import os, socket, sys, uvicorn
host, port, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((host, port))
sock.listen(4096)
for _ in range(workers - 1):
    if os.fork() == 0:
        break
config = uvicorn.Config("mediaws.api.app:api", log_level="warning", access_log=False, backlog=4096)
uvicorn.Server(config).run(sockets=[sock])
"""
WRK_SCRIPT = """
paths = {{{paths}}}
counter = 0
request = function()
    counter = counter + 1
    return wrk.format("GET", paths[(counter % #paths) + 1])
end
"""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Site:
    """A data dir with a migrated SQLite database, local storage and the server's master key."""

    data_dir: Path
    settings: Settings
    storage: LocalStorage
    owner: uuid.UUID
    project: uuid.UUID

    @property
    def env(self) -> dict[str, str]:
        """The server's environment: this data dir, database and key, nothing else of ours."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWS_") and k != "DATABASE_URL"}
        env.update(
            MEDIAWS_DATA_DIR=str(self.data_dir),
            DATABASE_URL=self.settings.database_url,
            MEDIAWS_MASTER_KEY=self.settings.master_key.get_secret_value()
            if self.settings.master_key
            else "",
            PYTHONPATH=str(ROOT),
        )
        return env


def make_site(data_dir: Path) -> Site:
    """Migrate a fresh database in ``data_dir`` and add one user with one project."""
    settings = Settings(
        data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'mediaws.db'}", master_key=generate_key()
    )
    upgrade(settings.database_url)
    owner, project = uuid.uuid4(), uuid.uuid4()
    engine = make_engine(settings.database_url, settings)
    with Session(engine) as session:
        session.add(User(id=owner, email="files@example.com", password_hash="x"))
        session.flush()
        session.add(Project(id=project, owner_id=owner, name="Files", name_key="files"))
        session.commit()
    engine.dispose()
    return Site(data_dir, settings, LocalStorage(data_dir / "files"), owner, project)


def webp_samples(count: int = 8) -> list[bytes]:
    """A few noisy 256x256 WebP thumbnails of 8-20 KB each."""
    made = []
    for seed in range(count):
        noise = Image.effect_noise((256, 256), 40 + 6 * seed).convert("RGB")
        gradient = Image.linear_gradient("L").resize((256, 256)).convert("RGB")
        buffer = io.BytesIO()
        Image.blend(noise, gradient, 0.5).save(buffer, "WEBP", quality=70)
        made.append(buffer.getvalue())
    return made


def add_assets(site: Site, count: int, *, big_bytes: int = 0) -> list[Asset]:
    """``count`` image assets with a stored small WebP preview, or one video of ``big_bytes`` when given."""
    samples = webp_samples()
    now = datetime.now(UTC)
    rows = []
    for number in range(count):
        asset_id = uuid.uuid4()
        mime = "video/mp4" if big_bytes else "image/png"
        key = storage_key(site.owner, site.project, asset_id, mime)
        previews = {}
        if big_bytes:
            write_big_file(site.storage.path(key), big_bytes)
        else:
            small = variant_key(key, "small", "image/webp")
            data = samples[number % len(samples)]
            site.storage.put(small, data, "image/webp")
            previews = {
                "small": {"key": small, "mime": "image/webp", "bytes": len(data), "width": 256, "height": 256}
            }
        rows.append(
            Asset(
                id=asset_id,
                owner_id=site.owner,
                project_id=site.project,
                kind=mime.split("/")[0],
                storage_key=key,
                mime_type=mime,
                bytes=big_bytes or 1,
                name=f"Asset {number}",
                name_key=f"asset {number}",
                preview_status="ready",
                previews=previews,
                created_at=now,
                updated_at=now,
            )
        )
    engine = make_engine(site.settings.database_url, site.settings)
    with Session(engine, expire_on_commit=False) as session:
        session.add_all(rows)
        session.commit()
    engine.dispose()
    return rows


def write_big_file(path: Path, size: int) -> None:
    """``size`` bytes of incompressible data (one random 16 MB block repeated)."""
    block = os.urandom(16 * 1024 * 1024)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for offset in range(0, size, len(block)):
            out.write(block[: min(len(block), size - offset)])


def signed_url(site: Site, asset: Asset, variant: str) -> str:
    """The app's own signed link (relative), signed with the key the server will use."""
    keyring = KeyringSource(site.settings).get()
    return file_url(asset=asset, variant=variant, expires_in=6 * 3600, storage=site.storage, keyring=keyring)


def start_uvicorn(site: Site, port: int, workers: int) -> list[subprocess.Popen[bytes]]:
    """uvicorn serving ``mediaws.api.app:api`` in ``workers`` forked processes sharing one TCP socket.

    Not ``uvicorn --workers N``: its supervisor binds the socket with ``proto`` 0, so asyncio never sets
    TCP_NODELAY and every keep-alive request waits ~40 ms for a delayed ACK (Kludex/uvicorn#3149).
    """
    log = (site.data_dir / f"uvicorn-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", UVICORN_LAUNCHER, HOST, str(port), str(workers)],
        cwd=ROOT,
        env=site.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for(process, f"http://{HOST}:{port}/openapi.json")
    return [process]


def start_granian(site: Site, port: int, workers: int) -> list[subprocess.Popen[bytes]]:
    """``granian --interface asgi mediaws.api.app:api``: the HTTP server production runs (via Reflex)."""
    log = (site.data_dir / f"granian-{port}.log").open("wb")
    command = [
        str(Path(sys.executable).parent / "granian"),
        "--interface",
        "asgi",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        "mediaws.api.app:api",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=site.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    wait_for(process, f"http://{HOST}:{port}/openapi.json")
    return [process]


def start_nginx(site: Site, port: int, workers: int) -> list[subprocess.Popen[bytes]]:
    """Debian's nginx serving the storage directory on ``port``, config in a temp dir, no daemon."""
    static = STATIC_SITE.format(host=HOST, port=port, root=site.storage.root)
    process = nginx.start(static, site.data_dir / f"nginx-{port}", workers=workers)
    wait_for(process, f"http://{HOST}:{port}/")
    return [process]


def start_behind_nginx(site: Site, port: int, workers: int) -> list[subprocess.Popen[bytes]]:
    """Granian on a port of its own, behind nginx running deploy/nginx.conf on ``port`` (both ``workers``)."""
    app_port = free_port()
    app = start_granian(site, app_port, workers)[0]
    conf = nginx.deploy_site(f"{HOST}:{app_port}", port, site.data_dir / f"cache-{port}")
    proxy = nginx.start(conf, site.data_dir / f"nginx-{port}", workers=workers)
    wait_for(proxy, f"http://{HOST}:{port}/openapi.json")
    return [proxy, app]


def wait_for(process: subprocess.Popen[bytes], url: str) -> None:
    """Until ``url`` answers anything over HTTP (60 s at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args!r} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310  (loopback)
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within 60 s")


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stop the servers we started, and their children."""
    for process in processes:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass


@dataclass
class WrkRun:
    """What wrk measured."""

    requests_per_second: float
    latency: str
    errors: str


def wrk(
    base: str, paths: list[str], scratch: Path, *, seconds: int, threads: int, connections: int
) -> WrkRun:
    """Drive ``base`` with wrk, rotating over ``paths``."""
    script = scratch / f"rotate-{abs(hash(base))}.lua"
    script.write_text(WRK_SCRIPT.format(paths=", ".join(f'"{p}"' for p in paths)))
    done = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", done.stdout)
    p99 = re.search(r"^\s+99%\s+(\S+)", done.stdout, re.MULTILINE)
    errors = ", ".join(re.findall(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", done.stdout)) or "0"
    return WrkRun(
        float(rate.group(1)) if rate else float("nan"),
        f"avg {latency.group(1)} / p99 {p99.group(1)}" if latency and p99 else "?",
        errors,
    )


def check(url: str) -> str:
    """Status, type, ETag and size of one answer."""
    answer = httpx.get(url, timeout=10)
    return (
        f"{answer.status_code} {answer.headers.get('content-type')} ETag {answer.headers.get('etag')} "
        f"{len(answer.content)} B"
    )


def rss_kb(pid: int) -> int:
    """Resident memory of a process, kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@dataclass
class Download:
    """One big download: bytes, seconds and the server's RSS along the way (MB)."""

    size: int
    seconds: float
    rss_start: float
    rss_peak: float
    rss_end: float
    status: int


def download(url: str, pid: int) -> Download:
    """Stream ``url`` to nowhere while sampling ``pid``'s RSS every 100 ms."""
    samples: list[int] = [rss_kb(pid)]
    finished = threading.Event()

    def sample() -> None:
        while not finished.wait(0.1):
            samples.append(rss_kb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    size, began = 0, time.perf_counter()
    with httpx.stream("GET", url, timeout=120) as answer:
        status = answer.status_code
        for chunk in answer.iter_raw(1024 * 1024):
            size += len(chunk)
    seconds = time.perf_counter() - began
    time.sleep(0.5)
    finished.set()
    sampler.join()
    samples.append(rss_kb(pid))
    return Download(size, seconds, samples[0] / 1024, max(samples) / 1024, samples[-1] / 1024, status)


def cleanup(path: Path) -> None:
    """Remove a scratch directory."""
    shutil.rmtree(path, ignore_errors=True)
