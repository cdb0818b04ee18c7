"""The gallery: one project's assets or all of them, filtered, paged by cursor, favourited and uploaded to."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from typing import Any

import reflex as rx

from mediaws import wiring
from mediaws.deps import Deps
from mediaws.errors import MediawsError, NotFoundError, SessionExpired
from mediaws.services import accounts, asset_edits, projects, tags
from mediaws.services.asset_queries import SORTS, places
from mediaws.state.auth import AuthState
from mediaws.state.gallery_rows import (
    ALL,
    AssetCard,
    Filters,
    TagChip,
    gallery_url,
    load_page,
    parse_filters,
    refreshed_cards,
    tag_chip,
)
from mediaws.state.gallery_upload import UploadResult, ingest_one, rejection, spool
from mediaws.state.local_choice import GALLERY_FILTERS, follow_server

PREVIEW_POLLS = 30
PREVIEW_POLL_SECONDS = 2.0
SORT_HELD_MAX = 240
"""Up to this many cards (ten pages), a whole list is sorted on the page; a longer one reads a new page."""


@dataclass
class Choice:
    """A value and its label, for a select."""

    id: str = ""
    name: str = ""


def toast(kind: str, message: str) -> Any:
    """A toast at the top of the screen, clear of the bulk bar at the bottom."""
    return getattr(rx.toast, kind)(message, position="top-center")


def _deps() -> Deps:
    return wiring.app_deps()


def scope_from_path(path: str) -> str:
    """The project id of ``/projects/{id}/assets``, or "" for ``/assets``."""
    parts = path.rstrip("/").split("/")
    if len(parts) >= 4 and parts[-1] == "assets" and parts[-3] == "projects":
        return parts[-2]
    return ""


def _refresh(token: str, asset_ids: list[str]) -> dict[str, AssetCard]:
    deps = _deps()
    with deps.session_factory() as session:
        user = accounts.user_for_token(session=session, token=token)
        return refreshed_cards(session=session, deps=deps, user_id=user.id, asset_ids=asset_ids)


class GalleryState(AuthState):
    """Cards, filters (mirrored in the URL), paging, favourites, uploads; bulk actions are a substate."""

    scope_id: str = ""
    scope_name: str = ""
    not_found: bool = False
    loaded: bool = False
    cards: list[AssetCard] = []
    listing: int = 0
    """Counts the lists of cards read from the first page: a choice made on one list is stale on the next."""
    cards_kind: str = ALL
    """The type the cards were read for: with "all", the page narrows by type itself (see ``extra``)."""
    cards_tag: str = ALL
    """The tag the cards were read for: with "all", the page narrows by tag itself."""
    cards_favourites: bool = False
    """Whether the cards were read for favourites only: if not, the page narrows to favourites itself."""
    cards_archived: str = "active"
    """Active, archived or all, as the cards were read: with "all", the page narrows to one itself."""
    has_more: bool = False
    loading_more: bool = False
    page_error: str = ""
    kind: str = ALL
    tag: str = ALL
    date_from: str = ""
    date_to: str = ""
    favourites_only: bool = False
    archived: str = "active"
    sort: str = "newest"
    search: str = ""
    filters_open: bool = False
    tag_options: list[TagChip] = []
    project_options: list[Choice] = []
    upload_project: str = ""
    uploading: bool = False
    upload_percent: int = 0
    upload_results: list[UploadResult] = []
    _cursor: str = ""
    _every_cursor: str = ""
    """Where the list read for every type or tag goes on ("" once whole), kept while the page narrows."""
    _sort_values: dict[str, tuple[Any, ...]] = {}
    """Each card's values of the sort columns, by id: the page reorders a whole list at the press."""

    @rx.var
    def filtered(self) -> bool:
        """Whether a filter narrows the list (so "nothing matches" differs from "nothing here")."""
        return self._filters().narrows()

    @rx.var
    def any_shown(self) -> bool:
        """Whether a card is on screen: on a list read for every type or tag, a pick hides the rest."""
        return any(self._on_screen(card) for card in self.cards)

    @rx.var
    def sort_places(self) -> dict[str, list[int]]:
        """Each card's place in every sort while the page holds the whole list: a sort shows at the press."""
        if self.has_more or len(self.cards) > SORT_HELD_MAX or any(card.extra for card in self.cards):
            return {}
        values = [self._sort_values.get(card.id) for card in self.cards]
        known = [value for value in values if value is not None]
        if len(self.cards) < 2 or len(known) < len(values):
            return {}
        return {card.id: found for card, found in zip(self.cards, places(known), strict=True)}

    def _narrowed_here(self) -> bool:
        """Whether the page narrows its list itself: a filter picked on a list read for every choice of it."""
        return (
            (self.cards_kind == ALL and self.kind != ALL)
            or (self.cards_tag == ALL and self.tag != ALL)
            or (not self.cards_favourites and self.favourites_only)
            or (self.cards_archived == ALL and self.archived != ALL)
        )

    def _on_screen(self, card: AssetCard) -> bool:
        if not self._narrowed_here():
            return not card.extra
        kind_ok = self.cards_kind != ALL or self.kind in (ALL, card.kind)
        tag_ok = self.cards_tag != ALL or self.tag == ALL or any(chip.id == self.tag for chip in card.tags)
        favourite_ok = self.cards_favourites or not self.favourites_only or card.favourite
        wanted = self.archived == "archived"
        archived_ok = self.cards_archived != ALL or self.archived == ALL or card.archived == wanted
        return kind_ok and tag_ok and favourite_ok and archived_ok

    def _shown(self) -> list[AssetCard]:
        """The cards on screen, in their order."""
        return [card for card in self.cards if self._on_screen(card)]

    @rx.var
    def phone_filters_label(self) -> str:
        """The filter toggle's label, with a hint when filters are on."""
        return "Filters (on)" if self.filtered else "Filters"

    @rx.var
    def generate_url(self) -> str:
        """Where "Generate" goes: into this project when there is one."""
        return "/generate" + (f"?project={self.scope_id}" if self.scope_id else "")

    def _filters(self) -> Filters:
        return Filters(
            kind=self.kind,
            tag=self.tag,
            date_from=self.date_from,
            date_to=self.date_to,
            favourites=self.favourites_only,
            archived=self.archived,
            sort=self.sort,
            search=self.search,
        )

    def _apply_filters(self, filters: Filters) -> None:
        self.kind, self.tag = filters.kind, filters.tag
        self.archived, self.sort = filters.archived, filters.sort
        self.date_from, self.date_to = filters.date_from, filters.date_to
        self.favourites_only, self.search = filters.favourites, filters.search

    @rx.event(background=True)
    async def watch_previews(self) -> None:
        """Show thumbnails as the worker makes them: re-read the pending cards for a while."""
        async with self:
            token = self.session_token
        for _ in range(PREVIEW_POLLS):
            await asyncio.sleep(PREVIEW_POLL_SECONDS)
            async with self:
                waiting = [row.id for row in self.cards if row.pending]
            if not waiting:
                return
            try:
                fresh = await asyncio.to_thread(_refresh, token, waiting)
            except SessionExpired:
                return
            async with self:
                self.cards = [fresh.get(row.id, row) if row.pending else row for row in self.cards]

    def _read(self, cursor: str | None = None) -> tuple[list[AssetCard], str | None]:
        """A page of the cards the filters match, and where the next one starts."""
        found: dict[str, tuple[Any, ...]] = {}
        with self._signed_in() as (session, user):
            page = load_page(
                session=session,
                deps=_deps(),
                user_id=user.id,
                project_id=self.scope_id,
                filters=self._filters(),
                cursor=cursor,
                sort_values=found,
            )
        self._sort_values = {**self._sort_values, **found}
        return page

    def _keep_sort_values(self) -> None:
        """Forget the sort values of cards no longer on the page."""
        ids = {card.id for card in self.cards}
        self._sort_values = {key: value for key, value in self._sort_values.items() if key in ids}

    def _first_page(self) -> Any:
        """Show the first page of what the filters match; returns the login redirect when signed out."""
        self.page_error = ""
        try:
            cards, cursor = self._read()
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError:
            self.not_found, self.cards, self.has_more = True, [], False
            return None
        except MediawsError as exc:
            self.page_error, self.cards, self.has_more = str(exc), [], False
            return None
        self.cards, self._cursor, self.has_more = cards, cursor or "", cursor is not None
        self.cards_kind, self.cards_tag, self._every_cursor = self.kind, self.tag, self._cursor
        self.cards_favourites, self.cards_archived = self.favourites_only, self.archived
        self.listing += 1
        self._keep_sort_values()
        return None

    def _narrow_here(self) -> Any:
        """On a list read for every type or tag: the picked cards, their first page added if it is paged.

        The cards the list lacks come after it in the narrowed order, so they are added at its end.
        """
        every = [card for card in self.cards if not card.extra]
        narrowed = self._narrowed_here()
        if not narrowed or not self._every_cursor:
            if len(every) < len(self.cards):
                self.cards = every
                self._keep_sort_values()
            self._cursor, self.has_more = self._every_cursor, bool(self._every_cursor) and not narrowed
            return None
        self.page_error = ""
        try:
            cards, cursor = self._read()
        except SessionExpired:
            return self._login_redirect()
        except MediawsError as exc:
            return toast("error", str(exc))
        known = {card.id for card in every}
        self.cards = every + [replace(card, extra=True) for card in cards if card.id not in known]
        self._cursor, self.has_more = cursor or "", cursor is not None
        return None

    def _reload_and_remember(self) -> Any:
        """Reload from the first page and put the filters in the address bar (reload and back keep them)."""
        redirect = self._first_page()
        if redirect is not None:
            return redirect
        return self._remember()

    def _remember(self) -> Any:
        """Put the filters in the address bar and make the controls show the server's values again."""
        url = json.dumps(gallery_url(self.scope_id, self._filters()))
        address = f"window.history.replaceState(window.history.state, '', {url});"
        return follow_server(GALLERY_FILTERS, then=address)

    @rx.event
    def load(self) -> Any:
        """Page load: the scope from the path, the filters from the query string, then the first page."""
        self.loaded = self.not_found = self.uploading = False
        self.scope_id, self.scope_name, self.cards, self.upload_results = "", "", [], []
        self.scope_id = scope_from_path(self.router.url.path)
        self._apply_filters(parse_filters(self.router.url.query_parameters))
        try:
            with self._signed_in() as (session, user):
                self.user_email = user.email
                if self.scope_id:
                    self.scope_name = projects.get_project(
                        session=session, owner_id=user.id, project_id=self.scope_id
                    ).name
                owned = projects.list_projects(session=session, owner_id=user.id)
                user_tags = tags.list_tags(session=session, user_id=user.id)
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError:
            self.not_found = self.loaded = True
            return None
        self.project_options = [Choice(id=str(p.id), name=p.name) for p in owned]
        self.upload_project = self.scope_id or (self.project_options[0].id if self.project_options else "")
        self.tag_options = [tag_chip(tag) for tag, _count in user_tags]
        if self.tag != ALL and self.tag not in {chip.id for chip in self.tag_options}:
            self.tag = ALL
        redirect = self._first_page()
        self.loaded = True
        if redirect is not None:
            return redirect
        watch = [GalleryState.watch_previews] if any(row.pending for row in self.cards) else []
        return [*watch, *follow_server(GALLERY_FILTERS)]

    @rx.event
    def load_more(self) -> Any:
        """Append the next page (the scroll sentinel and the "Load more" button both call this)."""
        if not self.has_more or self.loading_more:
            return
        self.loading_more = True
        yield
        try:
            cards, cursor = self._read(self._cursor or None)
        except SessionExpired:
            self.loading_more = False
            yield self._login_redirect()
            return
        except MediawsError as exc:
            self.loading_more = False
            yield toast("error", str(exc))
            return
        seen = {row.id for row in self.cards}
        extra = self._narrowed_here()  # past the pages of the list read for every type or tag
        self.cards = self.cards + [replace(row, extra=extra) for row in cards if row.id not in seen]
        self._cursor, self.has_more, self.loading_more = cursor or "", cursor is not None, False
        if not extra:
            self._every_cursor = self._cursor

    @rx.event
    def set_kind(self, value: str) -> Any:
        """Show one type of asset, or all."""
        self.kind = parse_filters({"kind": value}).kind
        return self._narrow_or_reload(self.cards_kind)

    def _narrow_or_reload(self, read_for: str) -> Any:
        """Narrow the page's list if it was read for every choice of this filter (``read_for``), or reload."""
        if read_for != ALL:
            return self._reload_and_remember()
        redirect = self._narrow_here()  # the page hides the cards the pick leaves out itself
        return redirect if redirect is not None else self._remember()

    @rx.event
    def set_tag(self, value: str) -> Any:
        """Show assets with one of the user's tags, or all."""
        self.tag = value if value in {chip.id for chip in self.tag_options} else ALL
        return self._narrow_or_reload(self.cards_tag)

    @rx.event
    def set_archived(self, value: str | list[str]) -> Any:
        """Show active, archived or all assets."""
        self.archived = parse_filters({"archived": str(value)}).archived
        return self._narrow_or_reload(self.cards_archived)

    @rx.event
    def set_sort(self, value: str) -> Any:
        """Change the order."""
        self.sort = parse_filters({"sort": value}).sort
        held = self.sort_places
        if not held:
            return self._reload_and_remember()
        at = SORTS.index(self.sort)  # the page holds the whole list: put it in that order, as it shows
        self.cards = sorted(self.cards, key=lambda card: held[card.id][at])
        return self._remember()

    @rx.event
    def set_favourites_only(self, value: bool) -> Any:
        """Show only favourites, or everything."""
        self.favourites_only = bool(value)
        return self._narrow_or_reload("favourites" if self.cards_favourites else ALL)

    @rx.event
    def set_date_from(self, value: str) -> Any:
        """Show assets created on or after a day."""
        self.date_from = parse_filters({"from": value}).date_from
        return self._reload_and_remember()

    @rx.event
    def set_date_to(self, value: str) -> Any:
        """Show assets created on or before a day."""
        self.date_to = parse_filters({"to": value}).date_to
        return self._reload_and_remember()

    @rx.event
    def set_search(self, value: str) -> Any:
        """Search prompts, names and descriptions (the input is debounced in the browser)."""
        self.search = parse_filters({"q": value}).search
        return self._reload_and_remember()

    @rx.event
    def clear_filters(self) -> Any:
        """Back to every active asset, newest first."""
        self._apply_filters(Filters())
        return self._reload_and_remember()

    @rx.event
    def toggle_filters(self) -> None:
        """Show or hide the filters on a phone."""
        self.filters_open = not self.filters_open

    @rx.event
    def toggle_favourite(self, asset_id: str) -> Any:
        """Star or unstar one asset; another person's id is simply not found."""
        current = next((row for row in self.cards if row.id == asset_id), None)
        wanted = not current.favourite if current is not None else True
        try:
            with self._signed_in() as (session, user):
                asset = asset_edits.update_asset(
                    session=session,
                    user_id=user.id,
                    asset_id=asset_id,
                    changes=asset_edits.AssetChanges(favourite=wanted),
                )
        except SessionExpired:
            return self._login_redirect()
        except MediawsError as exc:
            return toast("error", str(exc))
        self.cards = [
            AssetCard(**{**row.__dict__, "favourite": asset.favourite}) if row.id == asset_id else row
            for row in self.cards
        ]
        return None

    @rx.event
    def set_upload_project(self, value: str) -> None:
        """Choose the project uploads go to (on the all-assets page)."""
        if value in {choice.id for choice in self.project_options}:
            self.upload_project = value

    @rx.event
    def upload_progress(self, progress: dict[str, Any]) -> None:
        """How much of the upload the browser has sent (the last report, 100%, may come after the end)."""
        done = float(progress.get("progress", 0) or 0)
        if done < 1:
            self.uploading, self.upload_percent = True, max(0, round(done * 100))

    @rx.event
    def upload_rejected(self, rejected: list[dict[str, Any]]) -> None:
        """Files the browser refused before sending (type or size), each with its reason."""
        self.upload_results = [rejection(item) for item in rejected]

    @rx.event
    async def upload(self, files: list[rx.UploadFile]) -> Any:
        """Keep each dropped file as an asset, saying for each whether it was added or why not."""
        self.uploading, self.upload_percent, self.upload_results = True, 100, []
        project_id, token = self.upload_project, self.session_token
        results: list[UploadResult] = []
        for upload in files:
            name = upload.name or "upload"
            path = await asyncio.to_thread(spool, upload.file)
            try:
                results.append(await asyncio.to_thread(ingest_one, token, project_id, path, name))
            finally:
                path.unlink(missing_ok=True)
        self.uploading, self.upload_percent, self.upload_results = False, 0, results
        added = sum(1 for result in results if result.ok)
        redirect = self._first_page()
        if redirect is not None:
            return redirect
        done = (
            toast("success", f"Added {added} file{'s' if added != 1 else ''}.")
            if added == len(results)
            else toast("warning", f"Added {added} of {len(results)} files; see why above.")
        )
        return [done, GalleryState.watch_previews]
