"""The projects list and one project's page."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mediaws import routes, wiring
from mediaws.errors import NotFoundError, SessionExpired, ValidationError
from mediaws.models import Asset, Generation, Project
from mediaws.pricing.cost import priced_display
from mediaws.services import generation, projects
from mediaws.state import display
from mediaws.state.auth import AuthState
from mediaws.state.gallery_rows import thumb_urls
from mediaws.state.local_choice import PROJECT_ARCHIVED, PROJECTS_VIEW
from mediaws.state.toasts import next_page_toast


def _row(project: Project) -> dict[str, str]:
    return {
        "id": str(project.id),
        "url": routes.project_url(str(project.id)),
        "name": project.name,
        "description": project.description,
        "budget": projects.format_usd(project.monthly_budget_micros),
        "activity": display.when(project.last_activity_at),
        "created": display.date(project.created_at),
        "archived": "yes" if project.archived_at else "",
    }


class ProjectsState(AuthState):
    """The list of the user's projects and the new-project dialog."""

    rows: list[dict[str, str]] = []
    active_count: int = 0
    archived_count: int = 0
    show_archived: bool = False
    loaded: bool = False
    create_open: bool = False
    create_error: str = ""
    onboarding_hidden: str = rx.LocalStorage("", name="mediaws_onboarding_hidden", sync=True)

    @rx.var
    def show_onboarding(self) -> bool:
        """The first-run guide: for someone with no project at all who has not hidden it in this browser."""
        return self.loaded and self.active_count + self.archived_count == 0 and not self.onboarding_hidden

    @rx.event
    def hide_onboarding(self) -> None:
        """Hide the first-run guide for good in this browser."""
        self.onboarding_hidden = "yes"

    def _reload(self) -> Any:
        try:
            with self._signed_in() as (session, user):
                self.user_email = user.email
                found = projects.list_projects(session=session, owner_id=user.id, archived=self.show_archived)
                counts = projects.count_projects(session=session, owner_id=user.id)
        except SessionExpired:
            return self._login_redirect()
        self.rows = [_row(project) for project in found]
        self.active_count, self.archived_count = counts.active, counts.archived
        self.loaded = True
        return None

    @rx.event
    def load(self) -> Any:
        """Page load: check the session and list projects."""
        self.create_open = False
        return self._reload() or PROJECTS_VIEW.push("")

    @rx.event
    def set_view(self, value: str | list[str]) -> Any:
        """Switch between active and archived projects."""
        self.show_archived = value == "archived"
        return self._reload()

    @rx.event
    def open_create(self, open_: bool = True) -> None:
        """Show or hide the new-project dialog."""
        self.create_open = open_
        self.create_error = ""

    @rx.event
    def create(self, form: dict[str, Any]) -> Any:
        """Create a project from the dialog's form."""
        self.create_error = ""
        try:
            with self._signed_in() as (session, user):
                project = projects.create_project(
                    session=session,
                    owner_id=user.id,
                    name=str(form.get("name", "")),
                    description=str(form.get("description", "")),
                    monthly_budget=str(form.get("budget", "")),
                )
        except SessionExpired:
            return self._login_redirect()
        except ValidationError as exc:
            self.create_error = exc.message
            return None
        self.create_open = False
        self.show_archived = False
        self._reload()
        return rx.toast.success(f"Created project “{project.name}”.")


def _generation_row(row: Generation, first: Asset | None, thumb: str) -> dict[str, str]:
    """A recent generation; with a result, its thumbnail links to the asset's page."""
    if row.cost_micros is not None:
        spent = priced_display(row.provider, row.model, row.cost_micros)
    else:
        spent = "est. " + priced_display(row.provider, row.model, row.estimated_cost_micros)
    return {
        "id": str(row.id),
        "when": display.when(row.created_at),
        "kind": row.capability,
        "model": f"{row.provider} · {row.model}",
        "status": row.status,
        "cost": spent,
        "prompt": row.prompt[:140],
        "asset_url": routes.asset_url(str(first.id)) if first is not None else "",
        "thumb": thumb,
        "asset_kind": first.kind if first is not None else "",
    }


class ProjectState(AuthState):
    """One project: details, edits, archive and delete."""

    project: dict[str, str] = {}
    recent: list[dict[str, str]] = []
    budget_input: str = ""
    not_found: bool = False
    loaded: bool = False
    edit_error: str = ""
    delete_open: bool = False
    delete_error: str = ""

    @rx.var
    def name(self) -> str:
        """The project's name ("" until it is loaded)."""
        return self.project.get("name", "")

    def _project_id(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]

    def _show(self, project: Project) -> None:
        self.project = _row(project)
        self.budget_input = (
            projects.format_usd(project.monthly_budget_micros).lstrip("$").replace(",", "")
            if project.monthly_budget_micros is not None
            else ""
        )
        self.not_found = False
        self.loaded = True

    @rx.event
    def load(self) -> Any:
        """Page load: check the session and fetch the project if it is the user's."""
        self.edit_error = self.delete_error = ""
        self.delete_open = False
        self.loaded = False
        try:
            with self._signed_in() as (session, user):
                self.user_email = user.email
                project = projects.get_project(
                    session=session, owner_id=user.id, project_id=self._project_id()
                )
                recent = generation.list_generations(
                    session=session, user_id=user.id, project_id=project.id, limit=10
                )
                firsts = [next(iter(generation.assets_of(session, row)), None) for row in recent]
                shown = [asset for asset in firsts if asset is not None]
                links = thumb_urls(shown, wiring.app_deps())
                thumbs = {asset.id: link for asset, link in zip(shown, links, strict=True)}
                rows = [
                    _generation_row(row, first, thumbs[first.id] if first is not None else "")
                    for row, first in zip(recent, firsts, strict=True)
                ]
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError:
            self.project, self.not_found, self.loaded = {}, True, True
            self.recent = []
            return None
        self.recent = rows
        self._show(project)
        return PROJECT_ARCHIVED.push("")

    @rx.event
    def save(self, form: dict[str, Any]) -> Any:
        """Save name, description and budget."""
        self.edit_error = ""
        try:
            with self._signed_in() as (session, user):
                project = projects.update_project(
                    session=session,
                    owner_id=user.id,
                    project_id=self._project_id(),
                    name=str(form.get("name", "")),
                    description=str(form.get("description", "")),
                    monthly_budget=str(form.get("budget", "")),
                )
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError:
            self.not_found = True
            return None
        except ValidationError as exc:
            self.edit_error = exc.message
            return rx.toast.error(exc.message)
        self._show(project)
        return rx.toast.success("Project saved.")

    @rx.event
    def toggle_archived(self) -> Any:
        """Archive the project, or bring it back."""
        archive = not self.project.get("archived")
        try:
            with self._signed_in() as (session, user):
                project = projects.set_archived(
                    session=session,
                    owner_id=user.id,
                    project_id=self._project_id(),
                    archived=archive,
                )
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError:
            self.not_found = True
            return PROJECT_ARCHIVED.push("")
        self._show(project)
        return rx.toast.success("Project archived." if archive else "Project restored.")

    @rx.event
    def open_delete(self, open_: bool = True) -> None:
        """Show or hide the delete confirmation."""
        self.delete_open = open_
        self.delete_error = ""

    @rx.event
    def delete(self, form: dict[str, Any]) -> Any:
        """Delete the project once its name was typed."""
        self.delete_error = ""
        name = self.project.get("name", "")
        try:
            with self._signed_in() as (session, user):
                projects.delete_project(
                    session=session,
                    owner_id=user.id,
                    project_id=self._project_id(),
                    confirm_name=str(form.get("confirm", "")),
                )
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError:
            self.not_found = True
            return None
        except ValidationError as exc:
            self.delete_error = exc.message
            return None
        self.delete_open = False
        return [rx.redirect(routes.PROJECTS), next_page_toast(f"Deleted project “{name}”.")]
