"""Choices shown in the browser the moment they are made, before the server has answered."""

from __future__ import annotations

from reflex.experimental.client_state import ClientStateVar

PICKED_KIND = ClientStateVar.create("picked_kind", default="")
"""The type just picked on Generate ("" once the page follows the server's ``GenerateState.kind`` again)."""

PROJECTS_VIEW = ClientStateVar.create("projects_view", default="")
"""Active or archived, as just picked on Projects ("" once the page follows ``ProjectsState`` again)."""

PROJECT_ARCHIVED = ClientStateVar.create("project_archived", default="")
"""A project just archived ("archived") or restored ("active") on its page, before the server says so."""
