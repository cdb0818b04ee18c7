"""Choices shown in the browser the moment they are made, before the server has answered."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventChain
from reflex.experimental.client_state import ClientStateVar
from reflex.utils.imports import ImportVar
from reflex.vars import Var, VarData
from reflex.vars.function import ArgsFunctionOperationBuilder, FunctionVar

PICKED_KIND = ClientStateVar.create("picked_kind", default="")
"""The type just picked on Generate ("" once the page follows the server's ``GenerateState.kind`` again)."""

FORM_KIND = ClientStateVar.create("form_kind", default="")
"""The type whose form Generate shows before the server has switched: ``PICKED_KIND`` set in a transition."""

PROJECTS_VIEW = ClientStateVar.create("projects_view", default="")
"""Active or archived, as just picked on Projects ("" once the page follows ``ProjectsState`` again)."""

PROJECT_ARCHIVED = ClientStateVar.create("project_archived", default="")
"""A project just archived ("archived") or restored ("active") on its page, before the server says so."""

GALLERY_FILTERS = {
    name: ClientStateVar.create(f"gallery_{name}", default="") for name in ("kind", "tag", "sort", "archived")
}
"""The gallery's filters as just picked."""

ANALYTICS_FILTERS = {
    name: ClientStateVar.create(f"analytics_{name}", default="")
    for name in ("preset", "provider", "model", "project", "period")
}
"""The analytics filters as just picked."""


def shown(choice: ClientStateVar, server: rx.Var) -> rx.Var:
    """What a control shows: the choice just made, else the server's value."""
    return rx.cond(choice.value != "", choice.value, server)


def follow_server(choices: dict[str, ClientStateVar]) -> list[Any]:
    """Events that make each control show the server's value again (sent once the server has answered)."""
    return [choice.push("") for choice in choices.values()]


def set_in_transition(choice: ClientStateVar) -> Var:
    """Set a choice in a React transition: the pressed control shows first, what follows renders after."""
    start = Var(
        "startTransition", _var_data=VarData(imports={"react": [ImportVar(tag="startTransition")]})
    ).to(FunctionVar)
    later = ArgsFunctionOperationBuilder.create(args_names=(), return_expr=choice.set.call(Var("value")))
    return ArgsFunctionOperationBuilder.create(args_names=("value",), return_expr=start.call(later)).to(
        FunctionVar, EventChain
    )
