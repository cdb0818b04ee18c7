"""The caller's tags: list, create, rename or recolour, delete."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from mediaws.api.asset_schemas import TagCreate, TagPatch
from mediaws.api.deps import SessionFactory, current_user, get_session_factory
from mediaws.api.schemas import TagOut, error_responses
from mediaws.models import User
from mediaws.services import tags

router = APIRouter(prefix="/api/tags", tags=["tags"])


@router.get("", response_model=list[TagOut])
def list_tags(
    user: User = Depends(current_user), sessions: SessionFactory = Depends(get_session_factory)
) -> list[TagOut]:
    """The caller's tags by name, each with how many assets carry it."""
    with sessions() as session:
        return [TagOut.of(tag, count) for tag, count in tags.list_tags(session=session, user_id=user.id)]


@router.post("", response_model=TagOut, status_code=201, responses=error_responses(409))
def create_tag(
    body: TagCreate,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
) -> TagOut:
    """A new tag; a name the caller already uses (ignoring case) is a conflict."""
    with sessions() as session:
        return TagOut.of(
            tags.create_tag(session=session, user_id=user.id, name=body.name, colour=body.colour)
        )


@router.patch("/{tag_id}", response_model=TagOut, responses=error_responses(409))
def update_tag(
    tag_id: str,
    body: TagPatch,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
) -> TagOut:
    """Rename or recolour a tag."""
    with sessions() as session:
        tag = tags.update_tag(
            session=session, user_id=user.id, tag_id=tag_id, name=body.name, colour=body.colour
        )
        return TagOut.of(tag)


@router.delete("/{tag_id}", status_code=204, response_class=Response)
def delete_tag(
    tag_id: str, user: User = Depends(current_user), sessions: SessionFactory = Depends(get_session_factory)
) -> Response:
    """Delete a tag; its assets keep everything else."""
    with sessions() as session:
        tags.delete_tag(session=session, user_id=user.id, tag_id=tag_id)
    return Response(status_code=204)
