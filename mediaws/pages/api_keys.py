"""The API keys page: provider keys and OpenAI-compatible endpoints, stored sealed on the server."""

from __future__ import annotations

import reflex as rx

from mediaws.components.dialogs import form_dialog
from mediaws.components.forms import field
from mediaws.layout import app_page, loading
from mediaws.state.settings import KeysState

SEALED_NOTE = (
    "Keys are encrypted with AES-256-GCM before they are stored and are never shown again; "
    "only the last four characters are."
)
CONNECTION_NOTE = "Adding a key needs a connection: keys are never stored on this device."
PRICE_HINT = "USD per 1M tokens; 0 for your own server such as Ollama."


def _delete_button(key_id: rx.Var, what: rx.Var) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Delete", variant="soft", color_scheme="red", size="2", aria_label="Delete " + what)
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete " + what + "?"),
            rx.alert_dialog.description(
                "Generations with this provider stop working until you add a key again.", size="2"
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Delete", color_scheme="red", on_click=KeysState.delete_key(key_id))
                ),
                justify="end",
                spacing="3",
                margin_top="3",
            ),
            max_width="420px",
        ),
    )


def _test_button(key_id: rx.Var, what: rx.Var) -> rx.Component:
    return rx.button(
        "Test",
        size="2",
        variant="outline",
        loading=KeysState.testing_id == key_id,
        on_click=KeysState.test_key(key_id),
        aria_label="Test " + what,
    )


def _provider_row(row: rx.Var) -> rx.Component:
    has_key = row["key_id"] != ""
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.heading(row["label"], size="4", as_="h3"),
                rx.text(row["media"], size="2", color_scheme="gray"),
                rx.hstack(
                    rx.code(row["masked"], variant="ghost", class_name="masked-key"),
                    rx.cond(
                        has_key,
                        rx.text(
                            "added " + row["added"] + " · last used " + row["last_used"],
                            size="1",
                            color_scheme="gray",
                        ),
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                spacing="1",
                align="start",
            ),
            rx.spacer(),
            rx.hstack(
                rx.button(
                    rx.el.span(
                        rx.cond(has_key, "Replace", "Add"),
                        rx.el.span(" ", row["label"], class_name="sr-only"),
                        rx.cond(has_key, rx.el.span(" key", class_name="sr-only"), " key"),
                    ),
                    size="2",
                    variant=rx.cond(has_key, "soft", "solid"),
                    on_click=KeysState.open_key_dialog(row["id"]),
                ),
                rx.cond(has_key, _test_button(row["key_id"], row["label"] + " key")),
                rx.cond(has_key, _delete_button(row["key_id"], row["label"] + " key")),
                spacing="2",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="3",
            align=rx.breakpoints(initial="start", sm="center"),
        ),
        width="100%",
        class_name="provider-row",
        data_provider=row["id"],
    )


def _key_dialog() -> rx.Component:
    return form_dialog(
        field("API key", "secret", form="key", type="password", placeholder=KeysState.dialog_hint),
        rx.text(CONNECTION_NOTE, size="1", color_scheme="gray", class_name="connection-note"),
        title="Key for " + KeysState.dialog_label,
        description=SEALED_NOTE,
        error=KeysState.dialog_error,
        submit_label="Save key",
        on_submit=KeysState.save_key,
        open=KeysState.dialog_provider != "",
        on_open_change=KeysState.close_key_dialog,
        reset_on_submit=True,
    )


def _endpoint_row(row: rx.Var) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.heading(row["name"], size="4", as_="h3", class_name="break-all"),
                rx.text(row["base_url"], size="2", color_scheme="gray", class_name="break-all"),
                rx.text(
                    row["price"],
                    size="2",
                    color_scheme=rx.cond(row["priced"] != "", "gray", "amber"),
                    class_name="endpoint-price",
                ),
                rx.hstack(
                    rx.code(row["masked"], variant="ghost", class_name="masked-key"),
                    rx.text(
                        "added " + row["added"] + " · last used " + row["last_used"],
                        size="1",
                        color_scheme="gray",
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                spacing="1",
                align="start",
            ),
            rx.spacer(),
            rx.hstack(
                rx.button("Edit", size="2", variant="soft", on_click=KeysState.open_endpoint(row["id"])),
                _test_button(row["id"], "endpoint " + row["name"]),
                _delete_button(row["id"], "endpoint " + row["name"]),
                spacing="2",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="3",
            align=rx.breakpoints(initial="start", sm="center"),
        ),
        width="100%",
        class_name="endpoint-row",
    )


def _endpoint_dialog() -> rx.Component:
    editing = KeysState.endpoint_edit_id != ""
    return form_dialog(
        field(
            "Name",
            "name",
            form="endpoint",
            default_value=KeysState.endpoint_name,
            placeholder="Ollama on my laptop",
        ),
        field(
            "Base URL",
            "base_url",
            form="endpoint",
            type="url",
            default_value=KeysState.endpoint_url,
            placeholder="http://localhost:11434/v1",
        ),
        field(
            "API key (optional)",
            "secret",
            form="endpoint",
            type="password",
            hint=rx.cond(
                editing, "Leave empty to keep the stored key.", "Leave empty if the endpoint needs none."
            ),
        ),
        rx.vstack(
            rx.grid(
                field(
                    "Input price",
                    "input_price",
                    form="endpoint",
                    default_value=KeysState.endpoint_input_price,
                    placeholder="0.60",
                ),
                field(
                    "Output price",
                    "output_price",
                    form="endpoint",
                    default_value=KeysState.endpoint_output_price,
                    placeholder="2.40",
                ),
                columns="2",
                spacing="3",
                width="100%",
            ),
            rx.text(PRICE_HINT, size="1", color_scheme="gray"),
            spacing="1",
            width="100%",
        ),
        title=rx.cond(editing, "Edit endpoint", "Add an OpenAI-compatible endpoint"),
        description="Ollama, vLLM, LM Studio, Together, DeepSeek, Mistral… "
        "anything that speaks the OpenAI API.",
        error=KeysState.endpoint_error,
        submit_label="Save endpoint",
        on_submit=KeysState.save_endpoint,
        open=KeysState.endpoint_open,
        on_open_change=KeysState.close_endpoint,
        form_key=KeysState.endpoint_edit_id,
    )


def keys_page() -> rx.Component:
    """Provider keys and OpenAI-compatible endpoints."""
    return app_page(
        rx.cond(
            KeysState.loaded,
            rx.vstack(
                rx.heading("Providers", size="5", as_="h2"),
                rx.foreach(KeysState.providers, _provider_row),
                rx.hstack(
                    rx.heading("OpenAI-compatible endpoints", size="5", as_="h2"),
                    rx.spacer(),
                    rx.button(
                        rx.icon("plus", size=16),
                        "Add endpoint",
                        size="2",
                        on_click=KeysState.open_endpoint(""),
                    ),
                    width="100%",
                    align="center",
                    margin_top="4",
                ),
                rx.cond(
                    KeysState.endpoints.length() > 0,
                    rx.foreach(KeysState.endpoints, _endpoint_row),
                    rx.text(
                        "None yet. Add a local server such as Ollama to generate text offline.",
                        color_scheme="gray",
                        size="2",
                    ),
                ),
                _key_dialog(),
                _endpoint_dialog(),
                spacing="3",
                width="100%",
            ),
            loading(heading=False),
        ),
        title="API keys",
        lede="Bring your own keys: mediaws calls each provider with your key and shows what it cost.",
    )
