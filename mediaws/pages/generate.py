"""The Generate page."""

from __future__ import annotations

import reflex as rx

from mediaws import routes
from mediaws.components.forms import error_message
from mediaws.components.lazy_select import lazy_select
from mediaws.components.skeletons import form_skeleton
from mediaws.layout import app_page
from mediaws.pages.generate_options import (
    EARLY,
    KIND_LABELS,
    PICKED_FORM,
    SHOWN_KIND,
    field_label,
    options,
)
from mediaws.services.uploads import MAX_UPLOAD_BYTES
from mediaws.state.generate import GenerateState
from mediaws.state.local_choice import PICKED_KIND

IMAGE_TYPES = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"]}


def _image_input() -> rx.Component:
    is_video = SHOWN_KIND == "video"
    what = rx.cond(is_video, "Start image", "Image to edit")
    accepts = rx.cond(EARLY, PICKED_FORM.accepts_image, GenerateState.accepts_image)
    return rx.cond(
        accepts & (is_video | (SHOWN_KIND == "image")),
        rx.vstack(
            rx.text(what, " (optional)", class_name="field-label"),
            rx.cond(
                GenerateState.image_url != "",
                rx.flex(
                    rx.image(
                        src=GenerateState.image_url,
                        alt=what,
                        height="96px",
                        width="auto",
                        max_width="160px",
                        object_fit="cover",
                        border_radius="6px",
                        border="1px solid var(--gray-a6)",
                    ),
                    rx.vstack(
                        rx.text(GenerateState.image_name, size="2", overflow_wrap="anywhere"),
                        rx.button(
                            rx.icon("x", size=14),
                            "Remove",
                            size="1",
                            variant="soft",
                            color_scheme="gray",
                            on_click=GenerateState.remove_image,
                            aria_label=rx.cond(is_video, "Remove start image", "Remove image to edit"),
                        ),
                        spacing="2",
                        min_width="0",
                    ),
                    spacing="3",
                    align="center",
                    width="100%",
                ),
                rx.upload.root(
                    rx.flex(
                        rx.icon("image-up", size=20, color="var(--gray-10)"),
                        rx.text(
                            "Drop a PNG, JPEG or WebP here or ",
                            rx.text.span(
                                "choose a file", color="var(--accent-11)", text_decoration="underline"
                            ),
                            rx.text.span(" (up to 20 MB)", color="var(--gray-10)"),
                            size="2",
                        ),
                        spacing="2",
                        align="center",
                        padding="12px",
                        border="1px dashed var(--gray-a8)",
                        border_radius="8px",
                        width="100%",
                        cursor="pointer",
                    ),
                    id="start-image",
                    accept=IMAGE_TYPES,
                    max_files=1,
                    max_size=MAX_UPLOAD_BYTES,
                    multiple=False,
                    on_drop=GenerateState.upload_image,
                    on_drop_rejected=GenerateState.upload_rejected,
                    width="100%",
                ),
            ),
            error_message(GenerateState.upload_error),
            spacing="1",
            width="100%",
        ),
    )


def _fallback() -> rx.Component:
    choices = rx.cond(EARLY, PICKED_FORM.fallbacks, GenerateState.fallback_choices)
    on = GenerateState.fallback_on & (choices.length() > 0)
    return rx.vstack(
        rx.flex(
            rx.switch(
                id="gen-fallback",
                checked=on,
                on_change=GenerateState.set_fallback_on,
                disabled=(choices.length() == 0) | EARLY,
            ),
            field_label("If this fails, try another model", "gen-fallback"),
            spacing="2",
            align="center",
        ),
        rx.cond(
            choices.length() == 0,
            rx.text("No other usable model of this type yet.", size="1", color_scheme="gray"),
        ),
        rx.cond(
            on,
            lazy_select(
                items=choices,
                value_key="key",
                value=rx.cond(EARLY, PICKED_FORM.fallback_key, GenerateState.fallback_key),
                on_change=GenerateState.set_fallback,
                id="gen-fallback-model",
                aria_label="Fallback model",
                width="100%",
            ),
        ),
        spacing="2",
        width="100%",
    )


def _picker() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    field_label("Project", "gen-project"),
                    lazy_select(
                        items=GenerateState.project_options,
                        value_key="id",
                        label_key="name",
                        value=GenerateState.project_id,
                        on_change=GenerateState.set_project,
                        id="gen-project",
                        width="100%",
                    ),
                    spacing="1",
                    width="100%",
                ),
                rx.vstack(
                    field_label("Model", "gen-model"),
                    lazy_select(
                        items=rx.cond(EARLY, PICKED_FORM.models, GenerateState.models),
                        value_key="key",
                        label_key="label",
                        enabled_key="usable",
                        value=rx.cond(EARLY, PICKED_FORM.model_key, GenerateState.model_key),
                        on_change=GenerateState.set_model,
                        placeholder="No model available",
                        id="gen-model",
                        width="100%",
                    ),
                    rx.text(
                        "More models appear when you ",
                        rx.link("add provider keys or endpoints", href=routes.API_KEYS),
                        ".",
                        size="1",
                        color_scheme="gray",
                    ),
                    rx.cond(
                        (GenerateState.model_notice != "") & ~EARLY,
                        rx.text(GenerateState.model_notice, size="1", color_scheme="amber", role="status"),
                    ),
                    rx.cond(
                        (GenerateState.endpoint_note != "") & (SHOWN_KIND == "text"),
                        rx.text(GenerateState.endpoint_note, size="1", color_scheme="amber", role="status"),
                    ),
                    spacing="1",
                    width="100%",
                ),
                direction=rx.breakpoints(initial="column", sm="row"),
                spacing="3",
                width="100%",
            ),
            rx.segmented_control.root(
                *[rx.segmented_control.item(label, value=value) for value, label in KIND_LABELS],
                value=SHOWN_KIND,
                on_change=[PICKED_KIND.set, GenerateState.set_kind],
                aria_label="What to generate",
                size=rx.breakpoints(initial="1", sm="2"),
                width="100%",
                max_width="32rem",
            ),
            rx.vstack(
                field_label("Prompt", "gen-prompt"),
                rx.text_area(
                    value=GenerateState.prompt,
                    on_change=GenerateState.set_prompt,
                    on_blur=GenerateState.price_prompt,
                    id="gen-prompt",
                    rows="4",
                    width="100%",
                    placeholder="Describe what you want…",
                ),
                spacing="1",
                width="100%",
            ),
            _image_input(),
            options(),
            _fallback(),
            error_message(rx.cond(EARLY, "", GenerateState.error)),
            rx.flex(
                rx.vstack(
                    rx.text(
                        "Estimated cost: ",
                        rx.text.strong(
                            rx.cond((GenerateState.estimate != "") & ~EARLY, GenerateState.estimate, "—")
                        ),
                        size="2",
                    ),
                    rx.cond(
                        GenerateState.budget != "",
                        rx.text("Budget: " + GenerateState.budget, size="1", color_scheme="gray"),
                    ),
                    spacing="0",
                ),
                rx.spacer(),
                rx.button(
                    rx.icon("sparkles", size=16),
                    "Generate",
                    size="3",
                    on_click=GenerateState.generate,
                    custom_attrs={"data-offline-request": GenerateState.offline_request},
                    disabled=(GenerateState.model_key == "")
                    | (GenerateState.project_id == "")
                    | GenerateState.submitting
                    | EARLY,
                    loading=GenerateState.submitting,
                ),
                align="center",
                spacing="3",
                width="100%",
                wrap="wrap",
            ),
            spacing="4",
            width="100%",
        ),
        width="100%",
    )


def _result(item: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.match(
            item["kind"],
            (
                "image",
                rx.image(src=item["url"], alt="Generated image", max_width="100%", border_radius="8px"),
            ),
            (
                "video",
                rx.el.video(
                    src=item["url"], controls=True, width="100%", max_height="70vh", background="black"
                ),
            ),
            ("audio", rx.el.audio(src=item["url"], controls=True)),
            rx.fragment(),
        ),
        rx.link("Download", href=item["url"], is_external=True, size="2"),
        spacing="2",
        width="100%",
    )


def _progress() -> rx.Component:
    running = (GenerateState.status == "queued") | (GenerateState.status == "running")
    return rx.cond(
        GenerateState.generation_id != "",
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading("Result", size="4", as_="h2"),
                    rx.badge(GenerateState.status, size="2"),
                    rx.spacer(),
                    rx.text(GenerateState.elapsed, size="2", color_scheme="gray"),
                    align="center",
                    width="100%",
                    wrap="wrap",
                ),
                rx.cond(
                    running,
                    rx.vstack(
                        rx.progress(
                            value=GenerateState.progress, max=100, width="100%", aria_label="Progress"
                        ),
                        rx.hstack(
                            rx.vstack(
                                rx.text(
                                    GenerateState.progress.to_string() + "%  " + GenerateState.message,
                                    size="2",
                                ),
                                rx.cond(
                                    GenerateState.eta != "",
                                    rx.text(GenerateState.eta, size="2", color_scheme="gray"),
                                ),
                                spacing="0",
                            ),
                            rx.spacer(),
                            rx.button(
                                "Cancel", variant="soft", color_scheme="red", on_click=GenerateState.cancel
                            ),
                            width="100%",
                            align="center",
                        ),
                        width="100%",
                    ),
                ),
                rx.cond(
                    GenerateState.status == "failed",
                    rx.callout(
                        GenerateState.message,
                        icon="triangle-alert",
                        color_scheme="red",
                        role="alert",
                        width="100%",
                    ),
                ),
                rx.cond(
                    GenerateState.cost != "", rx.text("Cost: ", rx.text.strong(GenerateState.cost), size="2")
                ),
                rx.cond(
                    GenerateState.made_with != "",
                    rx.callout(GenerateState.made_with, icon="info", color_scheme="amber", width="100%"),
                ),
                rx.cond(
                    GenerateState.result_text != "",
                    rx.vstack(
                        rx.text(GenerateState.result_text, class_name="pre-wrap"),
                        rx.button(
                            "Copy text",
                            variant="soft",
                            size="2",
                            on_click=rx.set_clipboard(GenerateState.result_text),
                        ),
                        width="100%",
                    ),
                ),
                rx.foreach(GenerateState.results, _result),
                rx.cond(
                    GenerateState.source_url != "",
                    rx.flex(
                        rx.text("Made from", size="2", color_scheme="gray"),
                        rx.image(
                            src=GenerateState.source_url,
                            alt="Image it was made from",
                            height="48px",
                            width="auto",
                            border_radius="4px",
                        ),
                        spacing="2",
                        align="center",
                    ),
                ),
                rx.cond(GenerateState.status == "succeeded", _saved()),
                spacing="3",
                width="100%",
            ),
            width="100%",
            custom_attrs={"data-outcome": GenerateState.status},
        ),
    )


def _saved() -> rx.Component:
    """Success feedback: which project keeps the result, with the way there."""
    here = rx.foreach(
        GenerateState.project_options,
        lambda option: rx.cond(option["id"] == GenerateState.project_id, rx.text.strong(option["name"])),
    )
    return rx.callout.root(
        rx.callout.icon(rx.icon("circle-check", aria_hidden="true")),
        rx.callout.text(
            "Saved to ",
            here,
            ". ",
            rx.link("Open the project", href=routes.PROJECTS + "/" + GenerateState.project_id),
        ),
        color_scheme="green",
        role="status",
        size="1",
        width="100%",
    )


def generate_page() -> rx.Component:
    """Pick a project, type and model; see the cost; generate; watch progress; see the result."""
    return app_page(
        rx.cond(
            GenerateState.loaded,
            rx.cond(
                GenerateState.project_options.length() > 0,
                _picker(),
                rx.card(
                    rx.text("Create a project first: ", rx.link("Projects", href=routes.PROJECTS)),
                    width="100%",
                ),
            ),
            form_skeleton("Loading the models and options…"),
        ),
        _progress(),
        title="Generate",
        lede="Every result is kept in its project with what it cost.",
    )
