"""The two email choices of an account: their defaults, the setters behind the switches, the migration."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from mediaws import migrations
from mediaws.db import make_engine
from mediaws.errors import NotFoundError
from mediaws.models import Project, User
from mediaws.services import accounts
from tests.integration.test_migrations import _insert_old


def fresh(session: Session, person: User) -> User:
    """The person's row as the database has it now."""
    session.expire_all()
    found = session.get(User, person.id)
    assert found is not None
    return found


def test_summary_is_opt_in_and_budget_warnings_opt_out(session: Session, user: User) -> None:
    """A new account gets budget warnings and no monthly summary until it asks."""
    assert (fresh(session, user).summary_emails, fresh(session, user).budget_emails) == (False, True)


def test_each_switch_saves_its_own_choice_and_only_the_callers(
    session: Session, user: User, other_user: User
) -> None:
    """Turning one email on or off leaves the other choice, and every other account, as it was."""
    accounts.set_email_choices(session=session, user_id=user.id, summary=True)
    session.commit()
    assert (fresh(session, user).summary_emails, fresh(session, user).budget_emails) == (True, True)
    accounts.set_email_choices(session=session, user_id=user.id, budgets=False)
    session.commit()
    assert (fresh(session, user).summary_emails, fresh(session, user).budget_emails) == (True, False)
    accounts.set_email_choices(session=session, user_id=user.id, summary=False)
    session.commit()
    assert (fresh(session, user).summary_emails, fresh(session, user).budget_emails) == (False, False)
    assert (fresh(session, other_user).summary_emails, fresh(session, other_user).budget_emails) == (
        False,
        True,
    )


def test_an_unknown_account_is_not_found(session: Session) -> None:
    """A stale id changes nothing."""
    with pytest.raises(NotFoundError):
        accounts.set_email_choices(session=session, user_id=uuid.uuid4(), summary=True)


def test_the_migration_gives_existing_accounts_the_defaults_and_keeps_their_data(fresh_db_url: str) -> None:
    """Accounts from before 0012 get no summary and budget warnings; nothing hanging off users is lost."""
    migrations.upgrade(fresh_db_url, "0011")
    engine = make_engine(fresh_db_url)
    user, project = uuid.uuid4(), uuid.uuid4()
    when = datetime(2026, 11, 1, tzinfo=UTC)
    try:
        with Session(engine) as session:
            _insert_old(
                session,
                User,
                id=user,
                email="old@example.com",
                password_hash="x",
                auth_backend="local",
                created_at=when,
            )
            _insert_old(
                session,
                Project,
                id=project,
                owner_id=user,
                name="Kept",
                name_key="kept",
                description="",
                created_at=when,
                updated_at=when,
                last_activity_at=when,
            )
            session.commit()
        migrations.upgrade(fresh_db_url)
        with Session(engine) as session:
            row = session.get(User, user)
            assert row is not None and (row.summary_emails, row.budget_emails) == (False, True)
            assert session.exec(select(Project.name)).all() == ["Kept"]
    finally:
        engine.dispose()
