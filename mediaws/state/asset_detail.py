"""One asset's page: view it, edit its name, text and tags, share, archive, duplicate or delete it."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from mediaws import routes, wiring
from mediaws.deps import Deps
from mediaws.errors import ConflictError, MediawsError, NotFoundError, SessionExpired, ValidationError
from mediaws.models import User
from mediaws.services import asset_edits, asset_files, asset_lineage, asset_text, tags
from mediaws.services.asset_edits import AssetChanges
from mediaws.services.asset_queries import get_asset, tags_of
from mediaws.state import asset_views as views
from mediaws.state.auth import AuthState
from mediaws.state.toasts import next_page_toast
from mediaws.storage.base import StorageError

T = TypeVar("T")
FORGET_VIEW = (
    "if (new URLSearchParams(location.search).get('view') === '1')"
    " history.replaceState(history.state, '', location.pathname)"
)
SHARE_SECONDS = {seconds for seconds, _ in views.SHARE_CHOICES}
VIEWER_SCRIPT = (
    "(() => { if (window.mwsViewer) { window.mwsViewer.reset(); return; }"
    " if (document.querySelector('script[data-mws-viewer]')) return;"
    " const s = document.createElement('script'); s.src = '/viewer.js'; s.dataset.mwsViewer = '1';"
    " document.head.appendChild(s); })()"
)


def _deps() -> Deps:
    return wiring.app_deps()


class AssetDetailState(AuthState):
    """The asset page; every id comes back through the services' owner checks."""

    loaded: bool = False
    not_found: bool = False
    asset: views.AssetView = views.AssetView()
    facts: list[views.Fact] = []
    tags: list[views.TagChip] = []
    tag_choices: list[views.TagChip] = []
    made: views.MadeBy = views.MadeBy()
    source: list[views.Thumb] = []
    derived: list[views.Thumb] = []
    chain_cost: str = ""
    chain_note: str = ""
    prev_url: str = ""
    next_url: str = ""
    text: str = ""
    text_truncated: bool = False
    text_key: str = ""
    text_error: str = ""
    viewer_open: bool = False
    renaming: bool = False
    describing: bool = False
    share_expiry: str = "86400"
    share_url: str = ""
    delete_open: bool = False
    tag_error: str = ""
    tag_open: bool = False

    def _asset_id(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]

    def _run(self, work: Callable[[Session, User], T]) -> T:
        """Run a service call as the signed-in user (SessionExpired/NotFoundError pass through)."""
        with self._signed_in() as (session, user):
            self.user_email = user.email
            return work(session, user)

    def _show(self, session: Session, user: User) -> None:
        deps = _deps()
        found = asset_lineage.lineage(session=session, user_id=user.id, asset_id=self._asset_id())
        asset = found.asset
        before, after = asset_lineage.neighbours(session=session, user_id=user.id, asset=asset)
        self.asset = views.asset_view(asset, deps)
        self.facts = views.facts(asset)
        own = tags_of(session=session, asset_ids=[asset.id])[asset.id]
        self.tags = views.chips(own)
        mine = {t.id for t in own}
        everything = tags.list_tags(session=session, user_id=user.id)
        self.tag_choices = views.chips([t for t, _ in everything if t.id not in mine])
        self.made = views.made_by(found.generation)
        self.source = [views.thumb(found.source, deps)] if found.source else []
        self.derived = [views.thumb(a, deps) for a in found.derived]
        self.chain_cost = views.chain_cost(found) if found.ancestors or asset.cost_micros else ""
        self.chain_note = "(only the last 20 steps are counted)" if found.cut_short else ""
        self.prev_url = routes.asset_url(str(before.id)) if before else ""
        self.next_url = routes.asset_url(str(after.id)) if after else ""
        self.text, self.text_truncated = "", False
        if asset.kind == "text":
            try:
                body = asset_text.read_text(asset, deps.storage)
                self.text, self.text_truncated = body.text, body.truncated
                self.text_key = f"{asset.id}:{zlib.crc32(body.text.encode())}"
            except StorageError as exc:
                self.text_error = str(exc)
        self.not_found, self.loaded = False, True

    def _gone(self) -> None:
        self.asset, self.facts, self.tags, self.tag_choices = views.AssetView(), [], [], []
        self.made, self.source, self.derived = views.MadeBy(), [], []
        self.text = self.chain_cost = self.prev_url = self.next_url = self.share_url = ""
        self.viewer_open = self.delete_open = False
        self.not_found, self.loaded = True, True

    def _try(self, work: Callable[[Session, User], Any]) -> tuple[bool, Any]:
        """Do one change, then show the asset again; (whether it worked, what to tell the browser)."""

        def both(session: Session, user: User) -> None:
            work(session, user)
            self._show(session, user)

        try:
            self._run(both)
        except SessionExpired:
            return False, self._login_redirect()
        except NotFoundError:
            self._gone()
            return False, None
        except MediawsError as exc:
            return False, rx.toast.error(str(exc))
        return True, None

    def _act(self, work: Callable[[Session, User], Any], done: str = "") -> Any:
        """Do one change and say so, or say what went wrong."""
        ok, event = self._try(work)
        return rx.toast.success(done) if ok and done else event

    @rx.event
    def load(self) -> Any:
        """Page load: the asset if it is the user's, else “not found”; ?view=1 opens the image viewer."""
        self.loaded = self.renaming = self.describing = self.delete_open = False
        self.share_url = self.text_error = self.tag_error = ""
        try:
            self._run(self._show)
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError:
            self._gone()
            return None
        wanted = self.router.url.query_parameters.get("view", "") == "1"
        self.viewer_open = wanted and self.asset.kind == "image"
        return rx.call_script(VIEWER_SCRIPT)

    @rx.event
    def set_viewer(self, open_: bool) -> Any:
        """Open or close the full-screen image viewer."""
        self.viewer_open = open_ and self.asset.kind == "image"
        if self.viewer_open:
            return rx.call_script(VIEWER_SCRIPT)
        return rx.call_script(f"{VIEWER_SCRIPT}; {FORGET_VIEW}")

    @rx.event
    def step(self, direction: str) -> Any:
        """Go to the previous or next asset of the gallery, keeping the viewer open."""
        target = self.prev_url if direction == "prev" else self.next_url
        if not target:
            return None
        return rx.redirect(target + ("?view=1" if self.viewer_open else ""))

    @rx.event
    def set_renaming(self, value: bool) -> None:
        """Show or hide the rename field."""
        self.renaming = value

    @rx.event
    def set_describing(self, value: bool) -> None:
        """Show or hide the description editor."""
        self.describing = value

    def _change(self, changes: AssetChanges) -> Callable[[Session, User], Any]:
        asset_id = self._asset_id()
        return lambda session, user: asset_edits.update_asset(
            session=session, user_id=user.id, asset_id=asset_id, changes=changes
        )

    @rx.event
    def rename(self, form: dict[str, Any]) -> Any:
        """Save a new name."""
        ok, event = self._try(self._change(AssetChanges(name=str(form.get("name", "")))))
        self.renaming = not ok
        return rx.toast.success("Renamed.") if ok else event

    @rx.event
    def describe(self, form: dict[str, Any]) -> Any:
        """Save the description."""
        changes = AssetChanges(description=str(form.get("description", "")))
        self.describing = False
        return self._act(self._change(changes), "Description saved.")

    @rx.event
    def toggle_favourite(self) -> Any:
        """Star or unstar."""
        return self._act(self._change(AssetChanges(favourite=not self.asset.favourite)))

    @rx.event
    def toggle_archived(self) -> Any:
        """Archive, or bring back from the archive."""
        archive = not self.asset.archived
        done = "Archived." if archive else "Back from the archive."
        return self._act(self._change(AssetChanges(archived=archive)), done)

    def _tag_ids(self, add: str = "", drop: str = "") -> tuple[str, ...]:
        kept = [t.id for t in self.tags if t.id != drop]
        return tuple(kept + ([add] if add and add not in kept else []))

    @rx.event
    def add_tag(self, tag_id: str) -> Any:
        """Put one of the user's tags on the asset."""
        return self._act(self._change(AssetChanges(tag_ids=self._tag_ids(add=tag_id))))

    @rx.event
    def remove_tag(self, tag_id: str) -> Any:
        """Take a tag off the asset."""
        return self._act(self._change(AssetChanges(tag_ids=self._tag_ids(drop=tag_id))))

    @rx.event
    def create_tag(self, form: dict[str, Any]) -> Any:
        """Make a new tag with a colour and put it on the asset."""
        self.tag_error = ""
        asset_id = self._asset_id()

        def work(session: Session, user: User) -> None:
            try:
                made = tags.create_tag(
                    session=session,
                    user_id=user.id,
                    name=str(form.get("name", "")),
                    colour=str(form.get("colour", "gray")),
                )
            except (ValidationError, ConflictError) as exc:
                self.tag_error = str(exc)
                return
            ids = (*self._tag_ids(), str(made.id))
            asset_edits.update_asset(
                session=session, user_id=user.id, asset_id=asset_id, changes=AssetChanges(tag_ids=ids)
            )

        event = self._act(work)
        self.tag_open = self.tag_error != ""
        return event

    @rx.event
    def set_tag_open(self, value: bool) -> None:
        """Show or hide the new-tag dialog."""
        self.tag_open = value
        self.tag_error = ""

    @rx.event
    def save_text(self, form: dict[str, Any]) -> Any:
        """Save the edited text as the asset's new content."""
        self.text_error = ""
        asset_id, content = self._asset_id(), str(form.get("content", ""))
        try:
            self._run(
                lambda session, user: asset_text.save_text(
                    session=session, deps=_deps(), user_id=user.id, asset_id=asset_id, content=content
                )
            )
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError:
            self._gone()
            return None
        except (ValidationError, StorageError) as exc:
            self.text_error = str(exc)
            return None
        return self._act(lambda session, user: None, "Text saved.")

    @rx.event
    def set_share_expiry(self, value: str) -> None:
        """Choose how long a share link lives."""
        self.share_expiry = value if value in SHARE_SECONDS else "86400"
        self.share_url = ""

    @rx.event
    def share(self) -> Any:
        """Make a link that serves the file until it expires; share it (Web Share) or copy it, in the page."""
        asset_id, seconds = self._asset_id(), int(self.share_expiry)

        def work(session: Session, user: User) -> str:
            deps = _deps()
            asset = get_asset(session=session, user_id=user.id, asset_id=asset_id)
            return asset_files.file_url(
                asset=asset,
                expires_in=seconds,
                storage=deps.storage,
                keyring=deps.keyring,
                max_expires_in=deps.settings.share_link_max_days * asset_files.DAY_SECONDS,
            )

        try:
            url = self._run(work)
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError:
            self._gone()
            return None
        except MediawsError as exc:
            return rx.toast.error(str(exc))
        self.share_url = url
        title = json.dumps(self.asset.name)
        return rx.call_script(f"window.mwsViewer && window.mwsViewer.share({url!r}, {title})")

    @rx.event
    def duplicate(self) -> Any:
        """Copy the asset (file, previews, tags) and open the copy."""
        asset_id = self._asset_id()
        try:
            copy = self._run(
                lambda session, user: asset_edits.duplicate_asset(
                    session=session, deps=_deps(), user_id=user.id, asset_id=asset_id
                )
            )
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError:
            self._gone()
            return None
        except MediawsError as exc:
            return rx.toast.error(str(exc))
        return [rx.redirect(routes.asset_url(str(copy.id))), next_page_toast("Duplicated.")]

    @rx.event
    def set_delete_open(self, value: bool) -> None:
        """Show or hide the delete confirmation."""
        self.delete_open = value

    @rx.event
    def delete(self, _form: dict[str, Any] | None = None) -> Any:
        """Delete the asset for good and go back to the project's gallery."""
        asset_id, gallery, name = self._asset_id(), self.asset.gallery_url, self.asset.name

        def work(session: Session, user: User) -> None:
            found = get_asset(session=session, user_id=user.id, asset_id=asset_id)
            asset_edits.delete_assets(session=session, deps=_deps(), assets=[found])

        try:
            self._run(work)
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError:
            self._gone()
            return None
        except MediawsError as exc:
            return rx.toast.error(str(exc))
        self.delete_open = False
        return [rx.redirect(gallery), next_page_toast(f"Deleted “{name}”.")]
