"""Projects of one owner against a real database: CRUD, validation, isolation and cascades."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mediaws.errors import ConflictError, NotFoundError, ValidationError
from mediaws.models import ApiKey, AuthSession, Project, User
from mediaws.models.base import utcnow
from mediaws.security.crypto import Keyring
from mediaws.services import keys, projects


def create(session: Session, owner: User, name: str = "Podcast", **extra: str) -> Project:
    return projects.create_project(session=session, owner_id=owner.id, name=name, **extra)


def reread(engine: Engine, project_id: uuid.UUID) -> Project | None:
    with Session(engine) as fresh:
        return fresh.exec(select(Project).where(Project.id == project_id)).first()


def update_project(
    session: Session,
    owner: User,
    project: Project | uuid.UUID | str,
    name: str,
    description: str = "",
    budget: str | None = None,
) -> Project:
    project_id = project.id if isinstance(project, Project) else project
    return projects.update_project(
        session=session,
        owner_id=owner.id,
        project_id=project_id,
        name=name,
        description=description,
        monthly_budget=budget,
    )


def set_activity(engine: Engine, project: Project, minutes_ago: int) -> None:
    with Session(engine) as other:
        other.exec(
            update(Project)
            .where(col(Project.id) == project.id)
            .values(last_activity_at=utcnow() - timedelta(minutes=minutes_ago))
        )
        other.commit()


def test_create_stores_every_field(session: Session, engine: Engine, user: User) -> None:
    project = create(
        session,
        user,
        "  Launch video ",
        description="  For the spring launch. ",
        monthly_budget="$12.50",
    )
    stored = reread(engine, project.id)
    assert stored is not None
    assert stored.owner_id == user.id
    assert stored.name == "Launch video"
    assert stored.description == "For the spring launch."
    assert stored.monthly_budget_micros == 12_500_000
    assert stored.archived_at is None
    for stamp in (stored.created_at, stored.updated_at, stored.last_activity_at):
        assert stamp.utcoffset() == timedelta(0)


def test_get_and_list_return_only_the_owners_projects(session: Session, user: User, other_user: User) -> None:
    mine = create(session, user, "Mine")
    theirs = create(session, other_user, "Theirs")
    assert projects.get_project(session=session, owner_id=user.id, project_id=str(mine.id)) == mine
    assert [p.id for p in projects.list_projects(session=session, owner_id=user.id)] == [mine.id]
    assert [p.id for p in projects.list_projects(session=session, owner_id=other_user.id)] == [theirs.id]


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_empty_name_is_refused(session: Session, engine: Engine, user: User, name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        create(session, user, name)
    assert caught.value.field == "name"
    assert caught.value.message == "Project name is required."
    assert projects.list_projects(session=session, owner_id=user.id) == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"monthly_budget": "abc"}, "budget"), ({"description": "d" * 2001}, "description")],
)
def test_create_with_bad_fields_stores_nothing(
    session: Session, user: User, extra: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        create(session, user, "Fine name", **extra)
    assert caught.value.field == field
    assert projects.count_projects(session=session, owner_id=user.id).active == 0


def test_name_over_200_characters_is_refused(session: Session, user: User) -> None:
    with pytest.raises(ValidationError) as caught:
        create(session, user, "n" * 201)
    assert caught.value.field == "name"
    assert "201 characters" in caught.value.message
    assert "limit is 200" in caught.value.message


def test_name_of_exactly_200_characters_is_kept(session: Session, engine: Engine, user: User) -> None:
    name = "é" * 200
    project = create(session, user, name)
    stored = reread(engine, project.id)
    assert stored is not None
    assert stored.name == name


def test_name_with_control_characters_is_refused(session: Session, user: User) -> None:
    with pytest.raises(ValidationError) as caught:
        create(session, user, "Bad\x00name")
    assert "control characters" in caught.value.message


def test_duplicate_name_ignores_case_for_the_same_owner(session: Session, engine: Engine, user: User) -> None:
    create(session, user, "Podcast")
    with pytest.raises(ConflictError) as caught:
        create(session, user, "  PODCAST ")
    assert caught.value.field == "name"
    assert "PODCAST" in caught.value.message
    with Session(engine) as fresh:
        assert len(fresh.exec(select(Project)).all()) == 1


def test_another_owner_may_use_the_same_name(session: Session, user: User, other_user: User) -> None:
    create(session, user, "Podcast")
    assert create(session, other_user, "Podcast").name == "Podcast"


def test_archived_projects_still_reserve_their_name(session: Session, user: User) -> None:
    project = create(session, user, "Podcast")
    projects.set_archived(session=session, owner_id=user.id, project_id=project.id, archived=True)
    with pytest.raises(ConflictError):
        create(session, user, "podcast")


@pytest.mark.parametrize(
    "name",
    [
        "<script>alert(1)</script>",
        "Ünïcödé ✓ 日本語 ☕ 🎬🎙️",
        'O\'Brien "quoted" & <b>bold</b>',
        "Robert'); DROP TABLE projects;--",
    ],
)
def test_names_and_descriptions_are_stored_verbatim(
    session: Session, engine: Engine, user: User, name: str
) -> None:
    project = create(session, user, name, description=f"About {name}")
    stored = reread(engine, project.id)
    assert stored is not None
    assert stored.name == name
    assert stored.description == f"About {name}"


@pytest.mark.parametrize("name", ["👩‍💻 Dev diary", "می‌خواهم"], ids=["zwj-emoji", "persian-zwnj"])
def test_names_with_joiners_are_accepted(session: Session, engine: Engine, user: User, name: str) -> None:
    project = create(session, user, name)
    stored = reread(engine, project.id)
    assert stored is not None
    assert stored.name == name


def test_rename_description_and_budget(session: Session, engine: Engine, user: User) -> None:
    project = create(session, user, "Draft", monthly_budget="10")
    update_project(session, user, project, "Final cut", "Edited.", "$1,000.00")
    stored = reread(engine, project.id)
    assert stored is not None
    assert (stored.name, stored.description, stored.monthly_budget_micros) == (
        "Final cut",
        "Edited.",
        1_000_000_000,
    )
    update_project(session, user, project, "Final cut", "", "")
    stored = reread(engine, project.id)
    assert stored is not None
    assert stored.description == ""
    assert stored.monthly_budget_micros is None


def test_renaming_to_a_different_case_of_its_own_name_is_allowed(session: Session, user: User) -> None:
    project = create(session, user, "podcast")
    assert update_project(session, user, project, "Podcast").name == "Podcast"


@pytest.mark.parametrize(
    ("name", "description", "budget", "field"),
    [
        ("", "ok", "5", "name"),
        ("x" * 201, "ok", "5", "name"),
        ("Other", "ok", "5", "name"),
        ("New name", "d" * 2001, "5", "description"),
        ("New name", "ok", "-3", "budget"),
        ("New name", "ok", "1.005", "budget"),
    ],
)
def test_failed_update_leaves_the_project_unchanged(
    session: Session,
    engine: Engine,
    user: User,
    name: str,
    description: str,
    budget: str,
    field: str,
) -> None:
    create(session, user, "Other")
    project = create(session, user, "Original", description="Keep me", monthly_budget="7")
    before = reread(engine, project.id)
    with pytest.raises(ValidationError) as caught:
        update_project(session, user, project, name, description, budget)
    assert caught.value.field == field
    after = reread(engine, project.id)
    assert after is not None
    assert before is not None
    assert after.model_dump() == before.model_dump()
    assert after.name == "Original"
    assert after.description == "Keep me"
    assert after.monthly_budget_micros == 7_000_000


def test_description_limit_is_2000(session: Session, engine: Engine, user: User) -> None:
    project = create(session, user, "Notes", description="d" * 2000)
    stored = reread(engine, project.id)
    assert stored is not None
    assert len(stored.description) == 2000


def test_archive_and_unarchive(session: Session, engine: Engine, user: User) -> None:
    project = create(session, user, "Old stuff")
    projects.set_archived(session=session, owner_id=user.id, project_id=project.id, archived=True)
    assert projects.list_projects(session=session, owner_id=user.id) == []
    archived = projects.list_projects(session=session, owner_id=user.id, archived=True)
    assert [p.id for p in archived] == [project.id]
    stored = reread(engine, project.id)
    assert stored is not None
    assert stored.archived_at is not None
    assert stored.archived_at.utcoffset() == timedelta(0)

    projects.set_archived(session=session, owner_id=user.id, project_id=project.id, archived=False)
    assert [p.id for p in projects.list_projects(session=session, owner_id=user.id)] == [project.id]
    assert projects.list_projects(session=session, owner_id=user.id, archived=True) == []
    stored = reread(engine, project.id)
    assert stored is not None
    assert stored.archived_at is None


def test_count_projects_by_state(session: Session, user: User, other_user: User) -> None:
    assert projects.count_projects(session=session, owner_id=user.id) == projects.ProjectCounts(
        active=0, archived=0
    )
    for name in ("A", "B", "C"):
        create(session, user, name)
    create(session, other_user, "Theirs")
    archived = create(session, user, "D")
    projects.set_archived(session=session, owner_id=user.id, project_id=archived.id, archived=True)
    assert projects.count_projects(session=session, owner_id=user.id) == projects.ProjectCounts(
        active=3, archived=1
    )


def test_list_is_ordered_by_last_activity(session: Session, engine: Engine, user: User) -> None:
    alpha = create(session, user, "Alpha")
    beta = create(session, user, "Beta")
    gamma = create(session, user, "Gamma")
    set_activity(engine, alpha, 30)
    set_activity(engine, beta, 10)
    set_activity(engine, gamma, 20)
    session.expire_all()
    names = [p.name for p in projects.list_projects(session=session, owner_id=user.id)]
    assert names == ["Beta", "Gamma", "Alpha"]

    update_project(session, user, alpha, "Alpha", "touched")
    session.expire_all()
    names = [p.name for p in projects.list_projects(session=session, owner_id=user.id)]
    assert names == ["Alpha", "Beta", "Gamma"]


def test_equal_activity_is_ordered_by_name(session: Session, engine: Engine, user: User) -> None:
    created = [create(session, user, name) for name in ("beta", "Alpha", "gamma")]
    moment = utcnow() - timedelta(minutes=5)
    with Session(engine) as other:
        other.exec(
            update(Project)
            .where(col(Project.id).in_([p.id for p in created]))
            .values(last_activity_at=moment)
        )
        other.commit()
    session.expire_all()
    names = [p.name for p in projects.list_projects(session=session, owner_id=user.id)]
    assert names == ["Alpha", "beta", "gamma"]


def test_someone_elses_project_is_not_found_and_untouched(
    session: Session, engine: Engine, user: User, other_user: User
) -> None:
    theirs = create(session, other_user, "Private", description="secret plans")
    before = reread(engine, theirs.id)
    with pytest.raises(NotFoundError):
        projects.get_project(session=session, owner_id=user.id, project_id=theirs.id)
    with pytest.raises(NotFoundError):
        update_project(session, user, theirs.id, "Hijacked")
    with pytest.raises(NotFoundError):
        projects.set_archived(session=session, owner_id=user.id, project_id=theirs.id, archived=True)
    with pytest.raises(NotFoundError):
        projects.delete_project(
            session=session, owner_id=user.id, project_id=theirs.id, confirm_name="Private"
        )
    after = reread(engine, theirs.id)
    assert after is not None
    assert before is not None
    assert after.model_dump() == before.model_dump()


@pytest.mark.parametrize("project_id", ["abc", "", "   ", "1", str(uuid.uuid4())])
def test_malformed_or_unknown_ids_are_not_found(session: Session, user: User, project_id: str) -> None:
    create(session, user, "Exists")
    with pytest.raises(NotFoundError) as caught:
        projects.get_project(session=session, owner_id=user.id, project_id=project_id)
    assert str(caught.value) == "Project not found."
    with pytest.raises(NotFoundError):
        update_project(session, user, project_id, "Whatever")
    with pytest.raises(NotFoundError):
        projects.set_archived(session=session, owner_id=user.id, project_id=project_id, archived=True)
    with pytest.raises(NotFoundError):
        projects.delete_project(
            session=session, owner_id=user.id, project_id=project_id, confirm_name="Exists"
        )


@pytest.mark.parametrize("confirm", ["", "podcast", "Podcast!", "Pod"])
def test_delete_requires_the_exact_name(session: Session, engine: Engine, user: User, confirm: str) -> None:
    project = create(session, user, "Podcast")
    with pytest.raises(ValidationError) as caught:
        projects.delete_project(
            session=session, owner_id=user.id, project_id=project.id, confirm_name=confirm
        )
    assert caught.value.field == "confirm"
    assert reread(engine, project.id) is not None


def test_delete_with_the_exact_name_removes_the_project(session: Session, engine: Engine, user: User) -> None:
    project = create(session, user, "Podcast")
    keep = create(session, user, "Keep")
    projects.delete_project(
        session=session, owner_id=user.id, project_id=str(project.id), confirm_name=" Podcast "
    )
    assert reread(engine, project.id) is None
    assert reread(engine, keep.id) is not None
    with pytest.raises(NotFoundError):
        projects.get_project(session=session, owner_id=user.id, project_id=project.id)
    assert create(session, user, "Podcast").name == "Podcast"


def test_deleting_a_user_cascades_to_their_rows(
    session: Session,
    engine: Engine,
    make_user: Callable[..., User],
    keyring: Keyring,
) -> None:
    leaving, staying = make_user(), make_user()
    for owner in (leaving, staying):
        create(session, owner, "Project")
        keys.save_key(
            session=session,
            keyring=keyring,
            user_id=owner.id,
            provider="openai",
            secret="sk-test-0123456789abcdef",
        )
        session.add(AuthSession(user_id=owner.id, token_hash=uuid.uuid4().hex, expires_at=utcnow()))
        session.commit()
    with Session(engine) as other:
        other.exec(delete(User).where(col(User.id) == leaving.id))
        other.commit()
    with Session(engine) as fresh:
        for model, owner_column in (
            (Project, Project.owner_id),
            (ApiKey, ApiKey.user_id),
            (AuthSession, AuthSession.user_id),
        ):
            counted = fresh.exec(
                select(func.count()).select_from(model).where(owner_column == leaving.id)
            ).one()
            assert counted == 0
            counted = fresh.exec(
                select(func.count()).select_from(model).where(owner_column == staying.id)
            ).one()
            assert counted == 1
