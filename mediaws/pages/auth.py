"""Log-in and sign-up pages: plain forms posted to the server, which sets the HttpOnly session cookie."""

from __future__ import annotations

import reflex as rx

from mediaws import routes
from mediaws.components.forms import error_message, field, submit
from mediaws.components.native_form import native_form
from mediaws.layout import public_page
from mediaws.state.auth import AuthState


def login() -> rx.Component:
    """The log-in form."""
    return public_page(
        rx.heading("Log in", size="5", as_="h1"),
        native_form(
            rx.vstack(
                field("Email", "email", form="login", type="email", auto_complete="email"),
                field(
                    "Password",
                    "password",
                    form="login",
                    type="password",
                    auto_complete="current-password",
                ),
                rx.el.input(type="hidden", name="next", value=AuthState.next_path),
                error_message(AuthState.auth_error),
                submit("Log in", width="100%"),
                spacing="3",
                width="100%",
            ),
            action="/_session/login",
            method="post",
            no_validate=True,
            width="100%",
        ),
        rx.text("New to mediaws? ", rx.link("Create an account", href=routes.SIGNUP), size="2"),
    )


def signup() -> rx.Component:
    """The sign-up form."""
    return public_page(
        rx.heading("Create your account", size="5", as_="h1"),
        native_form(
            rx.vstack(
                field("Email", "email", form="signup", type="email", auto_complete="email"),
                field(
                    "Password",
                    "password",
                    form="signup",
                    type="password",
                    auto_complete="new-password",
                    hint="At least 10 characters; a short phrase works well.",
                ),
                field(
                    "Repeat password",
                    "password_confirm",
                    form="signup",
                    type="password",
                    auto_complete="new-password",
                ),
                error_message(AuthState.auth_error),
                submit("Create account", width="100%"),
                spacing="3",
                width="100%",
            ),
            action="/_session/signup",
            method="post",
            no_validate=True,
            width="100%",
        ),
        rx.text("Already have an account? ", rx.link("Log in", href=routes.LOGIN), size="2"),
    )
