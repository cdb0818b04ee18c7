"""Budget warnings: a project's owner hears once when 80 % of its monthly budget is used, once when all is.

Budgets count the calendar month in UTC, queued work included (``generation.month_spend_micros``), so the
warnings agree with the project page and with the check that refuses new generations. The key names the
budget too: raising or lowering it mid-month arms both warnings again for the new amount.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import exists
from sqlmodel import Session, col, select

from mediaws import routes
from mediaws.config import Settings
from mediaws.mail import Message
from mediaws.models import Project, SentEmail, UsageBucket, User
from mediaws.services import generation
from mediaws.services.analytics import BUDGET_WARNING_PERCENT
from mediaws.services.email_text import Row, Table, html_page, one_line, text_page
from mediaws.services.projects import format_usd
from mediaws.services.sent_emails import Owed, taken

WARNING = "budget_80"
USED_UP = "budget_100"


def month_start(now: datetime) -> datetime:
    """Midnight UTC on the first of ``now``'s month: where budgets start counting."""
    return datetime(now.year, now.month, 1, tzinfo=UTC)


def used_percent(spent_micros: int, budget_micros: int) -> int:
    """How much of a budget is used, rounded down (a zero budget is all used)."""
    return 100 if budget_micros == 0 else spent_micros * 100 // budget_micros


def due(session: Session, *, now: datetime, since: datetime | None, settings: Settings) -> list[Owed]:
    """Warnings owed at ``now`` for budgeted projects whose owners want them and that spent since ``since``.

    Only projects with spend entered since ``since`` (default: this month's start) are looked at, so a worker
    checking every minute reads nothing per project while no budgeted project spends.
    """
    start = max(since, month_start(now)) if since else month_start(now)
    spent_lately = exists().where(
        col(UsageBucket.project_id) == Project.id,
        col(UsageBucket.period_type) == "month",
        col(UsageBucket.updated_at) >= start,
    )
    candidates = session.exec(
        select(Project)
        .join(User, col(User.id) == col(Project.owner_id))
        .where(
            col(Project.monthly_budget_micros).is_not(None), col(User.budget_emails).is_(True), spent_lately
        )
    ).all()
    if not candidates:
        return []
    keys = {project.id: budget_key(project, now) for project in candidates}
    done = set(
        session.exec(
            select(SentEmail.kind, SentEmail.key).where(
                col(SentEmail.key).in_(keys.values()),
                taken(now),
            )
        ).all()
    )
    owed: list[Owed] = []
    for project in candidates:
        key = keys[project.id]
        if (USED_UP, key) in done:
            continue
        kind = _kind(generation.month_spend_micros(session, project.id, now), project.monthly_budget_micros)
        if kind is None or (kind, key) in done:
            continue
        write = partial(compose, project_id=project.id, kind=kind, now=now, settings=settings)
        owed.append(Owed(project.owner_id, kind, key, write))
    return owed


def budget_key(project: Project, now: datetime) -> str:
    """What a warning is about: the project, the month (UTC) and the budget amount."""
    return f"{project.id}:{now:%Y-%m}:{project.monthly_budget_micros}"


def _kind(spent_micros: int, budget_micros: int | None) -> str | None:
    if budget_micros is None:
        return None
    used = used_percent(spent_micros, budget_micros)
    if used >= 100:
        return USED_UP
    return WARNING if used >= BUDGET_WARNING_PERCENT else None


def compose(
    session: Session, *, project_id: uuid.UUID, kind: str, now: datetime, settings: Settings
) -> Message | None:
    """The warning for one project (None if it, its budget or its owner's wish for warnings is gone)."""
    project = session.get(Project, project_id)
    owner = session.get(User, project.owner_id) if project is not None else None
    if project is None or owner is None or not owner.budget_emails or project.monthly_budget_micros is None:
        return None
    budget = project.monthly_budget_micros
    spent = generation.month_spend_micros(session, project.id, now)
    used = used_percent(spent, budget)
    name = one_line(project.name)
    if kind == USED_UP:
        subject = f"“{name}” has used its monthly budget: new generations are refused"
        intro = (
            f"Project “{name}” has used all of its {format_usd(budget)} budget for {now:%B %Y}. "
            "New generations in it are refused until the month ends (UTC) or you raise the budget."
        )
    else:
        subject = f"“{name}” has used {used} % of its monthly budget"
        intro = (
            f"Project “{name}” has used {used} % of its {format_usd(budget)} budget for {now:%B %Y}. "
            "Once it is all used, new generations in it are refused until the month ends (UTC)."
        )
    figures = Table(
        "",
        [
            Row("Spent this month", format_usd(spent), "queued work included"),
            Row("Monthly budget", format_usd(budget), f"{used} % used"),
        ],
    )
    links = [
        ("See or change the budget", f"{settings.public_url}{routes.project_url(str(project.id))}"),
        ("Turn budget emails off in your account settings", f"{settings.public_url}{routes.ACCOUNT}"),
    ]
    return Message(
        to=owner.email,
        subject=subject,
        text=text_page(subject, intro, [figures], links),
        html=html_page(subject, intro, [figures], links),
    )
