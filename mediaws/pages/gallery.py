"""The gallery pages: one project's assets (``/projects/{id}/assets``) and all of them (``/assets``)."""

from __future__ import annotations

import reflex as rx
from reflex.experimental.client_state import ClientStateVar
from reflex.vars.base import VarData

from mediaws import routes
from mediaws.components.asset_card import asset_card, skeleton_card
from mediaws.components.feedback import pull_to_refresh
from mediaws.components.filters import labelled_date, labelled_select
from mediaws.components.gallery_bulk import bulk_bar, bulk_dialogs
from mediaws.components.later import later
from mediaws.components.lazy_select import rows
from mediaws.components.shown_at import shown_at
from mediaws.components.skeletons import DROP_HINT, gallery_skeleton
from mediaws.components.tag_manager import tag_manager
from mediaws.layout import app_page
from mediaws.services.asset_queries import SORTS
from mediaws.state.gallery import GalleryState
from mediaws.state.gallery_bulk import GalleryBulkState
from mediaws.state.local_choice import (
    GALLERY_FAVOURED,
    GALLERY_FILTERS,
    GALLERY_NARROWED,
    GALLERY_SHOWING,
    GALLERY_SORTED,
    GALLERY_TAGGED,
    set_tagged,
    shown,
)

COLUMNS = rx.breakpoints(initial="1", sm="2", md="3", lg="4")
KIND_LABELS = (
    ("all", "All types"),
    ("image", "Images"),
    ("video", "Videos"),
    ("audio", "Audio"),
    ("text", "Text"),
)
SORT_LABELS = (
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("type", "Type"),
    ("cost", "Cost (highest)"),
    ("name", "Name"),
)
UPLOAD_ID = "gallery-upload"
WIDE = "(min-width: 768px)"  # where the filters are always unfolded (styles.css)


def _filters() -> rx.Component:
    state = GalleryState
    return rx.box(
        rx.grid(
            labelled_select(
                "Type",
                state.kind,
                [set_tagged(GALLERY_NARROWED, state.listing), state.set_kind],
                rows(KIND_LABELS),
                local=GALLERY_FILTERS["kind"],
            ),
            rx.flex(
                rx.box(
                    labelled_select(
                        "Tag",
                        state.tag,
                        [set_tagged(GALLERY_TAGGED, state.listing), state.set_tag],
                        rx.Var.create([{"id": "all", "name": "Any tag"}]) + state.tag_options,
                        local=GALLERY_FILTERS["tag"],
                        value_key="id",
                        label_key="name",
                    ),
                    flex="1",
                    min_width="0",
                ),
                tag_manager(),
                align="end",
                spacing="2",
                min_width="0",
            ),
            labelled_select(
                "Sort",
                state.sort,
                [set_tagged(GALLERY_SORTED, state.listing), state.set_sort],
                rows(SORT_LABELS),
                local=GALLERY_FILTERS["sort"],
            ),
            labelled_date("Created from", state.date_from, state.set_date_from),
            labelled_date("Created to", state.date_to, state.set_date_to),
            rx.vstack(
                rx.text("Show", size="1", color_scheme="gray", as_="div"),
                rx.segmented_control.root(
                    rx.segmented_control.item("Active", value="active"),
                    rx.segmented_control.item("Archived", value="archived"),
                    rx.segmented_control.item("All", value="all"),
                    value=shown(GALLERY_FILTERS["archived"], state.archived),
                    on_change=[
                        GALLERY_FILTERS["archived"].set,
                        set_tagged(GALLERY_SHOWING, state.listing),
                        state.set_archived,
                    ],
                    aria_label="Show active, archived or all assets",
                    width="100%",
                ),
                spacing="1",
                min_width="0",
            ),
            columns=rx.breakpoints(initial="1", xs="2", md="3"),
            spacing="3",
            width="100%",
        ),
        rx.flex(
            rx.el.label(
                rx.checkbox(
                    checked=shown(GALLERY_FILTERS["favourites"], state.favourites_only).to(bool),
                    on_change=[
                        GALLERY_FILTERS["favourites"].set,
                        set_tagged(GALLERY_FAVOURED, state.listing),
                        state.set_favourites_only,
                    ],
                    size="3",
                    aria_label="Favourites only",
                ),
                rx.text("Favourites only", size="2"),
                class_name="fav-only",
                style={"display": "flex", "gap": "0.5rem", "align_items": "center", "min_height": "44px"},
            ),
            align="center",
            width="100%",
            padding_top="2",
        ),
        class_name=rx.cond(state.filters_open, "gallery-filters open", "gallery-filters"),
        width="100%",
    )


def _filters_when_shown() -> rx.Component:
    """The filters, mounted on a phone only once unfolded (folded, its CSS hides them anyway)."""
    return shown_at(_filters(), query=WIDE, open=GalleryState.filters_open)


def _search_row() -> rx.Component:
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=16, aria_hidden="true")),
            type="search",
            placeholder="Search prompts, names, descriptions",
            value=GalleryState.search,
            on_change=GalleryState.set_search,
            debounce_timeout=400,
            aria_label="Search assets",
            size="3",
            flex="1",
            min_width="0",
        ),
        rx.button(
            rx.icon("sliders-horizontal", size=16),
            GalleryState.phone_filters_label,
            variant="soft",
            size="3",
            on_click=GalleryState.toggle_filters,
            aria_expanded=GalleryState.filters_open,
            class_name="filters-toggle",
        ),
        spacing="2",
        width="100%",
    )


def _upload_result(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.cond(
            row.ok,
            rx.icon("circle-check", size=16, color="var(--green-11)", aria_hidden="true"),
            rx.icon("circle-x", size=16, color="var(--red-11)", aria_hidden="true"),
        ),
        rx.text(
            rx.text.strong(row.name, class_name="break-all"),
            rx.cond(row.ok, " — ", " — refused: "),
            row.message,
            size="2",
            color=rx.cond(row.ok, "var(--gray-12)", "var(--red-11)"),
        ),
        spacing="2",
        align="start",
        width="100%",
        class_name="upload-result",
    )


def _upload() -> rx.Component:
    return rx.cond(
        (GalleryState.scope_id != "") | (GalleryState.project_options.length() > 0),
        _upload_zone(),
        rx.text(
            "To upload files, first ",
            rx.link("create a project", href=routes.PROJECTS),
            ".",
            size="2",
            color_scheme="gray",
        ),
    )


def _name_file_input(zone: rx.Component, name: str) -> rx.Component:
    """Give the hidden file input of `rx.upload` an accessible name: the component takes no props for it."""
    pending = [zone]
    while pending:
        node = pending.pop()
        if getattr(node, "tag", None) == "input":
            node.custom_attrs["aria-label"] = name
        pending.extend(node.children)
    return zone


def _upload_zone() -> rx.Component:
    return rx.vstack(
        rx.cond(
            GalleryState.scope_id == "",
            labelled_select(
                "Upload into project",
                GalleryState.upload_project,
                GalleryState.set_upload_project,
                GalleryState.project_options,
                value_key="id",
                label_key="name",
            ),
        ),
        _name_file_input(
            rx.upload.root(
                rx.flex(
                    rx.icon("upload", size=20, color="var(--gray-10)", aria_hidden="true"),
                    rx.text(
                        DROP_HINT,
                        rx.text.span("choose files", color="var(--accent-11)", text_decoration="underline"),
                        size="2",
                    ),
                    spacing="2",
                    align="center",
                    padding="14px",
                    width="100%",
                ),
                id=UPLOAD_ID,
                multiple=True,
                on_drop=GalleryState.upload(
                    rx.upload_files(upload_id=UPLOAD_ID, on_upload_progress=GalleryState.upload_progress)
                ),
                on_drop_rejected=GalleryState.upload_rejected,
                class_name="drop-zone",
                width="100%",
                aria_label="Upload files",
            ),
            "Choose files to upload",
        ),
        rx.cond(
            GalleryState.uploading,
            rx.vstack(
                rx.progress(value=GalleryState.upload_percent, max=100, aria_label="Upload progress"),
                rx.text("Uploading and checking… ", GalleryState.upload_percent, "%", size="1"),
                width="100%",
                role="status",
            ),
        ),
        rx.cond(
            GalleryState.upload_results.length() > 0,
            rx.vstack(rx.foreach(GalleryState.upload_results, _upload_result), spacing="1", width="100%"),
        ),
        spacing="2",
        width="100%",
    )


def _empty() -> rx.Component:
    return rx.card(
        rx.cond(
            GalleryState.filtered,
            rx.vstack(
                rx.icon("search-x", size=32, aria_hidden="true"),
                rx.heading("No assets match", size="4", as_="h2"),
                rx.text("Nothing here fits these filters.", color_scheme="gray", size="2"),
                rx.button("Clear filters", on_click=GalleryState.clear_filters, size="3"),
                align="center",
                spacing="3",
                padding_y="6",
            ),
            rx.vstack(
                rx.icon("images", size=32, aria_hidden="true"),
                rx.heading("No assets yet", size="4", as_="h2"),
                rx.text(
                    "Everything you generate or upload lands here. Generate something, "
                    "or drop files in the box above.",
                    color_scheme="gray",
                    size="2",
                    text_align="center",
                ),
                rx.link(
                    rx.button(rx.icon("sparkles", size=16), "Generate", size="3"),
                    href=GalleryState.generate_url,
                ),
                align="center",
                spacing="3",
                padding_y="6",
            ),
        ),
        width="100%",
    )


def _picked(choice: ClientStateVar, read_for: rx.Var, server: rx.Var) -> rx.Var:
    """What the page narrows its list to for one filter: the pick on this list, else the server's value.

    Nothing ("") where the list was read for one value of the filter: the server's list is what it shows.
    """
    here = choice.value.endswith("@" + GalleryState.listing.to_string())
    return rx.cond(read_for == "all", rx.cond(here, choice.value.split("@")[0], server), "").to(str)


def _hiding(cards: str) -> str:
    return f"[data-cards] > [data-kind]{cards}, [data-cards] > .later-slot {{ display: none; }}"


SORT_LAST = 1_000_000  # CSS order of a card not mounted yet while a sort is shown at the press


def _reordering() -> rx.Var:
    """A sort just picked on a list the page holds whole: each card's place in it (CSS ``order``)."""
    picked = _picked(GALLERY_SORTED, rx.Var.create("all"), GalleryState.sort)
    places = GalleryState.sort_places
    sorts = rx.Var.create(list(SORTS))
    rules = (
        f"(({picked}) === ({GalleryState.sort}) ? '' : "
        f"'[data-cards] > .later-slot {{ order: {SORT_LAST}; }}' + "
        f"Object.entries({places}).map(([id, at]) => "
        f"`[data-asset=\"${{id}}\"] {{ order: ${{at[{sorts}.indexOf({picked})]}}; }}`).join(''))"
    )
    data = VarData.merge(picked._get_all_var_data(), places._get_all_var_data(), sorts._get_all_var_data())
    return rx.Var(_js_expr=rules, _var_data=data).to(str)


def _narrowing() -> rx.Component:
    """A style hiding the cards a filter picked leaves out, on a list read for every choice of it.

    Type, tag, favourites and active/archived: at the press, and while the server's list stays the wider
    one: the cards the list lacked come from the server marked ``data-extra``, hidden again when nothing
    narrows. A sort picked on a list held whole reorders the cards until the server's list comes. Beside
    the grid rather than on it, so the grid of cards does not re-render.
    """
    kind = _picked(GALLERY_NARROWED, GalleryState.cards_kind, GalleryState.kind)
    tag = _picked(GALLERY_TAGGED, GalleryState.cards_tag, GalleryState.tag)
    favoured = _picked(
        GALLERY_FAVOURED,
        rx.cond(GalleryState.cards_favourites, "favourites", "all"),
        GalleryState.favourites_only.to_string(),
    )
    showing = _picked(GALLERY_SHOWING, GalleryState.cards_archived, GalleryState.archived)
    kinds = [value for value, _ in KIND_LABELS if value != "all"]
    by_kind = rx.match(kind, *[(value, _hiding(f":not([data-kind={value}])")) for value in kinds], "")
    by_tag = rx.cond((tag != "") & (tag != "all"), _hiding(":not([data-tags~='" + tag + "'])"), "")
    by_favourite = rx.cond(favoured == "true", _hiding(":not([data-fav])"), "")
    by_archived = rx.match(
        showing, ("active", _hiding("[data-archived]")), ("archived", _hiding(":not([data-archived])")), ""
    )
    narrowed = (
        ((kind != "") & (kind != "all"))
        | ((tag != "") & (tag != "all"))
        | (favoured == "true")
        | (showing == "active")
        | (showing == "archived")
    )
    extras = rx.cond(narrowed, "", "[data-cards] > [data-extra] { display: none; }")
    rules = [by_kind, by_tag, by_favourite, by_archived, extras]
    text = rx.Var.create("").to(str)
    for rule in rules:
        text = text + rule.to(str)
    return rx.el.style(text + _reordering(), custom_attrs={"data-only": kind})


def _grid() -> rx.Component:
    return rx.vstack(
        rx.grid(
            rx.foreach(GalleryState.cards, lambda card, index: later(asset_card(card), index=index)),
            rx.cond(GalleryState.loading_more, rx.fragment(*[skeleton_card() for _ in range(4)])),
            columns=COLUMNS,
            spacing="3",
            width="100%",
            aria_label="Assets",
            role="list",
            custom_attrs={"data-cards": ""},
        ),
        _narrowing(),
        rx.cond(
            GalleryState.has_more & ~GalleryState.loading_more,
            rx.center(
                rx.button(
                    "Load more", id="gallery-more", variant="soft", size="3", on_click=GalleryState.load_more
                ),
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )


def _header() -> rx.Component:
    return rx.vstack(
        rx.cond(
            GalleryState.scope_id != "",
            rx.link(
                rx.hstack(
                    rx.icon("arrow-left", size=16), GalleryState.scope_name, align="center", spacing="1"
                ),
                href=routes.PROJECTS + "/" + GalleryState.scope_id,
                size="2",
                class_name="break-all",
            ),
        ),
        rx.flex(
            rx.heading(
                rx.cond(GalleryState.scope_id != "", "Project assets", "All assets"), size="7", as_="h1"
            ),
            rx.spacer(),
            rx.button(
                rx.cond(GalleryBulkState.selecting, "Done selecting", "Select"),
                rx.icon("square-check", size=16),
                variant=rx.cond(GalleryBulkState.selecting, "solid", "soft"),
                size="3",
                on_click=GalleryBulkState.toggle_selecting,
                aria_pressed=GalleryBulkState.selecting,
            ),
            rx.link(
                rx.button(rx.icon("sparkles", size=16), "Generate", size="3"), href=GalleryState.generate_url
            ),
            spacing="2",
            align="center",
            wrap="wrap",
            width="100%",
        ),
        spacing="2",
        width="100%",
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


def _body() -> rx.Component:
    return rx.vstack(
        _header(),
        _upload(),
        _search_row(),
        _filters_when_shown(),
        rx.cond(
            GalleryState.filtered,
            rx.flex(
                rx.text("Filters are on.", size="2", color_scheme="gray"),
                rx.button(
                    "Clear filters",
                    variant="soft",
                    color_scheme="gray",
                    size="2",
                    on_click=GalleryState.clear_filters,
                ),
                spacing="3",
                align="center",
            ),
        ),
        rx.cond(GalleryState.page_error != "", rx.callout(GalleryState.page_error, color_scheme="red")),
        rx.cond(GalleryState.cards.length() > 0, _grid()),
        rx.cond(~GalleryState.any_shown, _empty()),
        rx.cond(GalleryBulkState.selecting, bulk_bar()),
        bulk_dialogs(),
        spacing="4",
        width="100%",
        class_name="gallery-page",
    )


def gallery_page() -> rx.Component:
    """A grid of asset cards with filters, upload, infinite scroll and bulk actions."""
    return app_page(
        rx.script(src="/gallery.js"),
        rx.cond(
            GalleryState.loaded,
            rx.cond(GalleryState.not_found, _not_found(), _body()),
            gallery_skeleton(),
        ),
        pull_to_refresh([GalleryBulkState.reset_selection, GalleryState.load]),
        skeleton=gallery_skeleton("Checking your session…"),
    )
