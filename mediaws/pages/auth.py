"""Log-in and sign-up pages."""

from __future__ import annotations

import reflex as rx

from mediaws import routes
from mediaws.components.forms import error_message, field, submit
from mediaws.layout import public_page
from mediaws.state.auth import AuthState


def login() -> rx.Component:
    """The log-in form."""
    return public_page(
        rx.heading("Log in", size="5", as_="h1"),
        rx.form(
            rx.vstack(
                field("Email", "email", form="login", type="email", auto_complete="email"),
                field(
                    "Password",
                    "password",
                    form="login",
                    type="password",
                    auto_complete="current-password",
                ),
                error_message(AuthState.auth_error),
                submit("Log in", width="100%"),
                spacing="3",
                width="100%",
            ),
            no_validate=True,
            on_submit=AuthState.log_in,
            width="100%",
        ),
        rx.text("New to mediaws? ", rx.link("Create an account", href=routes.SIGNUP), size="2"),
    )


def signup() -> rx.Component:
    """The sign-up form."""
    return public_page(
        rx.heading("Create your account", size="5", as_="h1"),
        rx.form(
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
            no_validate=True,
            on_submit=AuthState.sign_up,
            width="100%",
        ),
        rx.text("Already have an account? ", rx.link("Log in", href=routes.LOGIN), size="2"),
    )
