"""The Reflex app: theme, stylesheet and page registration."""

from __future__ import annotations

import reflex as rx

from mediaws import routes, shutdown, wiring
from mediaws.api.app import api
from mediaws.components.feedback import feedback_head, page_toaster
from mediaws.components.pwa import pwa_head
from mediaws.config import get_settings
from mediaws.pages import (
    account,
    analytics,
    api_keys,
    asset_detail,
    auth,
    gallery,
    generate,
    not_found,
    projects,
)
from mediaws.state.analytics import AnalyticsState
from mediaws.state.asset_detail import AssetDetailState
from mediaws.state.auth import AuthState
from mediaws.state.gallery import GalleryState
from mediaws.state.gallery_bulk import GalleryBulkState
from mediaws.state.generate import GenerateState
from mediaws.state.project_analytics import ProjectAnalyticsState
from mediaws.state.projects import ProjectsState, ProjectState
from mediaws.state.settings import AccountState, KeysState
from mediaws.state.storage import private_state_manager

wiring.check_startup()


def stop_deadline() -> None:
    """Make SIGTERM/SIGINT end this server process within the grace period, even if it is stuck."""
    shutdown.exit_within(get_settings().shutdown_grace_seconds)


def index() -> rx.Component:
    """The root URL only forwards to the projects."""
    return rx.center(rx.spinner(), min_height="100vh")


app = rx.App(
    api_transformer=api,
    theme=rx.theme(accent_color="indigo"),
    stylesheets=["/styles.css"],
    toaster=page_toaster(),
    head_components=[
        rx.el.meta(name="theme-color", content="#2563eb"),
        *pwa_head(),
        *feedback_head(),
        rx.el.meta(
            name="description",
            content="mediaws: generate text, images, video and speech with your own keys.",
        ),
    ],
)
app.add_page(index, route="/", title="mediaws", on_load=rx.redirect(routes.PROJECTS))
app.add_page(auth.login, route=routes.LOGIN, title="Log in · mediaws", on_load=AuthState.skip_if_logged_in)
app.add_page(auth.signup, route=routes.SIGNUP, title="Sign up · mediaws", on_load=AuthState.skip_if_logged_in)
app.add_page(
    projects.projects_page,
    route=routes.PROJECTS,
    title="Projects · mediaws",
    on_load=ProjectsState.load,
)
app.add_page(
    projects.project_page,
    route=routes.PROJECT,
    title="Project · mediaws",
    on_load=ProjectState.load,
)
app.add_page(api_keys.keys_page, route=routes.API_KEYS, title="API keys · mediaws", on_load=KeysState.load)
app.add_page(
    account.account_page,
    route=routes.ACCOUNT,
    title="Account · mediaws",
    on_load=AccountState.load,
)
app.add_page(
    generate.generate_page, route=routes.GENERATE, title="Generate · mediaws", on_load=GenerateState.load
)
for gallery_route, gallery_title in ((routes.ASSETS, "Assets"), (routes.PROJECT_ASSETS, "Project assets")):
    app.add_page(
        gallery.gallery_page,
        route=gallery_route,
        title=f"{gallery_title} · mediaws",
        on_load=[GalleryBulkState.reset_selection, GalleryState.load],
    )
app.add_page(
    asset_detail.asset_page, route=routes.ASSET, title="Asset · mediaws", on_load=AssetDetailState.load
)
app.add_page(
    analytics.analytics_page, route=routes.ANALYTICS, title="Analytics · mediaws", on_load=AnalyticsState.load
)
app.add_page(
    analytics.project_analytics_page,
    route=routes.PROJECT_ANALYTICS,
    title="Project analytics · mediaws",
    on_load=ProjectAnalyticsState.load,
)
app.add_page(not_found.not_found_page, route="404", title="Page not found · mediaws")
app.register_lifespan_task(stop_deadline)
app.register_lifespan_task(wiring.embedded_worker)
app._state_manager = private_state_manager(  # no public hook: Reflex builds its manager in App()
    app.state_manager, expiry_seconds=get_settings().state_expiry_minutes * 60
)
