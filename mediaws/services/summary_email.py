"""The monthly cost summary: last month's spend in the person's zone, as the analytics page counts it."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from sqlmodel import Session, col, select

from mediaws import routes
from mediaws.config import Settings
from mediaws.mail import Message
from mediaws.models import User
from mediaws.services import analytics, ledger
from mediaws.services.email_text import Row, Table, html_page, text_page, usd
from mediaws.services.sent_emails import Owed, handled

KIND = "summary"
SEND_DAYS = 7
"""A month's summary goes out in the first days of the next month (the person's), never later."""
TOP_MODELS = 10
TOP_PROJECTS = 20


def first_of_previous_month(day: date) -> date:
    """The first day of the month before the one ``day`` is in."""
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def last_day(first: date) -> date:
    """The last day of the month starting on ``first``."""
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def due(session: Session, *, now: datetime, settings: Settings) -> list[Owed]:
    """Summaries owed at ``now``: to each person who asked, in their month's first days, for the month before.

    One query finds the zones people are in, and one per month being summarised finds who still needs it.
    """
    zones = session.exec(select(User.time_zone).where(col(User.summary_emails).is_(True)).distinct()).all()
    months: dict[date, list[str]] = defaultdict(list)
    for name in zones:
        today = now.astimezone(ledger.zone_of(name)).date()
        if today.day <= SEND_DAYS:
            months[first_of_previous_month(today)].append(name)
    owed: list[Owed] = []
    for month, names in months.items():
        key = f"{month:%Y-%m}"
        people = session.exec(
            select(User.id).where(
                col(User.summary_emails).is_(True),
                col(User.time_zone).in_(names),
                ~handled(User.id, KIND, key, now),
            )
        ).all()
        owed += [
            Owed(user_id, KIND, key, partial(compose, user_id=user_id, month=month, settings=settings))
            for user_id in people
        ]
    return owed


def compose(session: Session, *, user_id: uuid.UUID, month: date, settings: Settings) -> Message | None:
    """The summary of one person's month (None if they turned summaries off or left meanwhile)."""
    user = session.get(User, user_id)
    if user is None or not user.summary_emails:
        return None
    board = analytics.dashboard(session, user_id=user_id, filters=analytics.Filters(month, last_day(month)))
    before = first_of_previous_month(month)
    before_picos = sum(
        point.cost_picos
        for point in analytics.usage(
            session, user_id=user_id, filters=analytics.Filters(before, last_day(before)), period="month"
        )
    )
    title = f"Your mediaws spend in {month:%B %Y}"
    tables = _tables(board, before_picos, before)
    footer = [
        ("Every figure, day by day", f"{settings.public_url}{routes.ANALYTICS}"),
        ("Turn these emails off in your account settings", f"{settings.public_url}{routes.ACCOUNT}"),
    ]
    intro = f"Counted in your time zone, {board.zone}, as on the analytics page."
    return Message(
        to=user.email,
        subject=f"{title}: {usd(board.total_cost_picos)}",
        text=text_page(title, intro, tables, footer),
        html=html_page(title, intro, tables, footer),
    )


def _tables(board: analytics.Dashboard, before_picos: int, before: date) -> list[Table]:
    ended = f"{board.succeeded:,} succeeded, {board.failed:,} failed, {board.cancelled:,} cancelled"
    overview = Table(
        "",
        [
            Row("Total", usd(board.total_cost_picos), f"{usd(board.total_cost_picos, exact=True)} exactly"),
            Row("Reported by providers", usd(board.reported_cost_picos), ""),
            Row("Priced from the request", usd(board.derived_cost_picos), ""),
            Row("Requests", f"{board.requests:,}", ended),
            Row("Change", *_change(board.total_cost_picos, before_picos, before)),
        ],
    )
    if not board.requests:
        return [overview]
    return [
        overview,
        Table("By provider", _rows(board.by_provider, len(board.by_provider), "providers")),
        Table(f"By model (top {TOP_MODELS})", _rows(board.by_model, TOP_MODELS, "models")),
        Table("By project", _rows(board.by_project, TOP_PROJECTS, "projects")),
    ]


def _rows(shares: list[analytics.Share], top: int, what: str) -> list[Row]:
    rows = [Row(s.name, usd(s.cost_picos), _requests(s.requests)) for s in shares[:top]]
    rest = shares[top:]
    if rest:
        picos, requests = sum(s.cost_picos for s in rest), sum(s.requests for s in rest)
        rows.append(Row(f"{len(rest)} other {what}", usd(picos), _requests(requests)))
    return rows


def _requests(count: int) -> str:
    return f"{count:,} request{'' if count == 1 else 's'}"


def _change(picos: int, before_picos: int, before: date) -> tuple[str, str]:
    """The difference from the month before, in dollars and per cent."""
    then = f"{before:%B %Y}: {usd(before_picos)}"
    if not before_picos:
        return ("none" if not picos else f"+{usd(picos)}"), then
    difference = picos - before_picos
    percent = (Decimal(abs(difference)) * 100 / before_picos).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    sign = "+" if difference >= 0 else "-"
    return f"{sign}{usd(abs(difference))} ({sign}{percent} %)", then
