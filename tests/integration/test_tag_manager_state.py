"""The "Manage tags" handlers with tag ids from the browser: nobody renames or deletes another's tag."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session

from mediaws.deps import Deps
from mediaws.errors import ConflictError, NotFoundError, ValidationError
from mediaws.models import Asset, Tag, User
from mediaws.services import projects, tags
from mediaws.services.asset_queries import tags_of
from mediaws.state.gallery_rows import AssetCard, TagChip
from mediaws.state.tag_manager import (
    assets_label,
    change_tag,
    chips_of,
    delete_note,
    make_tag,
    patched_cards,
    remove_tag,
    tag_rows,
)
from tests.support.assets import make_asset


def _tagged_asset(session: Session, deps: Deps, owner: User, tag_name: str, colour: str) -> tuple[Asset, Tag]:
    project = projects.create_project(session=session, owner_id=owner.id, name=f"{tag_name} project")
    asset = make_asset(session, deps.storage, owner_id=owner.id, project_id=project.id, kind="text")
    tag = tags.create_tag(session=session, user_id=owner.id, name=tag_name, colour=colour)
    tags.add_tags(session, [asset], [tag])
    session.commit()
    return asset, tag


def test_another_persons_tag_is_not_found_and_stays_as_it_was(
    session: Session, make_deps: Callable[..., Deps], user: User, other_user: User
) -> None:
    """Renaming, recolouring or deleting a foreign tag id (or a malformed one) is refused, nothing changes."""
    deps = make_deps()
    _tagged_asset(session, deps, user, "Keepers", "blue")
    their_asset, theirs = _tagged_asset(session, deps, other_user, "Secret", "red")
    for attempt in (
        lambda: change_tag(session=session, user_id=user.id, tag_id=str(theirs.id), name="Mine now"),
        lambda: change_tag(session=session, user_id=user.id, tag_id=str(theirs.id), colour="green"),
        lambda: remove_tag(session=session, user_id=user.id, tag_id=str(theirs.id)),
        lambda: remove_tag(session=session, user_id=user.id, tag_id="not-a-uuid"),
    ):
        with pytest.raises(NotFoundError):
            attempt()
    session.refresh(theirs)
    assert (theirs.name, theirs.colour) == ("Secret", "red")
    assert [tag.id for tag in tags_of(session=session, asset_ids=[their_asset.id])[their_asset.id]] == [
        theirs.id
    ]
    assert [row.name for row in tag_rows(session=session, user_id=user.id)] == ["Keepers"]
    assert [(row.name, row.count) for row in tag_rows(session=session, user_id=other_user.id)] == [
        ("Secret", 1)
    ]


def test_rename_recolour_create_and_delete_own_tags(
    session: Session, make_deps: Callable[..., Deps], user: User
) -> None:
    """The dialog's list follows each change; a taken name is refused; deleting leaves the asset."""
    deps = make_deps()
    asset, keepers = _tagged_asset(session, deps, user, "Keepers", "blue")
    rows = change_tag(session=session, user_id=user.id, tag_id=str(keepers.id), name="  Best shots ")
    rows = change_tag(session=session, user_id=user.id, tag_id=str(keepers.id), colour="teal")
    assert [(row.name, row.colour, row.count_label) for row in rows] == [("Best shots", "teal", "1 asset")]
    rows = make_tag(session=session, user_id=user.id, name="Drafts", colour="amber")
    drafts = next(row for row in rows if row.name == "Drafts")
    assert drafts.count_label == "No assets" and drafts.colour == "amber"
    with pytest.raises(ConflictError, match="You already have a tag named “best SHOTS”"):
        change_tag(session=session, user_id=user.id, tag_id=drafts.id, name="best SHOTS")
    with pytest.raises(ValidationError):
        change_tag(session=session, user_id=user.id, tag_id=drafts.id, colour="chartreuse")
    assert [(row.name, row.colour) for row in tag_rows(session=session, user_id=user.id)] == [
        ("Best shots", "teal"),
        ("Drafts", "amber"),
    ]
    rows = remove_tag(session=session, user_id=user.id, tag_id=str(keepers.id))
    assert [row.name for row in rows] == ["Drafts"]
    session.refresh(asset)
    assert tags_of(session=session, asset_ids=[asset.id])[asset.id] == []


def test_cards_follow_renamed_and_deleted_tags() -> None:
    """The visible cards' chips are renamed in place, and dropped when their tag is deleted."""
    old = [TagChip(id="t1", name="Keepers", colour="blue"), TagChip(id="t2", name="Drafts", colour="gray")]
    cards = [AssetCard(id="a1", name="fox.png", tags=old), AssetCard(id="a2", name="plain.txt")]
    now = [TagChip(id="t1", name="Best shots", colour="teal")]
    patched = patched_cards(cards, now)
    assert [(card.name, [chip.name for chip in card.tags]) for card in patched] == [
        ("fox.png", ["Best shots"]),
        ("plain.txt", []),
    ]
    assert patched[0].tags[0].colour == "teal"
    assert assets_label(0) == "No assets" and assets_label(1) == "1 asset" and assets_label(3) == "3 assets"
    assert delete_note(2) == "It is removed from 2 assets; the assets stay."
    assert chips_of([]) == []
