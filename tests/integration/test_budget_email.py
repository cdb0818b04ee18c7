"""Budget warnings by email, received by a real SMTP server: at 80 % once, at 100 % once, only if wanted."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from sqlmodel import Session, select

from mediaws import wiring
from mediaws.deps import Deps
from mediaws.models import Project, SentEmail, User
from mediaws.models.base import utcnow
from mediaws.services import accounts, email_outbox, projects
from tests.support.smtp_server import MailServer, free_port, mailing, smtp_server
from tests.support.spend import spend

DOLLAR = 10**12
"""One dollar in pico-dollars."""


@pytest.fixture
def server() -> Iterator[MailServer]:
    """A plain SMTP server on loopback."""
    with smtp_server() as running:
        yield running


@pytest.fixture
def deps(make_deps: Callable[..., Deps], server: MailServer) -> Deps:
    """Real database, files and mail server."""
    return mailing(make_deps(), server.port)


@pytest.fixture
def now() -> datetime:
    """This moment: budgets count the current calendar month (UTC) of the wall clock's spend."""
    return utcnow()


def budgeted(session: Session, owner: User, name: str = "Launch", budget: str = "10") -> Project:
    """A project with a monthly budget in dollars."""
    return projects.create_project(session=session, owner_id=owner.id, name=name, monthly_budget=budget)


def subjects(server: MailServer, owner: User) -> list[str]:
    """The subjects of what the owner received, oldest first."""
    return [mail.subject for mail in server.to(owner.email)]


def test_warned_once_at_80_and_once_when_used_up(
    session: Session, deps: Deps, server: MailServer, user: User, now: datetime
) -> None:
    """$8.50 of $10 warns once; at $10.20 a second, different email says new generations are refused."""
    project = budgeted(session, user)
    spend(session, user, project.id, now, 4 * DOLLAR)
    assert email_outbox.send_due(deps, now) == []  # 40 %: nothing yet
    spend(session, user, project.id, now, 45 * DOLLAR // 10)
    [warning] = email_outbox.send_due(deps, now)
    assert (warning.kind, warning.to) == ("budget_80", user.email)
    assert email_outbox.send_due(deps, now) == []
    [first] = server.to(user.email)
    assert first.subject == "“Launch” has used 85 % of its monthly budget"
    assert "$8.50" in first.body("plain") and "$10.00" in first.body("plain")
    assert f"/projects/{project.id}" in first.body("plain")

    spend(session, user, project.id, now, 17 * DOLLAR // 10)
    [used_up] = email_outbox.send_due(deps, now)
    assert used_up.kind == "budget_100"
    assert email_outbox.send_due(deps, now) == [] and email_outbox.send_due(deps, now) == []
    assert subjects(server, user) == [
        "“Launch” has used 85 % of its monthly budget",
        "“Launch” has used its monthly budget: new generations are refused",
    ]
    assert "$10.20" in server.to(user.email)[1].body("plain")


def test_jumping_past_the_budget_sends_only_the_used_up_email(
    session: Session, deps: Deps, server: MailServer, user: User, now: datetime
) -> None:
    """One big generation from 0 to 120 %: one email, the one that matters."""
    project = budgeted(session, user)
    spend(session, user, project.id, now, 12 * DOLLAR)
    assert [s.kind for s in email_outbox.send_due(deps, now)] == ["budget_100"]
    assert email_outbox.send_due(deps, now) == []
    assert len(server.received) == 1


def test_an_owner_who_turned_warnings_off_gets_none(
    session: Session,
    deps: Deps,
    server: MailServer,
    user: User,
    make_user: Callable[..., User],
    now: datetime,
) -> None:
    """Budget emails are on by default; turned off, no warning goes, and others still get theirs."""
    other = make_user()
    assert user.budget_emails and other.budget_emails
    accounts.set_email_choices(session=session, user_id=user.id, budgets=False)
    session.commit()
    for owner in (user, other):
        spend(session, owner, budgeted(session, owner).id, now, 9 * DOLLAR)
    assert [s.to for s in email_outbox.send_due(deps, now)] == [other.email]
    assert server.to(user.email) == []
    assert session.exec(select(SentEmail.user_id)).all() == [other.id]


def test_a_new_budget_arms_the_warnings_again(
    session: Session, deps: Deps, server: MailServer, user: User, now: datetime
) -> None:
    """After the used-up email the owner raises the budget; reaching 80 % of the new one warns again."""
    project = budgeted(session, user)
    spend(session, user, project.id, now, 10 * DOLLAR)
    assert [s.kind for s in email_outbox.send_due(deps, now)] == ["budget_100"]
    projects.update_project(
        session=session,
        owner_id=user.id,
        project_id=project.id,
        name="Launch",
        description="",
        monthly_budget="12",
    )
    spend(session, user, project.id, now, DOLLAR)
    assert [s.kind for s in email_outbox.send_due(deps, now)] == ["budget_80"]
    assert subjects(server, user)[-1] == "“Launch” has used 91 % of its monthly budget"


def test_the_chore_looks_only_at_projects_that_spent_since_its_last_run(
    session: Session, deps: Deps, server: MailServer, user: User, now: datetime
) -> None:
    """The worker's chore warns as spend comes in, once per level, across many runs."""
    chore = email_outbox.EmailChore(deps)
    project: uuid.UUID = budgeted(session, user).id
    assert chore() == []
    spend(session, user, project, utcnow(), 8 * DOLLAR)
    assert [s.kind for s in chore()] == ["budget_80"]
    assert chore() == []
    spend(session, user, project, utcnow(), 2 * DOLLAR)
    assert [s.kind for s in chore()] == ["budget_100"]
    assert chore() == [] and chore() == []
    assert len(server.to(user.email)) == 2


def test_the_workers_chores_send_warnings_and_a_dead_server_does_not_stop_them(
    session: Session, make_deps: Callable[..., Deps], user: User, now: datetime
) -> None:
    """Wired into a job worker, the email chore sends the warning; with the server down it only logs."""
    spend(session, user, budgeted(session, user).id, now, 9 * DOLLAR)
    port = free_port()
    deps = mailing(make_deps(), port)
    wiring.job_worker(deps).run_chores(force=True)
    assert session.exec(select(SentEmail)).all() == []
    with smtp_server(port=port) as server:
        wiring.job_worker(deps).run_chores(force=True)
    assert [mail.subject for mail in server.received] == ["“Launch” has used 90 % of its monthly budget"]
