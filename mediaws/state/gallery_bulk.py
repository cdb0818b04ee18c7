"""Selecting many gallery cards and acting on them at once: archive, favourite, tag, move, delete."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mediaws.errors import MediawsError, SessionExpired
from mediaws.services import asset_edits, tags
from mediaws.state.gallery import Choice, GalleryState, _deps, toast
from mediaws.state.gallery_rows import SELECT_CAP, all_matching, tag_chip

DONE = {
    "archive": "Archived",
    "unarchive": "Restored",
    "favourite": "Starred",
    "unfavourite": "Unstarred",
    "delete": "Deleted",
    "tag": "Tagged",
    "move": "Moved",
}


def plural(count: int) -> str:
    """``1 asset`` or ``N assets``."""
    return f"{count} asset{'s' if count != 1 else ''}"


def still_offered(value: str, offered: list[str]) -> str:
    """A picker's value while it is still among the choices (a tag deleted meanwhile is not), else ``""``."""
    return value if value in offered else ""


def select_range(order: list[str], selected: list[str], anchor: str, target: str) -> list[str]:
    """The selection after a shift-click: every card from the last clicked one to this one is added."""
    if anchor not in order or target not in order:
        return selected if target in selected else [*selected, target]
    start, end = sorted((order.index(anchor), order.index(target)))
    chosen = set(selected)
    return selected + [asset_id for asset_id in order[start : end + 1] if asset_id not in chosen]


class GalleryBulkState(GalleryState):
    """The "Select" mode and its bar of actions."""

    selecting: bool = False
    selected: list[str] = []
    bulk_tag: str = ""
    move_to: str = ""
    delete_open: bool = False
    new_tag_open: bool = False
    new_tag_error: str = ""
    _anchor: str = ""

    @rx.var
    def selected_count(self) -> int:
        """How many assets are selected."""
        return len(self.selected)

    @rx.var
    def delete_title(self) -> str:
        """The confirmation's question, with how many."""
        return f"Delete {plural(len(self.selected))} for good?"

    @rx.var
    def chosen_tag(self) -> str:
        """The tag picked for the selection, unless it was deleted since (then nothing is picked)."""
        return still_offered(self.bulk_tag, [chip.id for chip in self.tag_options])

    @rx.var
    def move_choices(self) -> list[Choice]:
        """The projects the selection can move to (not the one shown)."""
        return [choice for choice in self.project_options if choice.id != self.scope_id]

    @rx.event
    def reset_selection(self) -> None:
        """Page load: not selecting, nothing selected."""
        self.selecting, self.selected, self._anchor, self.delete_open = False, [], "", False

    @rx.event
    def toggle_selecting(self) -> None:
        """Enter or leave the "Select" mode; leaving drops the selection."""
        self.selecting = not self.selecting
        self.selected, self._anchor = [], ""

    @rx.event
    def toggle_select(self, asset_id: str, shift: bool = False) -> None:
        """Select or unselect one card; with Shift, select every card from the last clicked one."""
        order = [row.id for row in self._shown()]
        if asset_id not in order:
            return
        if shift and self._anchor:
            self.selected = select_range(order, self.selected, self._anchor, asset_id)
        elif asset_id in self.selected:
            self.selected = [value for value in self.selected if value != asset_id]
        else:
            self.selected = [*self.selected, asset_id]
        self._anchor = asset_id

    @rx.event
    def select_all_matching(self) -> Any:
        """Select every asset the filters match (up to SELECT_CAP)."""
        try:
            with self._signed_in() as (session, user):
                found = all_matching(
                    session=session, user_id=user.id, project_id=self.scope_id, filters=self._filters()
                )
        except SessionExpired:
            return self._login_redirect()
        except MediawsError as exc:
            return toast("error", str(exc))
        self.selecting, self.selected = True, found
        return toast("info", f"{plural(len(found))} selected (at most {SELECT_CAP}).")

    @rx.event
    def clear_selection(self) -> None:
        """Select nothing."""
        self.selected, self._anchor = [], ""

    def _run(self, action: str, **extra: Any) -> Any:
        if not self.selected:
            return toast("info", "Select some assets first.")
        try:
            with self._signed_in() as (session, user):
                count = asset_edits.bulk(
                    session=session,
                    deps=_deps(),
                    user_id=user.id,
                    action=action,
                    asset_ids=list(self.selected),
                    **extra,
                )
        except SessionExpired:
            return self._login_redirect()
        except MediawsError as exc:
            return toast("error", str(exc))
        self.selected, self._anchor, self.delete_open = [], "", False
        redirect = self._first_page()
        return redirect or toast("success", f"{DONE.get(action, 'Changed')} {plural(count)}.")

    @rx.event
    def bulk(self, action: str) -> Any:
        """Archive, restore, star or unstar the selection."""
        if action not in ("archive", "unarchive", "favourite", "unfavourite"):
            return None
        return self._run(action)

    @rx.event
    def set_bulk_tag(self, value: str) -> None:
        """Choose the tag to put on the selection."""
        self.bulk_tag = value

    @rx.event
    def apply_tag(self) -> Any:
        """Put the chosen tag on every selected asset."""
        chosen = still_offered(self.bulk_tag, [chip.id for chip in self.tag_options])
        if not chosen:
            self.bulk_tag = ""
            return toast("info", "Choose a tag first.")
        return self._run("tag", tag_ids=[chosen])

    @rx.event
    def open_new_tag(self, open_: bool = True) -> None:
        """Show or hide the new-tag dialog."""
        self.new_tag_open, self.new_tag_error = open_, ""

    @rx.event
    def create_tag(self, form: dict[str, Any]) -> Any:
        """Make a tag and put it on the selection."""
        try:
            with self._signed_in() as (session, user):
                tag = tags.create_tag(
                    session=session,
                    user_id=user.id,
                    name=str(form.get("name", "")),
                    colour=str(form.get("colour", "gray")),
                )
        except SessionExpired:
            return self._login_redirect()
        except MediawsError as exc:
            self.new_tag_error = str(exc)
            return None
        self.tag_options = sorted([*self.tag_options, tag_chip(tag)], key=lambda chip: chip.name.casefold())
        self.new_tag_open, self.bulk_tag = False, str(tag.id)
        if not self.selected:
            return toast("success", f"Created tag “{tag.name}”.")
        return self._run("tag", tag_ids=[str(tag.id)])

    @rx.event
    def set_move_to(self, value: str) -> None:
        """Choose the project to move the selection to."""
        self.move_to = value

    @rx.event
    def move(self) -> Any:
        """Move the selection to another project."""
        if not self.move_to:
            return toast("info", "Choose a project first.")
        return self._run("move", project_id=self.move_to)

    @rx.event
    def open_delete(self, open_: bool = True) -> None:
        """Show or hide the delete confirmation."""
        self.delete_open = open_ and bool(self.selected)

    @rx.event
    def delete(self, _form: dict[str, Any] | None = None) -> Any:
        """Delete the selection for good (the confirmation's form carries nothing)."""
        return self._run("delete")
