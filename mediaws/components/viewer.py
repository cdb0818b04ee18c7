"""Showing one asset by its kind: image with a full-screen viewer, video, audio with a waveform, text."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mediaws.components.forms import error_message
from mediaws.state.asset_detail import AssetDetailState as S

AUDIO_ID = "mws-audio"
TAP = {"min_width": "44px", "min_height": "44px"}


def _tool(icon: str, label: str, **props: Any) -> rx.Component:
    return rx.icon_button(
        rx.icon(icon, aria_hidden="true"),
        aria_label=label,
        title=label,
        variant="ghost",
        size="3",
        type="button",
        style={**TAP, "color": "white", "background": "rgba(255, 255, 255, 0.14)"},
        **props,
    )


def _nav(direction: str, icon: str, label: str, side: str) -> rx.Component:
    url = S.prev_url if direction == "prev" else S.next_url
    return rx.box(
        _tool(
            icon,
            label,
            on_click=S.step(direction),
            disabled=url == "",
            custom_attrs={"data-nav": direction},
        ),
        position="absolute",
        top="50%",
        transform="translateY(-50%)",
        z_index="2",
        **{side: "0.5rem"},
    )


def _viewer_overlay() -> rx.Component:
    bar = rx.hstack(
        rx.text(S.asset.name, color="white", weight="medium", class_name="clamp-1", flex="1", min_width="0"),
        _tool("zoom-out", "Zoom out", custom_attrs={"data-zoom": "out"}),
        rx.text(
            "100%",
            color="white",
            size="2",
            min_width="3rem",
            text_align="center",
            custom_attrs={"data-zoom-label": ""},
            aria_live="polite",
        ),
        _tool("zoom-in", "Zoom in", custom_attrs={"data-zoom": "in"}),
        _tool("maximize", "Fit to screen", custom_attrs={"data-zoom": "reset"}),
        _tool(
            "x",
            "Close viewer",
            on_click=S.set_viewer(False),
            auto_focus=True,
            custom_attrs={"data-nav": "close"},
        ),
        align="center",
        spacing="2",
        padding="0.5rem",
        width="100%",
    )
    stage = rx.box(
        rx.image(
            src=S.asset.view_url,
            alt=S.asset.name,
            max_width="100%",
            max_height="100%",
            object_fit="contain",
            user_select="none",
            draggable=False,
            custom_attrs={"data-zoom-target": ""},
            style={"transition": "transform 80ms ease-out", "transformOrigin": "center"},
        ),
        _nav("prev", "chevron-left", "Previous asset", "left"),
        _nav("next", "chevron-right", "Next asset", "right"),
        position="relative",
        flex="1",
        min_height="0",
        width="100%",
        overflow="hidden",
        display="flex",
        align_items="center",
        justify_content="center",
        style={"touchAction": "none"},
        custom_attrs={"data-viewer-stage": ""},
    )
    return rx.box(
        rx.el.style("body { overflow: hidden; }"),
        bar,
        stage,
        position="fixed",
        top="0",
        left="0",
        width="100vw",
        height="100dvh",
        z_index="100",
        background="rgba(0, 0, 0, 0.94)",
        display="flex",
        flex_direction="column",
        role="dialog",
        aria_modal="true",
        aria_label="Image viewer",
        custom_attrs={"data-viewer": ""},
    )


def image_view() -> rx.Component:
    """The large preview; clicking it opens the full-screen viewer."""
    return rx.vstack(
        rx.el.button(
            rx.image(
                src=S.asset.view_url,
                alt=S.asset.name,
                width="100%",
                aspect_ratio=S.asset.aspect_ratio,
                max_height="70vh",
                object_fit="contain",
                display="block",
            ),
            on_click=S.set_viewer(True),
            aria_label="Open the image full screen",
            type="button",
            style={
                "border": "0",
                "padding": "0",
                "background": "var(--gray-a3)",
                "cursor": "zoom-in",
                "width": "100%",
                "borderRadius": "var(--radius-3)",
                "overflow": "hidden",
            },
        ),
        rx.button(
            rx.icon("expand", aria_hidden="true"),
            "Full screen",
            on_click=S.set_viewer(True),
            variant="soft",
            size="3",
        ),
        rx.cond(S.viewer_open, _viewer_overlay()),
        spacing="3",
        width="100%",
    )


def video_view() -> rx.Component:
    """The video with the browser's controls, played from a signed link (seeking uses Range requests)."""
    return rx.el.video(
        src=S.asset.file_url,
        poster=S.asset.poster_url,
        controls=True,
        plays_inline=True,
        preload="metadata",
        aria_label=S.asset.name,
        style={
            "width": "100%",
            "maxHeight": "70vh",
            "background": "black",
            "borderRadius": "var(--radius-3)",
        },
    )


def _bars(colour: str) -> rx.Component:
    return rx.foreach(
        S.asset.peaks,
        lambda peak: rx.box(
            flex="1",
            min_width="1px",
            height=f"max(2px, calc({peak} * 100%))",
            background=colour,
            border_radius="1px",
        ),
    )


def _waveform() -> rx.Component:
    layer = {"display": "flex", "alignItems": "center", "gap": "1px", "position": "absolute", "inset": "0"}
    return rx.box(
        rx.box(_bars("var(--gray-8)"), style=layer),
        rx.box(
            _bars("var(--accent-9)"),
            style={**layer, "clipPath": "inset(0 calc(100% - var(--played)) 0 0)", "pointerEvents": "none"},
        ),
        position="relative",
        height="72px",
        width="100%",
        cursor="pointer",
        tab_index=0,
        role="slider",
        aria_label="Seek in the audio",
        aria_valuemin=0,
        aria_valuemax=100,
        aria_valuenow=0,
        style={"--played": "0%", "touchAction": "manipulation"},
        custom_attrs={"data-waveform": "", "data-audio": AUDIO_ID},
    )


def audio_view() -> rx.Component:
    """The audio player with its waveform: tap a place to play from there; the played part is coloured."""
    return rx.vstack(
        rx.cond(
            S.asset.peaks.length() > 0,
            _waveform(),
            rx.text("The waveform is not ready yet.", size="2", color_scheme="gray"),
        ),
        rx.el.audio(
            id=AUDIO_ID,
            src=S.asset.file_url,
            controls=True,
            preload="metadata",
            aria_label=S.asset.name,
            style={"width": "100%"},
        ),
        spacing="3",
        width="100%",
        padding="1rem",
        background="var(--gray-a2)",
        border_radius="var(--radius-3)",
    )


def _code_block(value: rx.Var, **_props: object) -> rx.Component:
    """A fenced code block as plain monospace text: no syntax colouring, so no highlighter in the page.

    Reflex's default (react-syntax-highlighter with every Prism language) made the asset page's script
    ~400 KB larger for every asset, text or not.
    """
    return rx.el.pre(rx.el.code(value), class_name="md-code")


def text_view() -> rx.Component:
    """The text (Markdown rendered, plain text as typed) and an editor that saves it as the new content."""
    shown = rx.cond(
        S.asset.markdown,
        rx.markdown(
            S.text, use_raw=False, use_math=False, use_katex=False, component_map={"pre": _code_block}
        ),
        rx.el.pre(S.text, class_name="pre-wrap", style={"fontFamily": "inherit", "margin": "0"}),
    )
    editor = rx.form(
        rx.vstack(
            rx.el.label("Edit the text", html_for="asset-text", class_name="field-label"),
            rx.text_area(
                id="asset-text",
                name="content",
                default_value=S.text,
                key=S.text_key,
                rows="12",
                width="100%",
                style={"fontFamily": "var(--code-font-family)"},
            ),
            error_message(S.text_error),
            rx.button("Save text", type="submit", size="3"),
            spacing="2",
            width="100%",
        ),
        on_submit=S.save_text,
        width="100%",
    )
    return rx.vstack(
        rx.card(
            rx.box(shown, max_height="60vh", overflow_y="auto", class_name="break-all"),
            width="100%",
        ),
        rx.cond(S.text_truncated, rx.text("Only the first 1 MB is shown.", size="2", color_scheme="gray")),
        editor,
        spacing="3",
        width="100%",
    )


def asset_viewer() -> rx.Component:
    """The right viewer for the asset's kind."""
    return rx.match(
        S.asset.kind,
        ("image", image_view()),
        ("video", video_view()),
        ("audio", audio_view()),
        ("text", text_view()),
        rx.text("This file cannot be shown here; download it instead.", color_scheme="gray"),
    )
