"""Choices shown in the browser the moment they are made, before the server has answered."""

from __future__ import annotations

import functools
from typing import Any

import reflex as rx
from reflex.event import EventChain
from reflex.experimental.client_state import ClientStateVar
from reflex.vars import Var
from reflex.vars.function import ArgsFunctionOperationBuilder, FunctionVar

PICKED_KIND = ClientStateVar.create("picked_kind", default="")
"""The type just picked on Generate ("" once the page follows the server's ``GenerateState.kind`` again)."""

PROJECTS_VIEW = ClientStateVar.create("projects_view", default="")
"""Active or archived, as just picked on Projects ("" once the page follows ``ProjectsState`` again)."""

PROJECT_ARCHIVED = ClientStateVar.create("project_archived", default="")
"""A project just archived ("archived") or restored ("active") on its page, before the server says so."""

GALLERY_FILTERS = {
    name: ClientStateVar.create(f"gallery_{name}", default="")
    for name in ("kind", "tag", "sort", "archived", "favourites")
}
"""The gallery's filters as just picked."""

GALLERY_NARROWED = ClientStateVar.create("gallery_narrowed", default="")
"""The type just picked in the gallery and the list of cards it was picked on, as "video@3"."""

GALLERY_TAGGED = ClientStateVar.create("gallery_tagged", default="")
"""The tag just picked in the gallery and the list of cards it was picked on, as "<tag id>@3"."""

GALLERY_FAVOURED = ClientStateVar.create("gallery_favoured", default="")
""""Favourites only" just ticked ("true") or cleared ("false") and the list it was on, as "true@3"."""

GALLERY_SHOWING = ClientStateVar.create("gallery_showing", default="")
"""Active, archived or all just picked in the gallery and the list it was picked on, as "archived@3"."""

GALLERY_SORTED = ClientStateVar.create("gallery_sorted", default="")
"""The gallery's sort just picked and the list it was picked on, as "cost@3"."""

ANALYTICS_PICKED = {
    name: ClientStateVar.create(f"analytics_picked_{name}", default="")
    for name in ("provider", "model", "project")
}
"""A provider, model or project just picked on analytics and the dashboard it was picked on: "openai@7"."""

ANALYTICS_FILTERS = {
    name: ClientStateVar.create(f"analytics_{name}", default="")
    for name in ("preset", "provider", "model", "project", "period")
}
"""The analytics filters as just picked."""


def shown(choice: ClientStateVar, server: rx.Var) -> rx.Var:
    """What a control shows: the choice just made, else the server's value."""
    return rx.cond(choice.value != "", choice.value, server)


@functools.cache
def _follow_code(choices: tuple[ClientStateVar, ...]) -> str:
    """Each choice's ``push("")`` as one script: five events were a quarter of a filter's server time."""
    calls = []
    for choice in choices:
        found = [str(value) for name, value in choice.push("").args if str(name) == "function"]
        if len(found) != 1:
            raise RuntimeError(f"Reflex's push event for {choice} no longer carries one script")
        calls.append(f"({found[0]})();")
    return "".join(calls)


def follow_server(choices: dict[str, ClientStateVar], *, then: str = "") -> list[Any]:
    """One event that makes each control show the server's value again, then runs the script ``then``."""
    return [rx.call_script(_follow_code(tuple(choices.values())) + then)]


def set_tagged(choice: ClientStateVar, tag: Var) -> Var:
    """Set a choice to the value picked, "@" and ``tag`` (what the pick was made on)."""
    value = Var("value").to(str)
    later = choice.set.call(value + "@" + tag.to_string())
    return ArgsFunctionOperationBuilder.create(args_names=("value",), return_expr=later).to(
        FunctionVar, EventChain
    )
