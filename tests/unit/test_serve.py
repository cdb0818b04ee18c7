"""`make run` rebuilds the frontend exactly when something that shapes it changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mediaws import serve

ENV_JSON = '{"PING": "http://localhost:3000/ping"}'


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A checkout in miniature: a page, an asset, the config, the lock files and a `.web` with env.json."""
    for name, text in {
        "mediaws/pages/projects.py": "TITLE = 'Projects'\n",
        "assets/logo.svg": "<svg/>",
        "rxconfig.py": "config = None\n",
        "reflex.lock/bun.lock": "{}",
        ".web/env.json": ENV_JSON,
    }.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


class Builds:
    """A stand-in for Reflex's compile and build: counts runs and leaves a build behind."""

    def __init__(self, web: Path) -> None:
        self.web = web
        self.count = 0

    def __call__(self) -> None:
        self.count += 1
        (self.web / "build" / "client").mkdir(parents=True, exist_ok=True)


def test_an_unchanged_tree_is_built_once(tree: Path) -> None:
    """The second start serves the build the first one made."""
    builds = Builds(tree / ".web")
    assert serve.build_if_changed(tree, tree / ".web", builds)
    assert not serve.build_if_changed(tree, tree / ".web", builds)
    assert builds.count == 1


@pytest.mark.parametrize(
    ("changed", "text"),
    [
        ("mediaws/pages/projects.py", "TITLE = 'My projects'\n"),
        ("mediaws/state/new_page.py", "X = 1\n"),
        ("assets/logo.svg", "<svg><g/></svg>"),
        ("assets/icons/new.png", "png"),
        ("rxconfig.py", "config = 1\n"),
        ("reflex.lock/bun.lock", '{"a": 1}'),
        ("scripts/build_sw.cjs", "// another caching rule"),
        (".web/env.json", '{"PING": "http://localhost:3001/ping"}'),
    ],
)
def test_a_change_that_shapes_the_frontend_rebuilds_it(tree: Path, changed: str, text: str) -> None:
    """A changed or new page, asset, config, lock file, sw.js script, or another port: build again."""
    builds = Builds(tree / ".web")
    serve.build_if_changed(tree, tree / ".web", builds)
    path = tree / changed
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    assert serve.build_if_changed(tree, tree / ".web", builds)
    assert builds.count == 2


def test_other_files_do_not_rebuild(tree: Path) -> None:
    """Bytecode, the database and data files do not shape the frontend."""
    builds = Builds(tree / ".web")
    serve.build_if_changed(tree, tree / ".web", builds)
    (tree / "mediaws/pages/__pycache__").mkdir()
    (tree / "mediaws/pages/__pycache__/projects.cpython-311.pyc").write_bytes(b"\0")
    (tree / "data").mkdir()
    (tree / "data/mediaws.db").write_bytes(b"\0")
    assert not serve.build_if_changed(tree, tree / ".web", builds)


def test_another_reflex_version_rebuilds(tree: Path) -> None:
    """Upgrading Reflex or one of its component packages changes the fingerprint."""
    before = serve.fingerprint(tree, ENV_JSON, ["reflex==0.10.1"])
    assert serve.fingerprint(tree, ENV_JSON, ["reflex==0.10.2"]) != before
    assert serve.fingerprint(tree, ENV_JSON, ["reflex==0.10.1", "reflex-components-radix==0.10.1"]) != before
    assert any(version.startswith("reflex==") for version in serve.reflex_versions())


def test_a_failed_or_missing_build_is_built_again(tree: Path) -> None:
    """A build that failed half-way leaves no fingerprint; a deleted build is not trusted."""
    builds = Builds(tree / ".web")

    def failing() -> None:
        raise SystemExit(1)

    with pytest.raises(SystemExit):
        serve.build_if_changed(tree, tree / ".web", failing)
    assert serve.build_if_changed(tree, tree / ".web", builds)
    (tree / ".web/build/client").rmdir()
    assert serve.build_if_changed(tree, tree / ".web", builds)
    assert builds.count == 2


@pytest.mark.parametrize(
    ("message", "hidden"),
    [
        ("Your version (20.20.2) of Node.js is out of date. Upgrade to 22.22.0 or higher.", True),
        ("Initialized mediaws. Run `uv run reflex run` to start the app.", True),
        ("Failed to build the frontend. Please run with --loglevel debug for more information.", False),
    ],
)
def test_only_the_misleading_hints_are_hidden(message: str, hidden: bool) -> None:
    """Reflex's advice that does not apply to `make run` goes; its errors stay."""
    assert serve.hides(message) is hidden


def test_json_layout_alone_does_not_rebuild(tree: Path) -> None:
    """Reflex rewrites `reflex.lock/package.json` compactly on each build: the same data is the same input."""
    (tree / "reflex.lock/package.json").write_text('{\n  "name": "reflex",\n  "dependencies": {"a": "1"}\n}')
    builds = Builds(tree / ".web")
    serve.build_if_changed(tree, tree / ".web", builds)
    (tree / "reflex.lock/package.json").write_text('{"dependencies":{"a":"1"},"name":"reflex"}')
    assert not serve.build_if_changed(tree, tree / ".web", builds)
    (tree / "reflex.lock/package.json").write_text('{"dependencies":{"a":"2"},"name":"reflex"}')
    assert serve.build_if_changed(tree, tree / ".web", builds)


def test_a_build_made_by_plain_reflex_is_not_trusted(tree: Path) -> None:
    """Plain `reflex run` (an e2e server on another port) rebuilding `.web` voids the stamp."""
    builds = Builds(tree / ".web")
    serve.build_if_changed(tree, tree / ".web", builds)
    shutil.rmtree(tree / ".web/build")
    (tree / ".web/build/client").mkdir(parents=True)
    (tree / ".web/build/client/index.html").write_text("another port")
    assert serve.build_if_changed(tree, tree / ".web", builds)
    assert builds.count == 2
