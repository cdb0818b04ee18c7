"""Tags: a person's own labels, with a colour, put on and taken off assets."""

from __future__ import annotations

import uuid
from typing import Literal, get_args

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mediaws.errors import ConflictError, NotFoundError, ValidationError
from mediaws.models import Asset, AssetTag, Tag
from mediaws.services import validation
from mediaws.services.asset_queries import parse_id

Colour = Literal[
    "gray", "red", "orange", "amber", "green", "teal", "cyan", "blue", "indigo", "violet", "pink"
]
COLOURS: tuple[str, ...] = get_args(Colour)
NAME_MAX = 40
TAGS_MAX = 500


def _clean_name(name: str) -> str:
    return validation.clean_name(name, what="The tag name", field="name", max_length=NAME_MAX)


def _clean_colour(colour: str) -> str:
    if colour not in COLOURS:
        raise ValidationError(f"Pick one of these colours: {', '.join(COLOURS)}.", field="colour")
    return colour


def list_tags(*, session: Session, user_id: uuid.UUID) -> list[tuple[Tag, int]]:
    """The user's tags by name, each with how many assets carry it."""
    counts = select(AssetTag.tag_id, func.count().label("n")).group_by(col(AssetTag.tag_id)).subquery()
    rows = session.exec(
        select(Tag, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.tag_id == col(Tag.id))
        .where(Tag.owner_id == user_id)
        .order_by(col(Tag.name_key))
    ).all()
    return [(tag, int(count)) for tag, count in rows]


def get_tag(*, session: Session, user_id: uuid.UUID, tag_id: str | uuid.UUID) -> Tag:
    """One of the user's tags."""
    tag = session.exec(select(Tag).where(Tag.id == parse_id(tag_id, "Tag"), Tag.owner_id == user_id)).first()
    if tag is None:
        raise NotFoundError("Tag not found.")
    return tag


def _save(session: Session, tag: Tag) -> Tag:
    wanted = tag.name  # read before the rollback puts the stored name back
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(f"You already have a tag named “{wanted}”.", field="name") from None
    session.refresh(tag)
    return tag


def create_tag(*, session: Session, user_id: uuid.UUID, name: str, colour: str = "gray") -> Tag:
    """A new tag; names are unique per person, ignoring case."""
    cleaned = _clean_name(name)
    count = session.exec(select(func.count()).select_from(Tag).where(Tag.owner_id == user_id)).one()
    if count >= TAGS_MAX:
        raise ValidationError(f"You have {TAGS_MAX} tags already; delete some first.", field="name")
    tag = Tag(owner_id=user_id, name=cleaned, name_key=cleaned.casefold(), colour=_clean_colour(colour))
    session.add(tag)
    return _save(session, tag)


def update_tag(
    *, session: Session, user_id: uuid.UUID, tag_id: str | uuid.UUID, name: str | None, colour: str | None
) -> Tag:
    """Rename or recolour a tag."""
    tag = get_tag(session=session, user_id=user_id, tag_id=tag_id)
    if name is not None:
        tag.name = _clean_name(name)
        tag.name_key = tag.name.casefold()
    if colour is not None:
        tag.colour = _clean_colour(colour)
    session.add(tag)
    return _save(session, tag)


def delete_tag(*, session: Session, user_id: uuid.UUID, tag_id: str | uuid.UUID) -> None:
    """Delete a tag; the assets keep everything else."""
    tag = get_tag(session=session, user_id=user_id, tag_id=tag_id)
    session.exec(delete(AssetTag).where(col(AssetTag.tag_id) == tag.id))
    session.delete(tag)
    session.commit()


def owned_tags(*, session: Session, user_id: uuid.UUID, tag_ids: list[str | uuid.UUID]) -> list[Tag]:
    """The user's tags among these ids, all of them or NotFoundError."""
    wanted = {parse_id(value, "Tag") for value in tag_ids}
    if not wanted:
        return []
    rows = list(session.exec(select(Tag).where(col(Tag.id).in_(wanted), Tag.owner_id == user_id)).all())
    if len(rows) != len(wanted):
        raise NotFoundError("Tag not found.")
    return rows


def add_tags(session: Session, assets: list[Asset], tags: list[Tag]) -> None:
    """Put tags on assets (no commit); tags already there stay once."""
    if not assets or not tags:
        return
    asset_ids = [asset.id for asset in assets]
    present = set(
        session.exec(
            select(AssetTag.asset_id, AssetTag.tag_id).where(
                col(AssetTag.asset_id).in_(asset_ids), col(AssetTag.tag_id).in_([tag.id for tag in tags])
            )
        ).all()
    )
    for asset_id in asset_ids:
        for tag in tags:
            if (asset_id, tag.id) not in present:
                session.add(AssetTag(asset_id=asset_id, tag_id=tag.id))


def remove_tags(session: Session, assets: list[Asset], tags: list[Tag]) -> None:
    """Take tags off assets (no commit)."""
    if not assets or not tags:
        return
    session.exec(
        delete(AssetTag).where(
            col(AssetTag.asset_id).in_([asset.id for asset in assets]),
            col(AssetTag.tag_id).in_([tag.id for tag in tags]),
        )
    )
