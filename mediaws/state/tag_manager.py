"""The gallery's "Manage tags" dialog: rename, recolour and delete the user's tags, or make new ones."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from mediaws.errors import MediawsError, NotFoundError, SessionExpired
from mediaws.services import tags
from mediaws.state.gallery import GalleryState, toast
from mediaws.state.gallery_rows import ALL, AssetCard, TagChip


@dataclass
class TagRow:
    """One of the user's tags in the dialog, with how many assets carry it."""

    id: str = ""
    name: str = ""
    colour: str = "gray"
    count: int = 0
    count_label: str = ""
    delete_note: str = ""
    error: str = ""


def assets_label(count: int) -> str:
    """``No assets``, ``1 asset`` or ``N assets``."""
    if count == 0:
        return "No assets"
    return f"{count} asset{'s' if count != 1 else ''}"


def delete_note(count: int) -> str:
    """What deleting a tag does to the assets carrying it."""
    if count == 0:
        return "No asset carries it."
    return f"It is removed from {assets_label(count)}; the assets stay."


def tag_rows(*, session: Session, user_id: uuid.UUID) -> list[TagRow]:
    """The user's tags by name, each with its asset count."""
    return [
        TagRow(
            id=str(tag.id),
            name=tag.name,
            colour=tag.colour,
            count=count,
            count_label=assets_label(count),
            delete_note=delete_note(count),
        )
        for tag, count in tags.list_tags(session=session, user_id=user_id)
    ]


def change_tag(
    *, session: Session, user_id: uuid.UUID, tag_id: str, name: str | None = None, colour: str | None = None
) -> list[TagRow]:
    """Rename or recolour one of the user's tags (another person's id is NotFoundError); the list after."""
    tags.update_tag(session=session, user_id=user_id, tag_id=tag_id, name=name, colour=colour)
    return tag_rows(session=session, user_id=user_id)


def remove_tag(*, session: Session, user_id: uuid.UUID, tag_id: str) -> list[TagRow]:
    """Delete one of the user's tags, leaving its assets; the list after."""
    tags.delete_tag(session=session, user_id=user_id, tag_id=tag_id)
    return tag_rows(session=session, user_id=user_id)


def make_tag(*, session: Session, user_id: uuid.UUID, name: str, colour: str) -> list[TagRow]:
    """A new tag; the list after."""
    tags.create_tag(session=session, user_id=user_id, name=name, colour=colour)
    return tag_rows(session=session, user_id=user_id)


def chips_of(rows: list[TagRow]) -> list[TagChip]:
    """The rows as the gallery's tag filter options and card chips."""
    return [TagChip(id=row.id, name=row.name, colour=row.colour) for row in rows]


def patched_cards(cards: list[AssetCard], chips: list[TagChip]) -> list[AssetCard]:
    """The cards with their tag chips renamed, recoloured, or dropped when the tag is gone."""
    current = {chip.id: chip for chip in chips}
    return [
        AssetCard(**{**card.__dict__, "tags": [current[t.id] for t in card.tags if t.id in current]})
        for card in cards
    ]


Work = Callable[[Session, uuid.UUID], list[TagRow]]


def _and_say(effect: Any, message: str) -> Any:
    """The change's follow-up (a reload) if any, then a success toast."""
    done = toast("success", message)
    return [effect, done] if effect is not None else done


class TagManagerState(GalleryState):
    """The dialog's tag list, its inline errors and the delete confirmation."""

    manage_open: bool = False
    rows: list[TagRow] = []
    confirm_id: str = ""
    new_colour: str = "blue"
    new_error: str = ""
    new_key: int = 0

    def _sync_gallery(self, rows: list[TagRow]) -> Any:
        """Show the new list, and the tags as they are now in the filter and on the cards."""
        self.rows = rows
        self.tag_options = chips_of(rows)
        self.cards = patched_cards(list(self.cards), self.tag_options)
        if self.tag != ALL and self.tag not in {row.id for row in rows}:
            self.tag = ALL
            return self._reload_and_remember()
        return None

    def _do(self, work: Work, *, row_id: str = "") -> tuple[bool, Any]:
        """Run a change; its error goes under the row's field (or the new-tag field) or in a toast."""
        missing = ""
        try:
            with self._signed_in() as (session, user):
                try:
                    rows = work(session, user.id)
                except NotFoundError as exc:
                    missing, rows = str(exc), tag_rows(session=session, user_id=user.id)
        except SessionExpired:
            return False, self._login_redirect()
        except MediawsError as exc:
            if row_id:
                self.rows = [
                    TagRow(**{**row.__dict__, "error": str(exc) if row.id == row_id else ""})
                    for row in self.rows
                ]
            else:
                self.new_error = str(exc)
            return False, None
        effect = self._sync_gallery(rows)
        if missing:
            return False, [toast("error", missing), *([effect] if effect is not None else [])]
        self.new_error = ""
        return True, effect

    @rx.event
    def set_manage_open(self, value: bool) -> Any:
        """Open the dialog with the tags read afresh, or close it."""
        self.manage_open, self.confirm_id, self.new_error = bool(value), "", ""
        if not value:
            return None
        try:
            with self._signed_in() as (session, user):
                rows = tag_rows(session=session, user_id=user.id)
        except SessionExpired:
            return self._login_redirect()
        return self._sync_gallery(rows)

    @rx.event
    def rename(self, form: dict[str, Any]) -> Any:
        """Give a tag a new name (the row's form: its id and the name typed)."""
        tag_id, name = str(form.get("tag_id", "")), str(form.get("name", ""))
        done, effect = self._do(
            lambda session, user_id: change_tag(session=session, user_id=user_id, tag_id=tag_id, name=name),
            row_id=tag_id,
        )
        if not done:
            return effect
        fresh = next((row.name for row in self.rows if row.id == tag_id), name.strip())
        return _and_say(effect, f"Renamed to “{fresh}”.")

    @rx.event
    def recolour(self, tag_id: str, colour: str) -> Any:
        """Give a tag another colour."""
        _done, effect = self._do(
            lambda session, user_id: change_tag(
                session=session, user_id=user_id, tag_id=tag_id, colour=colour
            ),
            row_id=tag_id,
        )
        return effect

    @rx.event
    def ask_delete(self, tag_id: str) -> None:
        """Ask before deleting a tag (the question shows in its row)."""
        self.confirm_id = tag_id

    @rx.event
    def cancel_delete(self) -> None:
        """Keep the tag."""
        self.confirm_id = ""

    @rx.event
    def delete(self, tag_id: str) -> Any:
        """Delete a tag; the assets that carried it stay."""
        name = next((row.name for row in self.rows if row.id == tag_id), "")
        done, effect = self._do(
            lambda session, user_id: remove_tag(session=session, user_id=user_id, tag_id=tag_id)
        )
        self.confirm_id = ""
        return _and_say(effect, f"Deleted tag “{name}”.") if done else effect

    @rx.event
    def set_new_colour(self, value: str) -> None:
        """Choose the new tag's colour."""
        if value in tags.COLOURS:
            self.new_colour = value

    @rx.event
    def create(self, form: dict[str, Any]) -> Any:
        """Make a new tag with the chosen colour; the field empties when it worked."""
        name, colour = str(form.get("name", "")), self.new_colour
        done, effect = self._do(
            lambda session, user_id: make_tag(session=session, user_id=user_id, name=name, colour=colour)
        )
        if not done:
            return effect
        self.new_key += 1
        return _and_say(effect, f"Created tag “{name.strip()}”.")
