"""Imports go one way (ARCHITECTURE.md): UI → services → providers, storage, jobs, pricing → config."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "mediaws"
UI = ("mediaws.state", "mediaws.pages", "mediaws.components", "mediaws.layout", "mediaws.mediaws")
TOP = ("mediaws.wiring", "mediaws.cli", "mediaws.cli_assets", "mediaws.api", "mediaws.web", *UI)
BELOW_SERVICES = (
    "mediaws.providers",
    "mediaws.catalogue",
    "mediaws.pricing",
    "mediaws.storage",
    "mediaws.mail",
    "mediaws.media",
    "mediaws.jobs",
    "mediaws.security",
    "mediaws.models",
    "mediaws.work",
    "mediaws.config",
    "mediaws.errors",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(tree: ast.Module, *, top_level_only: bool) -> Iterator[str]:
    """Names of mediaws modules imported at run time (not under TYPE_CHECKING)."""
    body: list[ast.stmt] = list(tree.body)
    while body:
        node = body.pop(0)
        if isinstance(node, ast.If) and _is_type_checking(node):
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("mediaws"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mediaws"):
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and top_level_only:
            continue
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                body.append(child)


def _graph(*, top_level_only: bool) -> dict[str, set[str]]:
    """Each mediaws module and the mediaws modules it imports."""
    modules = {_module_name(path): path for path in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        graph[name] = {
            target
            for target in _imports(tree, top_level_only=top_level_only)
            if target in modules and target != name and not name.startswith(target + ".")
        }
    return graph


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _offending(
    source: tuple[str, ...], forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()
) -> list[str]:
    return sorted(
        f"{a} → {b}"
        for a, used in _graph(top_level_only=False).items()
        for b in used
        if _under(a, source) and _under(b, forbidden) and not _under(b, allowed)
    )


def test_no_import_loops() -> None:
    """No two modules import each other, directly or around a circle, when loaded."""
    try:
        TopologicalSorter(_graph(top_level_only=True)).prepare()
    except CycleError as exc:
        pytest.fail(f"import loop: {' → '.join(exc.args[1])}")


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        (BELOW_SERVICES, ("mediaws.services", "mediaws.deps", *TOP)),
        (("mediaws.services", "mediaws.deps"), TOP),
        (("mediaws.providers", "mediaws.pricing", "mediaws.catalogue"), ("mediaws.db", "mediaws.models")),
    ],
)
def test_lower_layers_never_reach_up(source: tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    """Providers, storage, jobs and pricing know nothing of services or the UI; services nothing of the UI."""
    assert _offending(source, forbidden) == []


def test_the_ui_calls_services_for_anything_with_state_of_its_own() -> None:
    """Pages and state reach the database, keys, files, jobs and providers only through services.

    Types and pure helpers from below (a Capability, a StorageError, money and size formatting) are fine.
    """
    reaches = (
        "mediaws.db",
        "mediaws.security",
        "mediaws.jobs",
        "mediaws.providers",
        "mediaws.storage",
        "mediaws.mail",
    )
    assert _offending(UI, reaches, allowed=("mediaws.storage.base",)) == []


def test_config_stands_on_leaf_modules_only() -> None:
    """Settings load before anything else, so what they import imports nothing of mediaws but its errors."""
    graph = _graph(top_level_only=False)
    for used in graph["mediaws.config"]:
        assert graph[used] <= {"mediaws.errors"}, used
