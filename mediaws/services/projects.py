"""Projects of one owner: create, list, edit, budget, archive and delete."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mediaws.errors import ConflictError, NotFoundError, ValidationError
from mediaws.models import Project
from mediaws.models.base import utcnow
from mediaws.services import ledger, storage_cleanup
from mediaws.services.validation import clean_name, clean_text

NAME_MAX = 200
DESCRIPTION_MAX = 2000
MICROS_PER_USD = 1_000_000
BUDGET_MAX_USD = Decimal(1_000_000)


@dataclass(frozen=True)
class ProjectCounts:
    """How many projects an owner has, by state."""

    active: int
    archived: int


def parse_project_id(project_id: str | uuid.UUID) -> uuid.UUID:
    """Turn a URL segment into a project id; anything malformed is simply not found."""
    if isinstance(project_id, uuid.UUID):
        return project_id
    try:
        return uuid.UUID(str(project_id))
    except ValueError:
        raise NotFoundError("Project not found.") from None


def parse_budget(text: str | None) -> int | None:
    """Turn a USD amount typed by a person into micro-dollars; blank means no budget."""
    value = (text or "").strip().replace(",", "").removeprefix("$").strip()
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValidationError("Budget must be an amount in USD, like 25 or 12.50.", field="budget") from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError("Budget must be zero or more.", field="budget")
    if amount > BUDGET_MAX_USD:
        raise ValidationError("Budget is too large; the limit is $1,000,000 a month.", field="budget")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError("Budget can have at most two decimals (cents).", field="budget")
    return int(amount * MICROS_PER_USD)


def format_usd(micros: int | None) -> str:
    """Show micro-dollars as dollars and cents."""
    if micros is None:
        return ""
    return f"${Decimal(micros) / MICROS_PER_USD:,.2f}"


def _name_key(name: str) -> str:
    return name.casefold()


def _ensure_unique(session: Session, owner_id: uuid.UUID, name: str, exclude: uuid.UUID | None) -> None:
    query = select(Project.id).where(Project.owner_id == owner_id, Project.name_key == _name_key(name))
    if exclude is not None:
        query = query.where(Project.id != exclude)
    if session.exec(query).first() is not None:
        raise ConflictError(f"You already have a project named “{name}”.", field="name")


def _commit_unique(session: Session, name: str) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(f"You already have a project named “{name}”.", field="name") from None


def create_project(
    *,
    session: Session,
    owner_id: uuid.UUID,
    name: str,
    description: str = "",
    monthly_budget: str | None = None,
) -> Project:
    """Create a project for its owner."""
    clean = clean_name(name, what="Project name", field="name", max_length=NAME_MAX)
    text = clean_text(description, what="Description", field="description", max_length=DESCRIPTION_MAX)
    budget = parse_budget(monthly_budget)
    _ensure_unique(session, owner_id, clean, None)
    project = Project(
        owner_id=owner_id,
        name=clean,
        name_key=_name_key(clean),
        description=text,
        monthly_budget_micros=budget,
    )
    session.add(project)
    _commit_unique(session, clean)
    return project


def get_project(*, session: Session, owner_id: uuid.UUID, project_id: str | uuid.UUID) -> Project:
    """Return one of the owner's projects; anyone else's is not found."""
    project = session.exec(
        select(Project).where(Project.id == parse_project_id(project_id), Project.owner_id == owner_id)
    ).first()
    if project is None:
        raise NotFoundError("Project not found.")
    return project


def list_projects(*, session: Session, owner_id: uuid.UUID, archived: bool = False) -> list[Project]:
    """List active (or archived) projects, most recently active first."""
    query = select(Project).where(Project.owner_id == owner_id)
    query = query.where(
        col(Project.archived_at).is_not(None) if archived else col(Project.archived_at).is_(None)
    )
    query = query.order_by(col(Project.last_activity_at).desc(), col(Project.name_key))
    return list(session.exec(query).all())


def count_projects(*, session: Session, owner_id: uuid.UUID) -> ProjectCounts:
    """Count the owner's active and archived projects."""
    rows = session.exec(
        select(col(Project.archived_at).is_(None), func.count())
        .where(Project.owner_id == owner_id)
        .group_by(col(Project.archived_at).is_(None))
    ).all()
    by_state = {bool(active): int(total) for active, total in rows}
    return ProjectCounts(active=by_state.get(True, 0), archived=by_state.get(False, 0))


def update_project(
    *,
    session: Session,
    owner_id: uuid.UUID,
    project_id: str | uuid.UUID,
    name: str,
    description: str,
    monthly_budget: str | None,
) -> Project:
    """Rename a project, edit its description and set or clear its monthly budget."""
    project = get_project(session=session, owner_id=owner_id, project_id=project_id)
    clean = clean_name(name, what="Project name", field="name", max_length=NAME_MAX)
    text = clean_text(description, what="Description", field="description", max_length=DESCRIPTION_MAX)
    budget = parse_budget(monthly_budget)
    _ensure_unique(session, owner_id, clean, project.id)
    project.name, project.name_key, project.description = clean, _name_key(clean), text
    project.monthly_budget_micros = budget
    project.updated_at = project.last_activity_at = utcnow()
    _commit_unique(session, clean)
    return project


def set_archived(
    *, session: Session, owner_id: uuid.UUID, project_id: str | uuid.UUID, archived: bool
) -> Project:
    """Archive or bring back a project."""
    project = get_project(session=session, owner_id=owner_id, project_id=project_id)
    now = utcnow()
    project.archived_at = now if archived else None
    project.updated_at = now
    session.commit()
    return project


def delete_project(
    *, session: Session, owner_id: uuid.UUID, project_id: str | uuid.UUID, confirm_name: str
) -> None:
    """Delete a project and all it owns once its name is typed to confirm; its files are owed deletes."""
    project = get_project(session=session, owner_id=owner_id, project_id=project_id)
    if confirm_name.strip() != project.name:
        raise ValidationError("Type the project name exactly to confirm deletion.", field="confirm")
    storage_cleanup.queue_project(session, project.id)
    ledger.forget_project(session, project.id, project.name)
    session.flush()
    session.exec(delete(Project).where(col(Project.id) == project.id))
    session.commit()


def project_by_name(*, session: Session, owner_id: uuid.UUID, name: str) -> Project:
    """One of the owner's projects by name, ignoring case."""
    project = session.exec(
        select(Project).where(Project.owner_id == owner_id, Project.name_key == _name_key(name.strip()))
    ).first()
    if project is None:
        raise NotFoundError(f"You have no project named “{name.strip()}”.")
    return project
