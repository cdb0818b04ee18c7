"""The projects list and one project's page."""

from __future__ import annotations

import reflex as rx

from mediaws import routes
from mediaws.components import pwa
from mediaws.components.asset_card import kind_icon
from mediaws.components.dialogs import form_dialog
from mediaws.components.feedback import pull_to_refresh
from mediaws.components.forms import error_message, field, submit
from mediaws.components.skeletons import projects_skeleton
from mediaws.layout import app_page, loading, project_heading
from mediaws.state.local_choice import PROJECT_ARCHIVED, PROJECTS_VIEW
from mediaws.state.projects import ProjectsState, ProjectState


def _create_dialog() -> rx.Component:
    return form_dialog(
        field("Name", "name", form="create"),
        field("Description", "description", form="create", multiline=True),
        field(
            "Monthly budget (USD, optional)",
            "budget",
            form="create",
            placeholder="e.g. 25.00",
            hint="Generation stops before a job would pass it.",
        ),
        title="New project",
        description="Group generations and assets that belong together.",
        error=ProjectsState.create_error,
        submit_label="Create project",
        on_submit=ProjectsState.create,
        open=ProjectsState.create_open,
        on_open_change=ProjectsState.open_create,
        trigger=rx.button(rx.icon("plus", size=16), "New project", size="3"),
    )


def _card(row: rx.Var) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("folder", size=18, aria_hidden="true"),
                    rx.heading(row["name"], size="4", as_="h2", class_name="clamp-1"),
                    align="center",
                    spacing="2",
                ),
                rx.cond(
                    row["description"] != "",
                    rx.text(row["description"], size="2", color_scheme="gray", class_name="clamp-2"),
                ),
                rx.hstack(
                    rx.cond(
                        row["budget"] != "",
                        rx.badge("Budget " + row["budget"] + "/mo", variant="soft"),
                    ),
                    rx.cond(row["archived"] != "", rx.badge("Archived", color_scheme="gray")),
                    rx.text("Active " + row["activity"], size="1", color_scheme="gray"),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                spacing="2",
                align="start",
            ),
            size="2",
            width="100%",
            class_name="project-card",
        ),
        href=row["url"],
        underline="none",
        color_scheme="gray",
        high_contrast=True,
    )


def _step(number: str, title: str, text: str, action: rx.Component) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.badge(number, size="2", radius="full", variant="solid", aria_hidden="true"),
            rx.vstack(
                rx.heading(title, size="3", as_="h3"),
                rx.text(text, size="2", color_scheme="gray"),
                action,
                spacing="2",
                align="start",
                min_width="0",
            ),
            spacing="3",
            align="start",
        ),
        class_name="onboarding-step",
    )


def _onboarding() -> rx.Component:
    """Three steps for someone who has no project yet."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Get started", size="5", as_="h2"),
                rx.spacer(),
                rx.button(
                    "Hide this guide",
                    variant="ghost",
                    color_scheme="gray",
                    on_click=ProjectsState.hide_onboarding,
                ),
                align="center",
                width="100%",
            ),
            rx.text("No projects yet. Three steps to your first result:", color_scheme="gray"),
            rx.el.ol(
                _step(
                    "1",
                    "Make a project",
                    "A project keeps generations, assets and costs together, with an optional budget.",
                    rx.button(
                        rx.icon("folder-plus", size=16),
                        "Make a project",
                        on_click=ProjectsState.open_create(True),
                    ),
                ),
                _step(
                    "2",
                    "Try the free local provider",
                    "On Generate, pick a Local model: images, speech and video made on this machine, "
                    "no key and no cost.",
                    rx.link(
                        rx.button(rx.icon("sparkles", size=16), "Open Generate", variant="soft"),
                        href=routes.GENERATE,
                    ),
                ),
                _step(
                    "3",
                    "Add a provider key",
                    "For OpenAI, Anthropic, Gemini, ElevenLabs or Replicate, add your own key in "
                    "Settings → API keys. It is stored encrypted and never shown again.",
                    rx.link(
                        rx.button(rx.icon("key-round", size=16), "Add a key", variant="soft"),
                        href=routes.API_KEYS,
                    ),
                ),
                class_name="onboarding-steps",
            ),
            pwa.install_hint(),
            spacing="3",
            width="100%",
        ),
        width="100%",
        aria_label="Get started",
    )


_SHOWN_VIEW = rx.cond(ProjectsState.show_archived, "archived", "active")
_SWITCHING = (PROJECTS_VIEW.value != "") & (PROJECTS_VIEW.value != _SHOWN_VIEW)


def projects_page() -> rx.Component:
    """Every project of the user, active or archived."""
    return app_page(
        rx.hstack(
            rx.text(
                ProjectsState.active_count.to_string()
                + " active · "
                + ProjectsState.archived_count.to_string()
                + " archived",
                color_scheme="gray",
                size="2",
            ),
            rx.spacer(),
            _create_dialog(),
            align="center",
            width="100%",
        ),
        rx.segmented_control.root(
            rx.segmented_control.item("Active", value="active"),
            rx.segmented_control.item("Archived", value="archived"),
            value=rx.cond(PROJECTS_VIEW.value != "", PROJECTS_VIEW.value, _SHOWN_VIEW),
            on_change=[PROJECTS_VIEW.set, ProjectsState.set_view],
            aria_label="Show active or archived projects",
        ),
        rx.cond(
            ProjectsState.loaded,
            rx.cond(
                ProjectsState.show_onboarding,
                _onboarding(),
                rx.box(
                    _list(), class_name=rx.cond(_SWITCHING, "pending", ""), aria_busy=_SWITCHING, width="100%"
                ),
            ),
            projects_skeleton(),
        ),
        pull_to_refresh(ProjectsState.load),
        title="Projects",
    )


def _list() -> rx.Component:
    return rx.cond(
        ProjectsState.rows.length() > 0,
        rx.grid(
            rx.foreach(ProjectsState.rows, _card),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="3",
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.icon("folder-plus", size=32, aria_hidden="true"),
                rx.text(
                    rx.cond(
                        ProjectsState.show_archived,
                        "No archived projects.",
                        "No projects yet. Create one to start generating.",
                    ),
                    color_scheme="gray",
                ),
                align="center",
                padding_y="6",
            ),
            width="100%",
        ),
    )


def _not_found() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon("search-x", size=32, aria_hidden="true"),
            rx.heading("Project not found", size="5", as_="h1"),
            rx.text("It does not exist, was deleted, or belongs to someone else.", color_scheme="gray"),
            rx.link("Back to your projects", href=routes.PROJECTS),
            align="center",
            padding_y="6",
            spacing="3",
        ),
        width="100%",
    )


def _stat(label: str, value: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.text(value, size="3", weight="medium"),
        spacing="0",
    )


def _details_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Details", size="4", as_="h2"),
                field("Name", "name", form="edit", default_value=ProjectState.project["name"]),
                field(
                    "Description",
                    "description",
                    form="edit",
                    multiline=True,
                    default_value=ProjectState.project["description"],
                ),
                field(
                    "Monthly budget (USD, optional)",
                    "budget",
                    form="edit",
                    default_value=ProjectState.budget_input,
                    placeholder="No budget",
                    hint="Leave empty for no budget.",
                ),
                error_message(ProjectState.edit_error),
                rx.hstack(submit("Save changes"), justify="end", width="100%"),
                spacing="3",
            ),
            no_validate=True,
            on_submit=ProjectState.save,
            reset_on_submit=False,
            key=ProjectState.project["id"],
        ),
        width="100%",
    )


def _delete_dialog() -> rx.Component:
    return form_dialog(
        rx.text(ProjectState.project["name"], weight="bold", class_name="break-all"),
        field("Project name", "confirm", form="delete"),
        title="Delete this project?",
        description="This deletes the project and everything it owns. It cannot be undone. "
        "Type the project name to confirm.",
        error=ProjectState.delete_error,
        submit_label="Delete forever",
        on_submit=ProjectState.delete,
        open=ProjectState.delete_open,
        on_open_change=ProjectState.open_delete,
        trigger=rx.button("Delete project…", color_scheme="red", variant="soft", size="3"),
        danger=True,
    )


def _result_thumb(row: rx.Var) -> rx.Component:
    return rx.cond(
        row["asset_url"] != "",
        rx.link(
            rx.cond(
                row["thumb"] != "",
                rx.el.img(src=row["thumb"], alt="", loading="lazy", class_name="asset-thumb"),
                rx.center(kind_icon(row["asset_kind"]), width="100%", height="100%"),
            ),
            href=row["asset_url"],
            aria_label="Open the result of: " + row["prompt"],
            class_name="recent-thumb",
        ),
        rx.center(rx.badge(row["kind"], variant="soft"), class_name="recent-thumb empty"),
    )


def _generation_item(row: rx.Var) -> rx.Component:
    return rx.hstack(
        _result_thumb(row),
        rx.vstack(
            rx.text(row["prompt"], size="2", class_name="clamp-1"),
            rx.text(row["model"] + " · " + row["when"], size="1", color_scheme="gray"),
            spacing="0",
            min_width="0",
            flex="1",
        ),
        rx.vstack(
            rx.badge(
                row["status"],
                color_scheme=rx.match(
                    row["status"], ("succeeded", "green"), ("failed", "red"), ("cancelled", "gray"), "blue"
                ),
            ),
            rx.text(row["cost"], size="1"),
            align="end",
            spacing="1",
        ),
        width="100%",
        align="center",
        spacing="3",
        padding_y="2",
        border_bottom="1px solid var(--gray-a4)",
    )


def _recent() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Recent generations", size="4", as_="h2"),
                rx.spacer(),
                rx.link(
                    rx.button(rx.icon("images", size=16), "Assets", size="2", variant="soft"),
                    href=routes.PROJECTS + "/" + ProjectState.project["id"] + "/assets",
                ),
                rx.link(
                    rx.button(rx.icon("chart-column", size=16), "Analytics", size="2", variant="soft"),
                    href=routes.PROJECTS + "/" + ProjectState.project["id"] + "/analytics",
                ),
                rx.link(
                    rx.button(rx.icon("sparkles", size=16), "Generate here", size="2"),
                    href=routes.GENERATE + "?project=" + ProjectState.project["id"],
                ),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                ProjectState.recent.length() > 0,
                rx.vstack(rx.foreach(ProjectState.recent, _generation_item), spacing="0", width="100%"),
                rx.text("Nothing generated here yet.", size="2", color_scheme="gray"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


_ARCHIVED = rx.cond(
    PROJECT_ARCHIVED.value != "", PROJECT_ARCHIVED.value == "archived", ProjectState.project["archived"] != ""
)


def _heading() -> rx.Component:
    """The way back and the project's name: in the first paint (the server fills the name in)."""
    return rx.cond(
        ProjectState.not_found,
        rx.fragment(),
        rx.vstack(
            rx.link(
                rx.hstack(rx.icon("arrow-left", size=16), "Projects", align="center", spacing="1"),
                href=routes.PROJECTS,
                size="2",
            ),
            rx.hstack(
                project_heading(ProjectState.name),
                rx.cond(_ARCHIVED, rx.badge("Archived", color_scheme="gray", size="2")),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            spacing="4",
            width="100%",
        ),
    )


def _detail() -> rx.Component:
    project = ProjectState.project
    return rx.vstack(
        rx.cond(
            project["description"] != "",
            rx.text(project["description"], color_scheme="gray", class_name="pre-wrap"),
        ),
        rx.hstack(
            _stat("Monthly budget", rx.cond(project["budget"] != "", project["budget"], "None")),
            _stat("Created", project["created"]),
            _stat("Last activity", project["activity"]),
            spacing="6",
            wrap="wrap",
        ),
        _recent(),
        _details_form(),
        rx.card(
            rx.vstack(
                rx.heading("Archive", size="4", as_="h2"),
                rx.text(
                    rx.cond(
                        project["archived"] != "",
                        "This project is archived. Restore it to work in it again.",
                        "Archived projects leave the main list but keep everything.",
                    ),
                    size="2",
                    color_scheme="gray",
                ),
                rx.button(
                    rx.cond(_ARCHIVED, "Restore project", "Archive project"),
                    variant="soft",
                    size="3",
                    on_click=[
                        PROJECT_ARCHIVED.set_value(rx.cond(_ARCHIVED, "active", "archived")),
                        ProjectState.toggle_archived,
                    ],
                ),
                spacing="3",
                align="start",
            ),
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.heading("Danger zone", size="4", as_="h2", color_scheme="red"),
                _delete_dialog(),
                spacing="3",
                align="start",
            ),
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def project_page() -> rx.Component:
    """One project, or a plain 'not found' for anything that is not the user's."""
    return app_page(
        rx.cond(
            ProjectState.loaded,
            rx.cond(ProjectState.not_found, _not_found(), _detail()),
            loading(heading=False),
        ),
        header=_heading(),
    )
