"""An asset's lineage, the chain's cost, its gallery neighbours and its editable text, on a real database."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from mediaws.deps import Deps
from mediaws.errors import NotFoundError, ValidationError
from mediaws.models import Asset, Generation, User
from mediaws.services import asset_lineage, asset_text, projects
from mediaws.storage import storage_key

START = datetime(2026, 11, 1, 12, tzinfo=UTC)


@pytest.fixture
def deps(make_deps: Callable[..., Deps]) -> Deps:
    """Real database and real files in a temp dir."""
    return make_deps()


@pytest.fixture
def project_id(session: Session, user: User) -> uuid.UUID:
    """A project of the user."""
    return projects.create_project(session=session, owner_id=user.id, name="Chains").id


def _asset(
    session: Session,
    owner: uuid.UUID,
    project: uuid.UUID,
    *,
    minutes: int = 0,
    cost: int = 0,
    source: uuid.UUID | None = None,
    kind: str = "image",
    mime: str = "image/png",
) -> Asset:
    asset_id = uuid.uuid4()
    asset = Asset(
        id=asset_id,
        owner_id=owner,
        project_id=project,
        kind=kind,
        storage_key=storage_key(owner, project, asset_id, mime),
        mime_type=mime,
        name=f"asset {minutes}",
        cost_micros=cost,
        source_asset_id=source,
        created_at=START + timedelta(minutes=minutes),
    )
    session.add(asset)
    session.commit()
    return asset


def test_lineage_names_source_derived_and_sums_the_chain(
    session: Session, user: User, project_id: uuid.UUID
) -> None:
    """Grandparent → parent → asset → two children: the chain costs the three, children are listed."""
    first = _asset(session, user.id, project_id, minutes=1, cost=100_000)
    second = _asset(session, user.id, project_id, minutes=2, cost=20_000, source=first.id)
    third = _asset(session, user.id, project_id, minutes=3, cost=3_000, source=second.id)
    kids = [_asset(session, user.id, project_id, minutes=4 + n, cost=7, source=third.id) for n in range(2)]
    found = asset_lineage.lineage(session=session, user_id=user.id, asset_id=third.id)
    assert found.source is not None and found.source.id == second.id
    assert [a.id for a in found.ancestors] == [second.id, first.id]
    assert [a.id for a in found.derived] == [kids[1].id, kids[0].id]
    assert found.chain_cost_micros == 123_000
    assert found.cut_short is False


def test_the_generation_behind_an_asset_comes_along(
    session: Session, user: User, project_id: uuid.UUID
) -> None:
    """An asset made by a generation shows that generation."""
    made = Generation(
        owner_id=user.id,
        project_id=project_id,
        capability="image",
        provider="openai",
        model="gpt-image-1",
        prompt="a red fox",
        status="succeeded",
        cost_micros=40_000,
        cost_source="provider_usage",
    )
    session.add(made)
    session.commit()
    asset = _asset(session, user.id, project_id, cost=40_000)
    asset.generation_id = made.id
    session.add(asset)
    session.commit()
    found = asset_lineage.lineage(session=session, user_id=user.id, asset_id=asset.id)
    assert found.generation is not None and found.generation.prompt == "a red fox"


def test_a_loop_in_the_chain_ends_and_a_long_chain_is_capped(
    session: Session, user: User, project_id: uuid.UUID
) -> None:
    """Sources pointing round in a circle never hang; a chain longer than the cap stops at the cap."""
    a = _asset(session, user.id, project_id, minutes=1, cost=1)
    b = _asset(session, user.id, project_id, minutes=2, cost=10, source=a.id)
    a.source_asset_id = b.id
    session.add(a)
    session.commit()
    looped = asset_lineage.lineage(session=session, user_id=user.id, asset_id=b.id)
    assert [x.id for x in looped.ancestors] == [a.id]
    assert looped.chain_cost_micros == 11

    chain = [_asset(session, user.id, project_id, minutes=10, cost=1)]
    for n in range(30):
        chain.append(_asset(session, user.id, project_id, minutes=11 + n, cost=1, source=chain[-1].id))
    capped = asset_lineage.lineage(session=session, user_id=user.id, asset_id=chain[-1].id, depth=20)
    assert len(capped.ancestors) == 20 and capped.cut_short is True
    assert capped.chain_cost_micros == 21


def test_someone_elses_asset_is_not_found_and_their_sources_stay_hidden(
    session: Session, user: User, other_user: User, project_id: uuid.UUID
) -> None:
    """Another person's asset id is not found; a source owned by someone else is not shown."""
    theirs_project = projects.create_project(session=session, owner_id=other_user.id, name="Theirs").id
    theirs = _asset(session, other_user.id, theirs_project, cost=5)
    with pytest.raises(NotFoundError):
        asset_lineage.lineage(session=session, user_id=user.id, asset_id=theirs.id)
    with pytest.raises(NotFoundError):
        asset_lineage.lineage(session=session, user_id=user.id, asset_id="not-a-uuid")
    mine = _asset(session, user.id, project_id, cost=7, source=theirs.id)
    found = asset_lineage.lineage(session=session, user_id=user.id, asset_id=mine.id)
    assert found.ancestors == [] and found.chain_cost_micros == 7


def test_neighbours_follow_the_gallery_order(session: Session, user: User, project_id: uuid.UUID) -> None:
    """Newest first: the previous asset is the newer one, the next the older; the ends have none."""
    old, mid, new = (_asset(session, user.id, project_id, minutes=m) for m in (1, 2, 3))
    other_project = projects.create_project(session=session, owner_id=user.id, name="Elsewhere").id
    _asset(session, user.id, other_project, minutes=2)
    before, after = asset_lineage.neighbours(session=session, user_id=user.id, asset=mid)
    assert (before and before.id, after and after.id) == (new.id, old.id)
    assert asset_lineage.neighbours(session=session, user_id=user.id, asset=new)[0] is None
    assert asset_lineage.neighbours(session=session, user_id=user.id, asset=old)[1] is None
    before, after = asset_lineage.neighbours(session=session, user_id=user.id, asset=mid, sort="oldest")
    assert (before and before.id, after and after.id) == (old.id, new.id)


def test_text_is_saved_read_back_and_checked(
    session: Session, deps: Deps, user: User, other_user: User, project_id: uuid.UUID
) -> None:
    """Saving replaces the content, size and excerpt; bad text, big text and a stranger change nothing."""
    note = _asset(session, user.id, project_id, kind="text", mime="text/markdown")
    deps.storage.put(note.storage_key, b"# Draft\n", "text/markdown")
    assert asset_text.read_text(note, deps.storage).text == "# Draft\n"
    saved = asset_text.save_text(
        session=session, deps=deps, user_id=user.id, asset_id=note.id, content="# Final\n\nShip it ✨"
    )
    assert asset_text.read_text(saved, deps.storage) == asset_text.TextBody("# Final\n\nShip it ✨", False)
    assert saved.bytes == len("# Final\n\nShip it ✨".encode()) and saved.excerpt == "# Final Ship it ✨"
    for bad in ("nul \x00 here", "x" * (asset_text.TEXT_MAX_BYTES + 1)):
        with pytest.raises(ValidationError):
            asset_text.save_text(session=session, deps=deps, user_id=user.id, asset_id=note.id, content=bad)
    with pytest.raises(NotFoundError):
        asset_text.save_text(
            session=session, deps=deps, user_id=other_user.id, asset_id=note.id, content="mine"
        )
    assert asset_text.read_text(note, deps.storage).text == "# Final\n\nShip it ✨"


def test_reading_stops_at_the_limit_without_breaking_a_character(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """A text longer than the limit is cut before a split character and said to be cut."""
    note = _asset(session, user.id, project_id, kind="text", mime="text/plain")
    deps.storage.put(note.storage_key, "aé".encode() * 10, "text/plain")
    body = asset_text.read_text(note, deps.storage, limit=4)
    assert body == asset_text.TextBody("aéa", True)
