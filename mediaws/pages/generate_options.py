"""Generate's options: each type's form, all mounted and one shown, with the voice choice and preview."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from mediaws.components.later import later
from mediaws.components.lazy_select import lazy_select
from mediaws.state.generate import GenerateState
from mediaws.state.local_choice import PICKED_KIND

KIND_LABELS = [
    ("text", "Text"),
    ("image", "Image"),
    ("video", "Video"),
    ("speech", "Speech"),
    ("audio", "Music"),
]


EARLY = (PICKED_KIND.value != "") & (PICKED_KIND.value != GenerateState.kind)
"""A type just picked that the server has not switched to yet: its form comes from ``kind_forms``."""
PICKED_FORM = GenerateState.kind_forms[PICKED_KIND.value]
SHOWN_KIND = rx.cond(EARLY, PICKED_KIND.value, GenerateState.kind)


def field_label(text: rx.Var | str, html_for: rx.Var | str) -> rx.Component:
    """A form field's label."""
    return rx.el.label(text, html_for=html_for, class_name="field-label")


def _voice_preview() -> rx.Component:
    return rx.vstack(
        rx.button(
            rx.icon("volume-2", size=14),
            "Preview voice",
            rx.cond(GenerateState.preview_price != "", " · " + GenerateState.preview_price, ""),
            size="2",
            variant="soft",
            on_click=GenerateState.preview_voice,
            loading=GenerateState.preview_busy,
            title=GenerateState.preview_title,
            disabled=GenerateState.project_id == "",
        ),
        rx.cond(
            GenerateState.preview_note != "",
            rx.text(GenerateState.preview_note, size="1", color_scheme="gray", role="status"),
        ),
        rx.cond(
            GenerateState.preview_url != "",
            rx.el.audio(
                src=GenerateState.preview_url,
                controls=True,
                auto_play=True,
                aria_label="Voice preview",
                id="voice-preview",
                width="100%",
                class_name="voice-preview",
            ),
        ),
        spacing="2",
        width="100%",
    )


def _small_button(label: str, event: rx.EventHandler, icon: str) -> rx.Component:
    return rx.button(rx.icon(icon, size=12), label, size="1", variant="soft", on_click=event, type="button")


def _voice_choice(control_id: rx.Var, value: rx.Var, here: rx.Var) -> rx.Component:
    """The voice dropdown; "Loading voices…" while the provider is asked; a typed id as the fallback."""
    typed = rx.input(
        value=value,
        on_change=lambda v: GenerateState.set_option("voice", v).debounce(400),
        id=control_id,
        placeholder="Voice id",
        width="100%",
    )
    return rx.vstack(
        rx.match(
            rx.cond(here, GenerateState.voice_mode, "loading"),
            (
                "loading",
                lazy_select(id=control_id, placeholder="Loading voices…", disabled=True, width="100%"),
            ),
            (
                "list",
                lazy_select(
                    items=GenerateState.voice_choices,
                    value_key="id",
                    value=value,
                    on_change=lambda v: GenerateState.set_option("voice", v),
                    id=control_id,
                    width="100%",
                ),
            ),
            typed,
        ),
        rx.cond(
            (GenerateState.voice_note != "") & here,
            rx.flex(
                rx.text(GenerateState.voice_note, size="1", color_scheme="red", role="status"),
                _small_button("Try again", GenerateState.retry_voices, "refresh-cw"),
                direction="column",
                align="start",
                spacing="1",
            ),
        ),
        rx.cond(
            (GenerateState.voice_typed_hint != "") & here,
            rx.cond(
                GenerateState.voice_mode == "text",
                rx.flex(
                    rx.text(GenerateState.voice_typed_hint, size="1", color_scheme="gray"),
                    _small_button("Choose from the list", GenerateState.pick_voice_from_list, "list"),
                    direction="column",
                    align="start",
                    spacing="1",
                ),
                _small_button("Type a voice id", GenerateState.type_voice_id, "pencil"),
            ),
        ),
        spacing="1",
        width="100%",
    )


def _option(field: rx.Var, kind: str) -> rx.Component:
    """An option of one type's form: the server's values once it is on that type, the defaults until then."""
    here = GenerateState.kind == kind
    control_id = f"opt-{kind}-" + field["name"]
    value = rx.cond(here, GenerateState.values[field["name"]], field["default"])
    # A select or switch shows the person's choice itself at once (uncontrolled); when the server sets
    # the options (this type, another model, a prefill) the new form version remounts it with its value.
    mounted = field["name"] + "@" + rx.cond(here, GenerateState.form_version.to_string(), "first")
    hint = rx.cond(
        (field["min"] != "") | (field["max"] != ""),
        rx.text("from " + field["min"] + " to " + field["max"], size="1", color_scheme="gray"),
    )
    return rx.vstack(
        field_label(field["label"], control_id),
        rx.match(
            field["kind"],
            (
                "select",
                lazy_select(
                    items=field["choices"].split("|"),
                    default_value=value,
                    on_change=lambda v: GenerateState.set_option(field["name"], v),
                    id=control_id,
                    width="100%",
                    key=mounted,
                ),
            ),
            ("voice", _voice_choice(control_id, value, here)),
            (
                "bool",
                rx.switch(
                    default_checked=value == "true",
                    on_change=lambda v: GenerateState.set_option(field["name"], v),
                    id=control_id,
                    key=mounted,
                ),
            ),
            rx.input(
                value=value,
                type=rx.cond(field["kind"] == "text", "text", "number"),
                min=field["min"],
                max=field["max"],
                on_change=lambda v: GenerateState.set_option(field["name"], v).debounce(400),
                on_blur=lambda v: GenerateState.set_option(field["name"], v),  # Tab saves at once
                placeholder="Model default",  # a blank option is left to the model
                id=control_id,
                width="100%",
            ),
        ),
        hint,
        rx.cond((field["name"] == "voice") & GenerateState.has_voice & here, _voice_preview()),
        spacing="1",
        width="100%",
    )


def _options_of(kind: str) -> Callable[[rx.Var], rx.Component]:
    """``_option`` for one type, with one argument (``rx.foreach`` gives a second one the index)."""
    return lambda field: _option(field, kind)


def options() -> rx.Component:
    """Each type's options, all mounted and one shown: a type switch shows its form before the server answers.

    The types not open on arrival are mounted after the first paint. Each control's id names its type
    (``opt-speech-voice``), so no control depends on the type shown and a press re-renders one element.
    """
    grids = []
    for index, (kind, _) in enumerate(KIND_LABELS):
        here = GenerateState.kind == kind
        fields = rx.cond(here, GenerateState.fields, GenerateState.kind_forms[kind].fields)
        grid = rx.el.div(
            rx.cond(
                fields.length() > 0,
                rx.grid(
                    rx.foreach(fields, _options_of(kind)),
                    columns=rx.breakpoints(initial="1", sm="2", md="3"),
                    spacing="3",
                    width="100%",
                ),
            ),
            custom_attrs={"data-kind": kind},
        )
        grids.append(later(grid, index=index, first=rx.cond(here, index + 1, 0), class_name="form-slot"))
    # Only this element follows the type shown; the CSS (kind-forms in styles.css) shows its form.
    return rx.el.div(*grids, class_name="kind-forms", custom_attrs={"data-shown": SHOWN_KIND})
