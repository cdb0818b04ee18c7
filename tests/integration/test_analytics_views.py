"""What the analytics pages read besides the dashboard: filter choices, budget use and lineage costs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import Session

from mediaws.models import Asset, Project, User
from mediaws.services import analytics, asset_lineage, projects
from tests.support.spend import enter, finished


def _project(session: Session, owner: User, name: str, budget_micros: int | None = None) -> Project:
    project = Project(
        owner_id=owner.id, name=name, name_key=uuid.uuid4().hex, monthly_budget_micros=budget_micros
    )
    session.add(project)
    session.flush()
    return project


def _asset(session: Session, project: Project, cost: int, source: Asset | None = None) -> Asset:
    asset = Asset(
        owner_id=project.owner_id,
        project_id=project.id,
        source_asset_id=source.id if source else None,
        kind="image",
        storage_key=f"k/{uuid.uuid4()}",
        mime_type="image/png",
        cost_micros=cost,
    )
    session.add(asset)
    session.flush()
    return asset


def test_choices_list_what_was_spent_on_and_own_projects_only(
    session: Session, user: User, other_user: User
) -> None:
    """Providers and models come from the person's spend; a deleted project stays, marked; no one else's."""
    now = datetime.now(UTC)
    kept = _project(session, user, "Kept")
    gone = _project(session, user, "Gone")
    idle = _project(session, user, "idle")
    theirs = _project(session, other_user, "Theirs")
    for owner, project, provider in (
        (user, kept, "openai"),
        (user, gone, "anthropic"),
        (other_user, theirs, "gemini"),
    ):
        enter(session, finished(owner.id, project.id, now, 5, provider=provider, model="m"))
    session.commit()
    projects.delete_project(session=session, owner_id=user.id, project_id=gone.id, confirm_name="Gone")

    found = analytics.choices(session, user.id)

    assert found.providers == ["anthropic", "openai"]
    assert found.models == [("anthropic", "m"), ("openai", "m")]
    assert found.projects == [
        (str(idle.id), "idle"),
        (str(kept.id), "Kept"),
        (str(gone.id), "Gone (deleted)"),
    ]


def test_budget_use_sums_budgeted_projects_of_the_month(
    session: Session, user: User, other_user: User
) -> None:
    """Only projects with a budget count, each with this month's spend; another person's never."""
    now = datetime.now(UTC)
    small = _project(session, user, "Small", budget_micros=1_000_000)
    large = _project(session, user, "Large", budget_micros=9_000_000)
    free = _project(session, user, "Unbudgeted")
    theirs = _project(session, other_user, "Theirs", budget_micros=1)
    for owner, project, picos in ((user, small, 900_000 * 10**6), (user, large, 600_000 * 10**6)):
        enter(session, finished(owner.id, project.id, now, picos))
    enter(session, finished(user.id, free.id, now, 10**12))
    enter(session, finished(other_user.id, theirs.id, now, 10**12))
    session.commit()

    every = analytics.budget_use(session, user_id=user.id)
    one = analytics.budget_use(session, user_id=user.id, project_id=small.id)
    none = analytics.budget_use(session, user_id=user.id, project_id=free.id)

    assert (every.spent_micros, every.budget_micros, every.projects, every.used_percent) == (
        1_500_000,
        10_000_000,
        2,
        15,
    )
    assert (one.spent_micros, one.used_percent) == (900_000, 90)
    assert none.used_percent is None


def test_chain_costs_add_up_each_original_with_what_was_made_from_it(
    session: Session, user: User, other_user: User
) -> None:
    """An original and its edits of edits cost their sum; single assets and other people's don't show."""
    project = _project(session, user, "Film")
    poster = _asset(session, project, 500)
    edit = _asset(session, project, 30, source=poster)
    _asset(session, project, 7, source=edit)
    clip = _asset(session, project, 100)
    _asset(session, project, 900, source=clip)
    _asset(session, project, 10_000)
    looped = _asset(session, project, 1)
    other = _asset(session, project, 2, source=looped)
    looped.source_asset_id = other.id
    theirs = _project(session, other_user, "Theirs")
    _asset(session, theirs, 5, source=_asset(session, theirs, 5))
    session.commit()

    chains = asset_lineage.chain_costs(session=session, user_id=user.id, project_id=project.id)

    assert [(c.root.id, c.assets, c.cost_micros) for c in chains[:2]] == [
        (clip.id, 2, 1_000),
        (poster.id, 3, 537),
    ]
    assert len(chains) == 3 and (chains[2].assets, chains[2].cost_micros) == (2, 3)
    assert asset_lineage.chain_costs(session=session, user_id=other_user.id, project_id=project.id) == []
