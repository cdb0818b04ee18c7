"""The asset library on SQLite and PostgreSQL: pages, filters, search, organising, bulk, deletes owed."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from mediaws import migrations
from mediaws.deps import Deps
from mediaws.errors import ConflictError, NotFoundError, ValidationError
from mediaws.models import Asset, AssetTag, StorageDeletion, User
from mediaws.models.base import utcnow
from mediaws.services import asset_edits, asset_queries, asset_stats, projects, storage_cleanup, tags
from mediaws.services.asset_edits import AssetChanges
from mediaws.services.asset_queries import AssetQuery
from mediaws.storage import LocalStorage, StorageError
from tests.support.assets import make_asset, spaced


class FlakyStorage(LocalStorage):
    """Local files whose deletes fail while ``broken`` is set, as a store that is down would."""

    broken = False

    def delete(self, key: str) -> None:
        """Fail like an unreachable store, or delete."""
        if self.broken:
            raise StorageError("The store did not answer.")
        super().delete(key)


@pytest.fixture
def deps(make_deps: Callable[..., Deps], tmp_path: Path) -> Deps:
    """Real database, real files (with deletes that can be made to fail)."""
    return dataclasses.replace(make_deps(), storage=FlakyStorage(tmp_path / "files"))


@pytest.fixture
def project_id(session: Session, user: User) -> uuid.UUID:
    """A project of the user."""
    return projects.create_project(session=session, owner_id=user.id, name="Library").id


def _files(tmp_path: Path) -> set[str]:
    root = tmp_path / "files"
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _walk(session: Session, user: User, query: AssetQuery) -> list[Asset]:
    found: list[Asset] = []
    cursor = None
    while True:
        page = asset_queries.list_assets(
            session=session, user_id=user.id, query=AssetQuery(**{**query.__dict__, "cursor": cursor})
        )
        found += page.items
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def _mixed(session: Session, deps: Deps, user: User, project_id: uuid.UUID) -> list[Asset]:
    """23 assets with ties on time, cost and name (settled by id)."""
    times = spaced(9)
    kinds = ["image", "video", "audio", "text"]
    return [
        make_asset(
            session,
            deps.storage,
            owner_id=user.id,
            project_id=project_id,
            kind=kinds[index % 4],
            name=f"Item {index % 5}",
            created_at=times[index % 9],
            cost_micros=(index % 3) * 1000,
            data=b"x" if index % 4 == 3 else None,
        )
        for index in range(23)
    ]


@pytest.mark.parametrize("sort", ["newest", "oldest", "type", "cost", "name"])
def test_pages_follow_the_sort_with_nothing_missed_or_repeated(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, sort: str
) -> None:
    made = _mixed(session, deps, user, project_id)
    walked = _walk(session, user, AssetQuery(project_id=project_id, sort=sort, limit=5))  # type: ignore[arg-type]
    assert len(walked) == 23 and {a.id for a in walked} == {a.id for a in made}
    keys = {
        "newest": lambda a: (-a.created_at.timestamp(), _neg(a.id)),
        "oldest": lambda a: (a.created_at.timestamp(), a.id.hex),
        "type": lambda a: (a.kind, -a.created_at.timestamp(), _neg(a.id)),
        "cost": lambda a: (-a.cost_micros, _neg(a.id)),
        "name": lambda a: (a.name_key, a.id.hex),
    }
    assert [a.id for a in walked] == [a.id for a in sorted(made, key=keys[sort])]


@pytest.mark.parametrize("sort", ["newest", "oldest", "type", "cost", "name"])
def test_a_page_holding_every_asset_orders_them_as_the_database_does(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, sort: str
) -> None:
    """The gallery reorders a whole list at the press from each card's place: the server's order after."""
    made = _mixed(session, deps, user, project_id)
    held = sorted(made, key=lambda a: a.id.hex[::-1])  # whatever order the page holds them in
    walked = _walk(session, user, AssetQuery(project_id=project_id, sort=sort))  # type: ignore[arg-type]
    at = asset_queries.SORTS.index(sort)  # type: ignore[arg-type]
    found = asset_queries.places([asset_queries.sort_values(asset) for asset in held])
    placed = sorted(zip((place[at] for place in found), held, strict=True), key=lambda pair: pair[0])
    assert [asset.id for _, asset in placed] == [asset.id for asset in walked]
    assert sorted(place[at] for place in found) == list(range(23))


def _settle() -> None:
    """Wait for the background deletes started by the services."""
    for thread in threading.enumerate():
        if thread.name == "storage-cleanup":
            thread.join(timeout=30)


def _neg(value: uuid.UUID) -> str:
    return "".join(f"{15 - int(ch, 16):x}" for ch in value.hex)


def test_filters_narrow_the_list(session: Session, deps: Deps, user: User, project_id: uuid.UUID) -> None:
    old = make_asset(
        session,
        deps.storage,
        owner_id=user.id,
        project_id=project_id,
        created_at=utcnow() - timedelta(days=40),
    )
    video = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, kind="video")
    audio = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, kind="audio")
    red = tags.create_tag(session=session, user_id=user.id, name="Red", colour="red")
    blue = tags.create_tag(session=session, user_id=user.id, name="Blue", colour="blue")
    asset_edits.bulk(
        session=session,
        deps=deps,
        user_id=user.id,
        action="tag",
        asset_ids=[video.id, audio.id],
        tag_ids=[red.id],
    )
    asset_edits.bulk(
        session=session, deps=deps, user_id=user.id, action="tag", asset_ids=[audio.id], tag_ids=[blue.id]
    )
    asset_edits.bulk(session=session, deps=deps, user_id=user.id, action="favourite", asset_ids=[old.id])
    asset_edits.bulk(session=session, deps=deps, user_id=user.id, action="archive", asset_ids=[video.id])

    def ids(**kw: object) -> set[uuid.UUID]:
        query = AssetQuery(project_id=project_id, **kw)  # type: ignore[arg-type]
        return {a.id for a in asset_queries.list_assets(session=session, user_id=user.id, query=query).items}

    assert ids() == {old.id, audio.id}
    assert ids(archived="archived") == {video.id}
    assert ids(archived="all") == {old.id, video.id, audio.id}
    assert ids(kinds=("video", "audio"), archived="all") == {video.id, audio.id}
    assert ids(tag_ids=(red.id,), archived="all") == {video.id, audio.id}
    assert ids(tag_ids=(red.id, blue.id), archived="all") == {audio.id}
    assert ids(favourite=True) == {old.id}
    assert ids(created_from=utcnow() - timedelta(days=1)) == {audio.id}
    assert ids(created_to=utcnow() - timedelta(days=30)) == {old.id}
    page = asset_queries.list_assets(
        session=session, user_id=user.id, query=AssetQuery(project_id=project_id)
    )
    assert [t.name for t in page.tags[audio.id]] == ["Blue", "Red"]


def test_search_finds_prompt_name_and_description_words_by_prefix(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    fox = make_asset(
        session, deps.storage, owner_id=user.id, project_id=project_id, prompt="A quick brown fox at dawn"
    )
    named = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, name="Café poster")
    described = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id)
    asset_edits.update_asset(
        session=session,
        user_id=user.id,
        asset_id=described.id,
        changes=AssetChanges(description="For the Foxhole newsletter"),
    )

    def found(text: str) -> set[uuid.UUID]:
        query = AssetQuery(project_id=project_id, search=text)
        return {a.id for a in asset_queries.list_assets(session=session, user_id=user.id, query=query).items}

    assert found("fox") == {fox.id, described.id}
    assert found("brown dawn") == {fox.id}
    assert found("CAFÉ") == {named.id}
    assert found("poster") == {named.id}
    for hostile in ('"', "fox*", "a:b & c | !d", "') OR 1=1 --", "NEAR(x y)", "\\", "%_"):
        found(hostile)  # never an error, whatever the syntax of the engine's query language
    assert found("fox') OR 1=1 --") == set()
    asset_edits.update_asset(
        session=session, user_id=user.id, asset_id=named.id, changes=AssetChanges(name="Renamed")
    )
    assert found("poster") == set() and found("renamed") == {named.id}
    asset_edits.delete_assets(session=session, deps=deps, assets=[fox])
    assert found("brown") == set()


def test_bad_cursors_are_refused_with_a_clear_message(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    for _ in range(3):
        make_asset(session, deps.storage, owner_id=user.id, project_id=project_id)
    page = asset_queries.list_assets(
        session=session, user_id=user.id, query=AssetQuery(project_id=project_id, limit=1)
    )
    assert page.next_cursor
    for cursor, sort in ((page.next_cursor, "name"), ("not-a-cursor", "newest"), ("W10", "newest")):
        with pytest.raises(ValidationError, match="cursor is not valid"):
            asset_queries.list_assets(
                session=session,
                user_id=user.id,
                query=AssetQuery(project_id=project_id, cursor=cursor, sort=sort),  # type: ignore[arg-type]
            )


def test_another_users_assets_projects_and_tags_are_not_found(
    session: Session, deps: Deps, user: User, other_user: User, project_id: uuid.UUID
) -> None:
    mine = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id)
    theirs_project = projects.create_project(session=session, owner_id=other_user.id, name="Theirs").id
    theirs = make_asset(session, deps.storage, owner_id=other_user.id, project_id=theirs_project)
    their_tag = tags.create_tag(session=session, user_id=other_user.id, name="Secret")
    with pytest.raises(NotFoundError):
        asset_queries.list_assets(
            session=session, user_id=user.id, query=AssetQuery(project_id=theirs_project)
        )
    with pytest.raises(NotFoundError):
        asset_queries.get_asset(session=session, user_id=user.id, asset_id=theirs.id)
    with pytest.raises(NotFoundError):
        asset_edits.update_asset(
            session=session, user_id=user.id, asset_id=theirs.id, changes=AssetChanges(name="x")
        )
    with pytest.raises(NotFoundError):
        asset_edits.duplicate_asset(session=session, deps=deps, user_id=user.id, asset_id=theirs.id)
    for action in ("archive", "delete", "favourite"):
        with pytest.raises(NotFoundError):
            asset_edits.bulk(
                session=session,
                deps=deps,
                user_id=user.id,
                action=action,
                asset_ids=[mine.id, theirs.id],  # type: ignore[arg-type]
            )
    with pytest.raises(NotFoundError):
        asset_edits.bulk(
            session=session,
            deps=deps,
            user_id=user.id,
            action="tag",
            asset_ids=[mine.id],
            tag_ids=[their_tag.id],
        )
    with pytest.raises(NotFoundError):
        asset_edits.bulk(
            session=session,
            deps=deps,
            user_id=user.id,
            action="move",
            asset_ids=[mine.id],
            project_id=theirs_project,
        )
    with pytest.raises(NotFoundError):
        tags.update_tag(session=session, user_id=user.id, tag_id=their_tag.id, name="Mine now", colour=None)
    session.expire_all()
    row = session.get(Asset, mine.id)
    assert row is not None and row.archived_at is None and not row.favourite and row.project_id == project_id
    assert session.get(Asset, theirs.id) is not None
    page = asset_queries.list_assets(session=session, user_id=user.id, query=AssetQuery(archived="all"))
    assert [a.id for a in page.items] == [mine.id]


def test_deleting_removes_rows_and_files_and_a_failing_store_is_retried(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, tmp_path: Path
) -> None:
    kept = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id)
    gone = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id)
    assert isinstance(deps.storage, FlakyStorage)
    deps.storage.broken = True
    asset_edits.bulk(session=session, deps=deps, user_id=user.id, action="delete", asset_ids=[gone.id])
    assert session.get(Asset, gone.id) is None
    _settle()  # the delete's own attempt, in the background, failed
    storage_cleanup.drain(
        session_factory=deps.session_factory, storage=deps.storage, now=utcnow() + timedelta(minutes=10)
    )
    assert gone.storage_key in _files(tmp_path)  # the store is down: the file waits, the debt is kept
    with deps.session_factory() as check:
        owed = check.exec(select(StorageDeletion)).all()
        assert [(row.key, row.attempts) for row in owed] == [(gone.storage_key, 2)]
        assert owed[0].last_error == "The store did not answer."
    deps.storage.broken = False
    assert (
        storage_cleanup.drain(session_factory=deps.session_factory, storage=deps.storage)[0] == 0
    )  # not due yet
    later = utcnow() + timedelta(hours=1)
    assert storage_cleanup.drain(session_factory=deps.session_factory, storage=deps.storage, now=later) == (
        1,
        0,
    )
    assert _files(tmp_path) == {kept.storage_key}
    with deps.session_factory() as check:
        assert storage_cleanup.owed(check) == 0


def test_deleting_a_project_owes_the_delete_of_every_file(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, tmp_path: Path
) -> None:
    other = projects.create_project(session=session, owner_id=user.id, name="Other").id
    keep = make_asset(session, deps.storage, owner_id=user.id, project_id=other)
    for _ in range(3):
        make_asset(session, deps.storage, owner_id=user.id, project_id=project_id)
    projects.delete_project(session=session, owner_id=user.id, project_id=project_id, confirm_name="Library")
    assert storage_cleanup.owed(session) == 3
    storage_cleanup.drain(session_factory=deps.session_factory, storage=deps.storage)
    assert _files(tmp_path) == {keep.storage_key}


def test_moving_assets_moves_their_files_to_the_new_project_folder(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, tmp_path: Path
) -> None:
    target = projects.create_project(session=session, owner_id=user.id, name="Target").id
    asset = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, data=None)
    data = deps.storage.get(asset.storage_key)
    old_key = asset.storage_key
    moved = asset_edits.bulk(
        session=session, deps=deps, user_id=user.id, action="move", asset_ids=[asset.id], project_id=target
    )
    assert moved == 1
    _settle()
    storage_cleanup.drain(session_factory=deps.session_factory, storage=deps.storage)
    session.expire_all()
    row = session.get(Asset, asset.id)
    assert row is not None and row.project_id == target and row.storage_key.split("/")[1] == str(target)
    assert deps.storage.get(row.storage_key) == data
    assert _files(tmp_path) == {row.storage_key} and old_key not in _files(tmp_path)


def test_duplicate_copies_the_file_and_tags(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    source = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, name="Hero shot")
    tag = tags.create_tag(session=session, user_id=user.id, name="Final")
    asset_edits.update_asset(
        session=session,
        user_id=user.id,
        asset_id=source.id,
        changes=AssetChanges(tag_ids=(tag.id,), favourite=True),
    )
    copy = asset_edits.duplicate_asset(session=session, deps=deps, user_id=user.id, asset_id=source.id)
    assert copy.id != source.id and copy.name == "Hero shot (copy)" and not copy.favourite
    assert copy.storage_key != source.storage_key
    assert deps.storage.get(copy.storage_key) == deps.storage.get(source.storage_key)
    assert {
        row.tag_id for row in session.exec(select(AssetTag).where(AssetTag.asset_id == copy.id)).all()
    } == {tag.id}


def test_names_tags_and_descriptions_are_checked(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    asset = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id)
    renamed = asset_edits.update_asset(
        session=session, user_id=user.id, asset_id=asset.id, changes=AssetChanges(name="  New Name ")
    )
    assert renamed.name == "New Name" and renamed.name_key == "new name"
    for changes, field in (
        (AssetChanges(name="   "), "name"),
        (AssetChanges(name="tab\there"), "name"),
        (AssetChanges(name="bell\x07"), "name"),
        (AssetChanges(name="rtl\u202eexe.png"), "name"),
        (AssetChanges(name="x" * 201), "name"),
        (AssetChanges(name="a\x00b"), "name"),
        (AssetChanges(description="d" * 5001), "description"),
    ):
        with pytest.raises(ValidationError) as caught:
            asset_edits.update_asset(session=session, user_id=user.id, asset_id=asset.id, changes=changes)
        assert caught.value.field == field
    tags.create_tag(session=session, user_id=user.id, name="Draft")
    with pytest.raises(ConflictError):
        tags.create_tag(session=session, user_id=user.id, name=" DRAFT ")
    with pytest.raises(ValidationError):
        tags.create_tag(session=session, user_id=user.id, name="Ok", colour="mauve")
    listed = tags.list_tags(session=session, user_id=user.id)
    assert [(t.name, n) for t, n in listed] == [("Draft", 0)]


def test_stats_count_assets_and_bytes_by_kind_and_project(
    session: Session, deps: Deps, user: User, other_user: User, project_id: uuid.UUID
) -> None:
    second = projects.create_project(session=session, owner_id=user.id, name="Second").id
    make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, kind="text", data=b"12345")
    make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, kind="text", data=b"123")
    make_asset(session, deps.storage, owner_id=user.id, project_id=second, kind="image")
    theirs = projects.create_project(session=session, owner_id=other_user.id, name="Theirs").id
    make_asset(session, deps.storage, owner_id=other_user.id, project_id=theirs, kind="text", data=b"1")
    found = asset_stats.user_stats(session=session, user_id=user.id)
    assert found.total.count == 3
    assert found.projects[project_id].kinds == {"text": (2, 8)}
    assert set(found.projects) == {project_id, second}
    assert asset_stats.all_users(session=session)[other_user.id].bytes == 1


def test_search_is_right_after_vacuum_and_a_rebuild(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, db_url: str
) -> None:
    if not db_url.startswith("sqlite"):
        assert migrations.rebuild_search(db_url) is False  # PostgreSQL's column follows by itself
        return
    first = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, prompt="alpha wolf")
    second = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, prompt="beta bear")
    third = make_asset(session, deps.storage, owner_id=user.id, project_id=project_id, prompt="gamma crow")
    asset_edits.delete_assets(session=session, deps=deps, assets=[first])
    session.close()
    with session.get_bind().connect() as conn:  # type: ignore[union-attr]
        conn.exec_driver_sql("VACUUM")
    assert migrations.rebuild_search(db_url) is True

    def found(word: str) -> list[uuid.UUID]:
        query = AssetQuery(project_id=project_id, search=word)
        return [a.id for a in asset_queries.list_assets(session=session, user_id=user.id, query=query).items]

    assert (found("bear"), found("crow"), found("wolf")) == ([second.id], [third.id], [])
