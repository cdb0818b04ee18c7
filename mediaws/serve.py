"""`make run`: `reflex run --env prod` that rebuilds the frontend only when what shapes it changed.

Reflex 0.10.1 compiles the pages and rebuilds `.web/build` on every production start and offers no setting
to skip that, so this wraps its two build steps: a fingerprint of the pages' sources, assets, config,
frontend lock files, Reflex's version and the client's `env.json` (which carries the port) is kept next to
the build, and an unchanged fingerprint serves the existing build. Reflex's hints that are wrong here are
dropped with logging filters, and the URL to open is printed once the app answers.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

STAMP = "build.fingerprint"
SOURCES = (
    ("mediaws", "**/*.py"),
    ("mediaws", "**/*.jsx"),
    ("assets", "**/*"),
    ("reflex.lock", "**/*"),
    ("scripts", "**/*"),  # build_sw.cjs writes sw.js into the build
    (".", "rxconfig.py"),
)
FIRST_STEPS = (
    "Sign up: the account lives in this app's own database.",
    "Make a project on the Projects page.",
    "Try the free Local models on Generate: images, speech and video with no key.",
    "Add a provider key in Settings → API keys when you want OpenAI, Gemini, ElevenLabs…",
)
HIDDEN = (
    "of Node.js is out of date",  # bun runs the build (`--bun`); the README's Node 20 is enough
    "uv run reflex run",  # `make run` is the command here
)


def fingerprint(root: Path, env_json: str, versions: Iterable[str]) -> str:
    """SHA-256 of every file that shapes the frontend, the client's env.json and the Reflex versions."""
    digest = hashlib.sha256()
    for folder, pattern in SOURCES:
        base = root / folder
        for path in sorted(base.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
                digest.update(hashlib.sha256(_content(path)).digest())
    digest.update(env_json.encode())
    for version in sorted(versions):
        digest.update(f"\0{version}".encode())
    return digest.hexdigest()


def _content(path: Path) -> bytes:
    """A file's bytes; JSON as its data: Reflex rewrites `reflex.lock/package.json` in its own layout."""
    data = path.read_bytes()
    if path.suffix == ".json":
        try:
            return json.dumps(json.loads(data), sort_keys=True).encode()
        except ValueError:
            return data
    return data


def reflex_versions() -> list[str]:
    """Name and version of every installed Reflex distribution (core, base and component packages)."""
    found = {
        f"{dist.metadata['Name']}=={dist.version}"
        for dist in importlib.metadata.distributions()
        if (dist.metadata["Name"] or "").lower().replace("_", "-").startswith("reflex")
    }
    return sorted(found)


def _stamp(web: Path, wanted: str) -> str:
    """The fingerprint, tied to this very build: another `reflex run` rebuilding `.web` makes a new folder."""
    client = (web / "build" / "client").stat()
    return f"{wanted} {client.st_ino}:{client.st_mtime_ns}"


def is_current(web: Path, wanted: str) -> bool:
    """Whether `.web` holds the finished build this wrapper made from exactly this fingerprint."""
    stamp = web / STAMP
    if not (web / "build" / "client").is_dir() or not stamp.is_file():
        return False
    return stamp.read_text().strip() == _stamp(web, wanted)


class _Hide(logging.Filter):
    """Drop Reflex log records that send a `make run` user the wrong way."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(hint in message for hint in HIDDEN)


def hides(message: str) -> bool:
    """Whether a Reflex log message is one of the misleading hints."""
    return not _Hide().filter(logging.LogRecord("reflex", logging.INFO, "", 0, message, None, None))


def _say(text: str) -> None:
    print(text, flush=True)


def build_if_changed(root: Path, web: Path, build: Callable[[], None]) -> bool:
    """Run `build` unless `web` holds a finished build of this very fingerprint; return whether it ran."""
    wanted = fingerprint(root, (web / "env.json").read_text(), reflex_versions())
    if is_current(web, wanted):
        return False
    (web / STAMP).unlink(missing_ok=True)
    build()
    (web / STAMP).write_text(_stamp(web, wanted) + "\n")
    return True


def _build_when_changed(tree: Path) -> None:
    """Replace Reflex's compile and build steps (run under its lock on `.web`) with one that skips them."""
    from reflex import reflex as cli
    from reflex.utils import build, prerequisites

    compile_app, setup_frontend_prod = cli._compile_app, build.setup_frontend_prod

    def compile_and_build(root: Path) -> None:
        _say("Building the frontend (about 30 s, 2 min on a first run; skipped while unchanged)…")
        compile_app(avoid_dirty_check=False)
        setup_frontend_prod(root)

    def setup_when_changed(root: Path) -> None:
        build.set_env_json()
        if not build_if_changed(tree, prerequisites.get_web_dir(), lambda: compile_and_build(root)):
            _say("Frontend unchanged since the last build: serving it as it is.")
            build.setup_frontend(root)

    cli._compile_app = lambda **_: None
    build.setup_frontend_prod = setup_when_changed


def _announce_when_up(open_at: str) -> None:
    """Instead of Reflex's `App running at` (its bind address), print the URL to open once `/ping` answers.

    A separate process waits: Granian forks its workers from this one, which must hold no thread by then.
    """
    from reflex.utils import exec as reflex_exec

    def announce(url: str, backend_present: bool) -> None:
        local = url.replace("//0.0.0.0:", "//127.0.0.1:").replace("//:::", "//[::1]:")
        command = [sys.executable, "-m", "mediaws.serve", "--announce", local, open_at, str(os.getpid())]
        subprocess.Popen(command)

    reflex_exec.notify_frontend = announce


def announce(local: str, open_at: str, server_pid: int, limit: float = 600.0) -> int:
    """Wait for `/ping` on `local`, then print `open_at` and the first steps; stop if the server is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server; this ends with it
    began = time.monotonic()
    while time.monotonic() - began < limit:
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            return 1
        try:
            with urllib.request.urlopen(f"{local}/ping", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        return 1
    steps = "\n".join(f"  {number}. {step}" for number, step in enumerate(FIRST_STEPS, start=1))
    _say(f"\nmediaws is ready: open {open_at}\n\nFirst steps:\n{steps}\n\nCtrl-C stops the app.\n")
    return 0


def open_url() -> str:
    """The address a person on this machine opens: the public URL (localhost and the port by default)."""
    from mediaws.config import get_settings

    return get_settings().public_url


def main(argv: list[str] | None = None) -> int:
    """Serve the app like `reflex run --env prod`, or (internally) announce it once it answers."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--announce"]:
        return announce(args[1], args[2], int(args[3]))
    root = Path.cwd()
    for name in ("reflex.reflex", "reflex.utils.js_runtimes"):
        logging.getLogger(name).addFilter(_Hide())
    _build_when_changed(root)
    _announce_when_up(open_url())
    from reflex import reflex as cli

    cli.cli(args=["run", "--env", "prod", *args], prog_name="reflex")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
