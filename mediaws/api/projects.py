"""Projects of the caller."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlmodel import Session

from mediaws.api.deps import current_user, get_session
from mediaws.api.schemas import ProjectCreate, ProjectOut
from mediaws.models import User
from mediaws.services import projects

router = APIRouter(prefix="/api/projects", tags=["projects"])


@router.get("", response_model=list[ProjectOut])
def list_projects(
    user: User = Depends(current_user), session: Session = Depends(get_session)
) -> list[ProjectOut]:
    """The caller's active projects, most recently active first."""
    return [ProjectOut.of(p) for p in projects.list_projects(session=session, owner_id=user.id)]


@router.post("", response_model=ProjectOut, status_code=201)
def create_project(
    body: ProjectCreate, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> ProjectOut:
    """Create a project; a name the caller already uses is a conflict."""
    budget = None if body.monthly_budget_usd is None else str(body.monthly_budget_usd)
    project = projects.create_project(
        session=session,
        owner_id=user.id,
        name=body.name,
        description=body.description,
        monthly_budget=budget,
    )
    return ProjectOut.of(project)
