"""Projects of the caller."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from mediaws.api.deps import SessionFactory, current_user, get_session_factory
from mediaws.api.schemas import ProjectCreate, ProjectOut, error_responses
from mediaws.models import User
from mediaws.services import projects

router = APIRouter(prefix="/api/projects", tags=["projects"])


@router.get("", response_model=list[ProjectOut])
def list_projects(
    user: User = Depends(current_user), sessions: SessionFactory = Depends(get_session_factory)
) -> list[ProjectOut]:
    """The caller's active projects, most recently active first."""
    with sessions() as session:
        return [ProjectOut.of(p) for p in projects.list_projects(session=session, owner_id=user.id)]


@router.post("", response_model=ProjectOut, status_code=201, responses=error_responses(409))
def create_project(
    body: ProjectCreate,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
) -> ProjectOut:
    """Create a project; a name the caller already uses is a conflict."""
    budget = None if body.monthly_budget_usd is None else str(body.monthly_budget_usd)
    with sessions() as session:
        project = projects.create_project(
            session=session,
            owner_id=user.id,
            name=body.name,
            description=body.description,
            monthly_budget=budget,
        )
        return ProjectOut.of(project)
