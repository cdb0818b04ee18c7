"""The account page: the password, the time zone, email choices and personal access tokens."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

import reflex as rx

from mediaws.components import pwa
from mediaws.components.dialogs import form_dialog
from mediaws.components.forms import error_message, field, submit
from mediaws.components.native_form import native_form
from mediaws.layout import app_page, loading
from mediaws.state.auth import AuthState
from mediaws.state.settings import AccountState
from mediaws.state.tokens import TokensState

TOKENS_NOTE = (
    "Tokens let scripts and tools call the mediaws REST API as you, without your password. "
    "Send one in the header "
)
ZONES = [
    "UTC",
    *sorted(
        zone for zone in available_timezones() if "/" in zone and not zone.startswith(("Etc/", "SystemV/"))
    ),
]


def _docs_link(label: str) -> rx.Component:
    return rx.link(label, href="/docs", is_external=True)


def _revoke_button(row: rx.Var) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                "Revoke",
                variant="soft",
                color_scheme="red",
                size="2",
                aria_label="Revoke token " + row["name"],
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Revoke token “" + row["name"] + "”?"),
            rx.alert_dialog.description(
                "Scripts using it get 401 Unauthorized from the next request on. This cannot be undone.",
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Revoke token", color_scheme="red", on_click=TokensState.revoke(row["id"]))
                ),
                justify="end",
                spacing="3",
                margin_top="3",
            ),
            max_width="420px",
        ),
    )


def _token_row(row: rx.Var, *, revoked: bool = False) -> rx.Component:
    when = (
        "created " + row["created"] + " · revoked " + row["revoked"]
        if revoked
        else "created " + row["created"] + " · last used " + row["last_used"]
    )
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.heading(row["name"], size="3", as_="h3", class_name="break-all"),
                    rx.badge(
                        "revoked" if revoked else "active",
                        color_scheme="gray" if revoked else "green",
                        variant="soft",
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.hstack(
                    rx.code(row["prefix"], variant="ghost", class_name="masked-key"),
                    rx.text(when, size="1", color_scheme="gray"),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                spacing="1",
                align="start",
            ),
            rx.spacer(),
            rx.fragment() if revoked else _revoke_button(row),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="3",
            align=rx.breakpoints(initial="start", sm="center"),
        ),
        width="100%",
        opacity="0.6" if revoked else "1",
        class_name="token-row",
        data_token=row["id"],
        data_status="revoked" if revoked else "active",
    )


def _tokens_empty() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon("key-square", size=32, aria_hidden="true"),
            rx.text(
                rx.cond(TokensState.revoked.length() > 0, "No active tokens.", "No access tokens yet."),
                weight="medium",
            ),
            rx.text(
                "Create one for each script or tool, so you can revoke it alone. "
                "What you can call is in the ",
                _docs_link("API reference"),
                ".",
                size="2",
                color_scheme="gray",
                text_align="center",
            ),
            align="center",
            spacing="2",
            padding_y="5",
        ),
        width="100%",
    )


def _create_token_dialog() -> rx.Component:
    return form_dialog(
        field(
            "Name",
            "name",
            form="token",
            placeholder="Nightly backup script",
            hint="What the token is for, up to 100 characters; unique among your active tokens.",
        ),
        title="New access token",
        description="The token acts as you on the REST API until you revoke it.",
        error=TokensState.create_error,
        submit_label="Create token",
        on_submit=TokensState.create,
        open=TokensState.create_open,
        on_open_change=TokensState.close_create,
    )


def _copy_button(text: rx.Var, what: str, label: str) -> rx.Component:
    copied = TokensState.copied == what
    return rx.button(
        rx.cond(
            copied,
            rx.icon("check", size=16, aria_hidden="true"),
            rx.icon("copy", size=16, aria_hidden="true"),
        ),
        rx.cond(copied, "Copied", "Copy"),
        variant="soft",
        size="2",
        type="button",
        aria_label=label,
        on_click=[rx.set_clipboard(text), TokensState.mark_copied(what)],
    )


def _new_token_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Token “" + TokensState.new_name + "” created"),
            rx.alert_dialog.description("Copy it now and keep it somewhere safe.", size="2"),
            rx.vstack(
                rx.callout(
                    "It will not be shown again: mediaws keeps only a hash of it. "
                    "If you lose it, revoke it and create a new one.",
                    icon="triangle-alert",
                    color_scheme="amber",
                    role="alert",
                    width="100%",
                ),
                rx.flex(
                    rx.code(TokensState.new_plaintext, size="3", class_name="break-all new-token"),
                    _copy_button(TokensState.new_plaintext, "token", "Copy token"),
                    spacing="3",
                    align="center",
                    justify="between",
                    width="100%",
                ),
                rx.text("Try it:", size="2", weight="medium"),
                rx.flex(
                    rx.code(TokensState.curl_example, size="1", variant="outline", class_name="break-all"),
                    _copy_button(TokensState.curl_example, "curl", "Copy curl command"),
                    direction=rx.breakpoints(initial="column", sm="row"),
                    spacing="3",
                    align=rx.breakpoints(initial="end", sm="center"),
                    justify="between",
                    width="100%",
                ),
                rx.hstack(
                    rx.alert_dialog.action(rx.button("Done", size="3")),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                margin_top="3",
            ),
            max_width="560px",
        ),
        open=TokensState.new_plaintext != "",
        on_open_change=TokensState.close_new,
    )


def _tokens_section() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Access tokens", size="5", as_="h2"),
            rx.spacer(),
            rx.button(rx.icon("plus", size=16), "New token", size="2", on_click=TokensState.open_create),
            width="100%",
            align="center",
        ),
        rx.text(
            TOKENS_NOTE,
            rx.code("Authorization: Bearer mws_…"),
            "; see the ",
            _docs_link("API reference"),
            ".",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            TokensState.loaded,
            rx.vstack(
                rx.cond(
                    TokensState.active.length() > 0,
                    rx.foreach(TokensState.active, _token_row),
                    _tokens_empty(),
                ),
                rx.cond(
                    TokensState.revoked.length() > 0,
                    rx.vstack(
                        rx.el.label(
                            rx.hstack(
                                rx.switch(
                                    checked=TokensState.show_revoked,
                                    on_change=TokensState.set_show_revoked,
                                ),
                                rx.text(
                                    "Show revoked tokens (" + TokensState.revoked.length().to_string() + ")",
                                    size="2",
                                ),
                                spacing="2",
                                align="center",
                            ),
                        ),
                        rx.cond(
                            TokensState.show_revoked,
                            rx.foreach(TokensState.revoked, lambda row: _token_row(row, revoked=True)),
                        ),
                        spacing="3",
                        width="100%",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            loading(),
        ),
        _create_token_dialog(),
        _new_token_dialog(),
        spacing="3",
        width="100%",
        max_width="760px",
        id="access-tokens",
    )


def _time_zone_card() -> rx.Component:
    """Where the person's days start: the zone their spend is counted in by day and month."""
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Time zone", size="4", as_="h2"),
                rx.text(
                    "Spend is counted by day and month in this zone (now ",
                    rx.text.strong(AccountState.time_zone),
                    ").",
                    size="2",
                    color_scheme="gray",
                ),
                rx.el.label("IANA time zone", html_for="tz-zone", class_name="field-label"),
                rx.input(
                    id="tz-zone",
                    name="time_zone",
                    list="tz-zones",
                    value=AccountState.zone_draft,
                    on_change=AccountState.type_zone,
                    placeholder="Europe/Paris",
                    auto_complete="off",
                    size="3",
                    width="100%",
                ),
                rx.el.datalist(*(rx.el.option(value=zone) for zone in ZONES), id="tz-zones"),
                error_message(AccountState.zone_error),
                rx.hstack(submit("Save time zone"), justify="end", width="100%"),
                spacing="3",
            ),
            no_validate=True,
            on_submit=AccountState.save_time_zone,
        ),
        width="100%",
        max_width="560px",
    )


def _email_switch(label: str, hint: str, checked: rx.Var, on_change: Any, test_id: str) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.switch(checked=checked, on_change=on_change, aria_label=label, data_testid=test_id),
            rx.vstack(
                rx.text(label, size="2", weight="medium"),
                rx.text(hint, size="1", color_scheme="gray"),
                spacing="0",
            ),
            spacing="3",
            align="start",
        ),
    )


def _email_card() -> rx.Component:
    """Which emails the person gets: the monthly summary (opt-in) and budget warnings (on by default)."""
    return rx.card(
        rx.vstack(
            rx.heading("Email", size="4", as_="h2"),
            rx.text("Sent to ", rx.text.strong(AuthState.user_email), ".", size="2", color_scheme="gray"),
            rx.cond(
                ~AccountState.email_ready,
                rx.callout(
                    "Email is not set up on this server: nothing is sent until its operator configures "
                    "a mail server (MEDIAWS_SMTP_HOST). Your choices are kept.",
                    icon="info",
                    color_scheme="amber",
                    size="1",
                    width="100%",
                ),
            ),
            _email_switch(
                "Monthly cost summary",
                "In the first days of each month: what you spent the month before, by provider, model "
                "and project, in your time zone.",
                AccountState.summary_emails,
                AccountState.save_summary_emails,
                "summary-emails-switch",
            ),
            _email_switch(
                "Budget warnings at 80 % and 100 %",
                "When a project has used 80 % of its monthly budget, and when it is used up and new "
                "generations are refused.",
                AccountState.budget_emails,
                AccountState.save_budget_emails,
                "budget-emails-switch",
            ),
            spacing="3",
        ),
        width="100%",
        max_width="560px",
        id="email-choices",
    )


def account_page() -> rx.Component:
    """The signed-in account, its password and its personal access tokens."""
    return app_page(
        rx.text("Signed in as ", rx.text.strong(AuthState.user_email), color_scheme="gray"),
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Change password", size="4", as_="h2"),
                    rx.text("Changing it signs you out everywhere else.", size="2", color_scheme="gray"),
                    field(
                        "Current password",
                        "current_password",
                        form="pw",
                        type="password",
                        auto_complete="current-password",
                    ),
                    field(
                        "New password",
                        "new_password",
                        form="pw",
                        type="password",
                        auto_complete="new-password",
                        hint="At least 10 characters.",
                    ),
                    field(
                        "Repeat new password",
                        "new_password_confirm",
                        form="pw",
                        type="password",
                        auto_complete="new-password",
                    ),
                    error_message(AccountState.password_error),
                    rx.hstack(submit("Change password"), justify="end", width="100%"),
                    spacing="3",
                ),
                no_validate=True,
                on_submit=AccountState.change_password,
                reset_on_submit=True,
            ),
            width="100%",
            max_width="560px",
        ),
        _time_zone_card(),
        _email_card(),
        pwa.install_card(),
        _tokens_section(),
        native_form(
            rx.button("Log out", type="submit", variant="soft", color_scheme="gray", size="3"),
            action="/_session/logout",
            method="post",
        ),
        title="Account",
        lede="Your password, the time zone your spend is counted in, emails and API access tokens.",
    )
