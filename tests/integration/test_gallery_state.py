"""The gallery handlers with ids and query strings from the browser: nobody sees anyone else's assets."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session

from mediaws.deps import Deps
from mediaws.errors import NotFoundError
from mediaws.media.ingest import human_bytes
from mediaws.models import Asset, Project, User
from mediaws.services import asset_edits, ingest, projects
from mediaws.state.gallery import scope_from_path
from mediaws.state.gallery_bulk import select_range, still_offered
from mediaws.state.gallery_rows import (
    Filters,
    all_matching,
    asset_query,
    cost_text,
    gallery_url,
    load_page,
    parse_filters,
)
from mediaws.storage.base import variant_key
from mediaws.storage.supabase import SupabaseStorage
from tests.support import media
from tests.support.assets import make_asset
from tests.support.object_stores import SERVICE_KEY, fake_supabase


def _project(session: Session, user: User, name: str = "Gallery") -> Project:
    return projects.create_project(session=session, owner_id=user.id, name=name)


def _upload(session: Session, deps: Deps, user: User, project: Project, name: str, data: bytes) -> Asset:
    return ingest.ingest_bytes(
        session=session, deps=deps, user_id=user.id, project_id=project.id, data=data, filename=name
    )


def test_filters_from_the_url_fall_back_to_defaults_when_unknown() -> None:
    """Anything a person (or a stale link) puts in the query string is checked value by value."""
    parsed = parse_filters(
        {
            "kind": "pdf",
            "tag": "../../etc",
            "from": "2026-13-40",
            "to": "2026-02-03",
            "fav": "yes",
            "archived": "deleted",
            "sort": "DROP TABLE",
            "q": "x" * 500,
        }
    )
    assert parsed.kind == "all" and parsed.tag == "all" and parsed.sort == "newest"
    assert (parsed.date_from, parsed.date_to) == ("", "2026-02-03")
    assert parsed.favourites is False and parsed.archived == "active"
    assert len(parsed.search) == 200
    wanted = Filters(kind="video", favourites=True, archived="all", sort="cost", search="red fox")
    url = gallery_url("", wanted)
    assert url.startswith("/assets?")
    assert parse_filters(dict(part.split("=") for part in url.split("?")[1].split("&"))).kind == "video"
    assert gallery_url("p1", Filters()) == "/projects/p1/assets"
    days = asset_query(Filters(date_from="2026-02-01", date_to="2026-02-03"), project_id="")
    assert (days.created_from, days.created_to) == (
        datetime(2026, 2, 1, tzinfo=UTC),
        datetime(2026, 2, 4, tzinfo=UTC),
    )
    assert not Filters(sort="name").narrows() and Filters(archived="all").narrows()


def test_card_words() -> None:
    """Sizes read at a glance; shift-click selects the run between two cards."""
    assert human_bytes(512) == "512 bytes"
    assert human_bytes(1536) == "1.5 KB"
    assert human_bytes(3 * 1024 * 1024) == "3 MB"
    assert select_range(["a", "b", "c", "d"], ["b"], "b", "d") == ["b", "c", "d"]
    assert select_range(["a", "b", "c", "d"], [], "d", "b") == ["b", "c", "d"]
    assert scope_from_path("/projects/abc/assets/") == "abc"
    assert scope_from_path("/assets") == ""
    assert still_offered("t1", ["t1", "t2"]) == "t1"
    assert still_offered("t1", ["t2"]) == ""  # a tag deleted in "Manage tags" is no longer picked


def test_a_page_shows_only_the_users_own_assets(
    session: Session, make_deps: Callable[..., Deps], user: User, other_user: User
) -> None:
    """Another person's project is not found, and their assets never show in "all assets"."""
    deps = make_deps()
    mine, theirs = _project(session, user), _project(session, other_user, "Theirs")
    own = _upload(session, deps, user, mine, "mine.png", media.image())
    _upload(session, deps, other_user, theirs, "secret.png", media.image())
    with pytest.raises(NotFoundError):
        load_page(session=session, deps=deps, user_id=user.id, project_id=str(theirs.id), filters=Filters())
    with pytest.raises(NotFoundError):
        load_page(session=session, deps=deps, user_id=user.id, project_id="not-a-uuid", filters=Filters())
    cards, cursor = load_page(session=session, deps=deps, user_id=user.id, project_id="", filters=Filters())
    assert [card.id for card in cards] == [str(own.id)] and cursor is None
    assert cards[0].name == "mine.png" and cards[0].cost == "—" and cards[0].kind == "image"
    assert all_matching(session=session, user_id=user.id, project_id="", filters=Filters()) == [str(own.id)]


def test_bulk_with_a_foreign_id_changes_nothing(
    session: Session, make_deps: Callable[..., Deps], user: User, other_user: User
) -> None:
    """The bulk bar sends ids from the browser; one foreign id refuses the whole action."""
    deps = make_deps()
    mine, theirs = _project(session, user), _project(session, other_user, "Theirs")
    own = _upload(session, deps, user, mine, "mine.txt", b"a short note about foxes\n")
    foreign = _upload(session, deps, other_user, theirs, "secret.png", media.image())
    with pytest.raises(NotFoundError):
        asset_edits.bulk(
            session=session, deps=deps, user_id=user.id, action="archive", asset_ids=[own.id, foreign.id]
        )
    with pytest.raises(NotFoundError):
        asset_edits.update_asset(
            session=session,
            user_id=user.id,
            asset_id=foreign.id,
            changes=asset_edits.AssetChanges(favourite=True),
        )
    session.refresh(foreign)
    session.refresh(own)
    assert own.archived_at is None and foreign.favourite is False
    cards, _ = load_page(
        session=session, deps=deps, user_id=user.id, project_id=str(mine.id), filters=Filters(kind="text")
    )
    assert [card.kind for card in cards] == ["text"]
    assert cost_text(own) == "—"


def test_on_supabase_a_page_of_thumbnails_is_signed_in_one_request(
    session: Session, make_deps: Callable[..., Deps], user: User, tmp_path: Path
) -> None:
    """Supabase signs the whole page at once; a card whose preview vanished shows a placeholder."""
    with fake_supabase(tmp_path / "supabase") as fake:
        store = SupabaseStorage(fake.url, SecretStr(SERVICE_KEY), "mediaws")
        deps = dataclasses.replace(make_deps(), storage=store)
        project = _project(session, user)
        assets = [
            make_asset(session, store, owner_id=user.id, project_id=project.id, name=f"shot {n}")
            for n in range(6)
        ]
        for asset in assets:
            small = variant_key(asset.storage_key, "small", "image/webp")
            store.put(small, b"webp " + asset.name.encode(), "image/webp")
            asset.previews = {"small": {"key": small, "mime": "image/webp", "bytes": 11}}
        session.commit()
        store.delete(assets[0].previews["small"]["key"])
        before = fake.batch_signs
        cards, _ = load_page(
            session=session, deps=deps, user_id=user.id, project_id=str(project.id), filters=Filters()
        )
        assert fake.batch_signs == before + 1
        thumbs = {card.name: card.thumb for card in cards}
        assert thumbs["shot 0"] == ""
        with httpx.Client() as browser:
            for n in range(1, 6):
                assert browser.get(thumbs[f"shot {n}"]).content == f"webp shot {n}".encode()
        store.close()
