"""Hour counts: the weekday-by-hour chart read from them, narrowed or not, equals counting the entries."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import update
from sqlmodel import Session, col, select

from mediaws import migrations
from mediaws.db import make_engine
from mediaws.models import Generation, LedgerEntry, UsageHour, User
from mediaws.models.analytics import DAY_HOURS, HOUR_COLUMNS
from mediaws.services import accounts, analytics, ledger, projects
from tests.integration.test_ledger import _finished
from tests.integration.test_migrations import _insert_old

AUTUMN = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
"""01:30 EDT in New York; an hour later it is 01:30 again, EST."""
SPRING = datetime(2026, 3, 8, 6, 59, tzinfo=UTC)
"""01:59 EST in New York; a minute later it is 03:00 EDT."""
OTHER_CHANGES = (
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # London's spring
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # and autumn
    datetime(2026, 4, 4, 15, tzinfo=UTC),  # Lord Howe Island turns back half an hour
    datetime(2026, 10, 3, 15, 30, tzinfo=UTC),  # and forward
)
WHOLE = analytics.Filters(date(2026, 2, 20), date(2026, 12, 10))


def hours(session: Session, user: User) -> list[tuple[datetime, int, int, int]]:
    """The user's hour counts, oldest first."""
    session.expire_all()
    rows = session.exec(
        select(UsageHour).where(UsageHour.user_id == user.id).order_by(UsageHour.period_start)
    )
    return [(h.period_start, h.weekday, h.hour, h.request_count) for h in rows]


def counted(moments: Iterable[datetime], zone: str) -> list[list[int]]:
    """The chart counted one moment at a time with Python's zoneinfo."""
    grid = [[0] * 24 for _ in range(7)]
    for moment in moments:
        local = moment.astimezone(ZoneInfo(zone))
        grid[local.weekday()][local.hour] += 1
    return grid


def chart(session: Session, user: User, filters: analytics.Filters = WHOLE) -> list[list[int]]:
    """The heatmap the dashboard shows."""
    return analytics.dashboard(session, user_id=user.id, filters=filters).heatmap


def entered(session: Session, user: User) -> list[datetime]:
    """When each of the user's entries finished."""
    return list(session.exec(select(LedgerEntry.completed_at).where(LedgerEntry.user_id == user.id)))


def test_each_local_hour_is_counted_once_across_both_dst_changes(session: Session, user: User) -> None:
    """New York's repeated 01:00 hour is two hours (EDT, then EST); the skipped 02:00 hour has none."""
    user.time_zone = "America/New_York"
    session.commit()
    project = projects.create_project(session=session, owner_id=user.id, name="Clock").id
    moments = [
        AUTUMN,
        AUTUMN + timedelta(minutes=10),
        AUTUMN + timedelta(hours=1),
        SPRING,
        SPRING + timedelta(minutes=1),
    ]
    for moment in moments:
        ledger.enter(session, _finished(session, user, moment, cost_picos=1, project_id=project))
    session.commit()
    assert hours(session, user) == [
        (datetime(2026, 3, 8, 6, tzinfo=UTC), 6, 1, 1),  # 01:00 EST
        (datetime(2026, 3, 8, 7, tzinfo=UTC), 6, 3, 1),  # 03:00 EDT, straight after
        (datetime(2026, 11, 1, 5, tzinfo=UTC), 6, 1, 2),  # 01:00 EDT
        (datetime(2026, 11, 1, 6, tzinfo=UTC), 6, 1, 1),  # 01:00 EST
    ]
    grid = chart(session, user)
    assert grid == counted(moments, "America/New_York")
    assert (grid[6][1], grid[6][2], grid[6][3]) == (4, 0, 1)
    assert ledger.check(session) == []


def test_the_chart_equals_counting_entries_filtered_or_not(
    session: Session, make_user: Callable[..., User]
) -> None:
    """Random finishes around DST changes in four zones: hours, entries and Python agree for each filter."""
    rng = random.Random(7)
    for zone in ("America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe"):
        person = make_user()
        person.time_zone = zone
        session.commit()
        owned = [
            projects.create_project(session=session, owner_id=person.id, name=f"P{n}").id for n in range(2)
        ]
        made = []
        for _ in range(300):
            around = rng.choice([AUTUMN, SPRING, *OTHER_CHANGES])
            moment = around + timedelta(seconds=rng.randrange(-3 * 86_400, 3 * 86_400))
            made.append(
                _finished(
                    session,
                    person,
                    moment,
                    cost_picos=1,
                    provider=rng.choice(["openai", "anthropic"]),
                    project_id=rng.choice(owned),
                    add=False,
                )
            )
            ledger.enter(session, made[-1])
        session.commit()
        days = analytics.Filters(date(2026, 3, 6), date(2026, 11, 2))
        inside = [
            g for g in made if days.start <= g.completed_at.astimezone(ZoneInfo(zone)).date() <= days.end
        ]
        assert chart(session, person, days) == counted((g.completed_at for g in inside), zone)
        assert chart(session, person) == counted((g.completed_at for g in made), zone)
        narrowed = analytics.Filters(days.start, days.end, provider="anthropic")
        wanted = (g.completed_at for g in inside if g.provider == "anthropic")
        assert chart(session, person, narrowed) == counted(wanted, zone)
        one = analytics.Filters(days.start, days.end, project_id=owned[1])
        assert chart(session, person, one) == counted(
            (g.completed_at for g in inside if g.project_id == owned[1]), zone
        )
        assert ledger.check(session, person.id) == []


def test_deleting_a_generation_or_its_project_keeps_its_hour(session: Session, user: User) -> None:
    """What was spent stays spent: the chart still counts a deleted generation and a deleted project's."""
    kept = projects.create_project(session=session, owner_id=user.id, name="Kept")
    gone = projects.create_project(session=session, owner_id=user.id, name="Gone")
    moments = [datetime(2026, 12, 1, 9, tzinfo=UTC), datetime(2026, 12, 1, 9, 40, tzinfo=UTC)]
    first = _finished(session, user, moments[0], cost_picos=3, project_id=kept.id)
    ledger.enter(session, first)
    ledger.enter(session, _finished(session, user, moments[1], cost_picos=4, project_id=gone.id))
    session.commit()
    before = chart(session, user)
    session.delete(first)
    session.commit()
    projects.delete_project(session=session, owner_id=user.id, project_id=gone.id, confirm_name="Gone")
    assert session.exec(select(Generation)).all() == []
    assert chart(session, user) == before == counted(moments, "UTC")
    assert hours(session, user) == [(datetime(2026, 12, 1, 9, tzinfo=UTC), 1, 9, 2)]
    board = analytics.dashboard(session, user_id=user.id, filters=WHOLE)
    assert {s.name for s in board.by_project} == {"Kept", "Gone (deleted)"}
    assert ledger.check(session) == []
    ledger.rebuild(session)
    assert chart(session, user) == before


def test_a_new_zone_recounts_the_hours(session: Session, user: User) -> None:
    """Moving to Kolkata (UTC+05:30) moves each count to its hour there, which starts at half past in UTC."""
    moments = [datetime(2026, 11, 30, 20, 45, tzinfo=UTC), AUTUMN]
    for moment in moments:
        ledger.enter(session, _finished(session, user, moment, cost_picos=2))
    session.commit()
    assert chart(session, user) == counted(moments, "UTC")
    accounts.set_time_zone(session=session, user_id=user.id, name="Asia/Kolkata")
    assert hours(session, user) == [
        (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), 6, 11, 1),
        (datetime(2026, 11, 30, 20, 30, tzinfo=UTC), 1, 2, 1),  # Tuesday 02:15 in Kolkata
    ]
    assert chart(session, user) == counted(moments, "Asia/Kolkata")
    assert ledger.check(session) == []


def test_check_finds_a_wrong_or_missing_hour_and_rebuild_mends_it(session: Session, user: User) -> None:
    """An hour count changed by hand or lost is reported; a rebuild recounts the hours from the entries."""
    for moment in (datetime(2026, 12, 1, 9, tzinfo=UTC), datetime(2026, 12, 1, 11, tzinfo=UTC)):
        ledger.enter(session, _finished(session, user, moment, cost_picos=5))
    session.commit()
    session.execute(update(UsageHour).where(UsageHour.hour == 9).values(request_count=3))
    session.execute(sa.delete(UsageHour).where(col(UsageHour.hour) == 11))
    session.execute(update(DAY_HOURS).where(DAY_HOURS.c.h09 == 1).values(h09=5))
    session.commit()
    found = sorted(str(d) for d in ledger.check(session))
    assert found[:2] == [
        f"user {user.id}, hour from 2026-12-01 09:00 UTC: request_count 3 ≠ 1",
        f"user {user.id}, hour from 2026-12-01 11:00 UTC: missing",
    ]
    assert found[2].startswith(f"user {user.id}, hours of the day from 2026-12-01 00:00 UTC, project ")
    assert found[2].endswith(": h09 5 ≠ 1") and len(found) == 3
    assert ledger.check(session, user.id) != []
    ledger.rebuild(session, user.id)
    assert ledger.check(session) == []
    assert [count for *_, count in hours(session, user)] == [1, 1]


def test_the_migration_counts_every_entry_in_its_owners_zone(fresh_db_url: str) -> None:
    """Upgrading a database with a ledger counts its entries' hours as entering them would have."""
    migrations.upgrade(fresh_db_url, "0012")
    engine = make_engine(fresh_db_url)
    rng = random.Random(13)
    people = {uuid.uuid4(): zone for zone in ("America/New_York", "Asia/Kolkata", "UTC")}
    try:
        with Session(engine) as session:
            for person, zone in people.items():
                _insert_old(
                    session,
                    User,
                    id=person,
                    email=f"{zone.lower().replace('/', '.')}@example.com",
                    password_hash="x",
                    auth_backend="local",
                    created_at=AUTUMN,
                    time_zone=zone,
                )
                for _ in range(200):
                    moment = rng.choice([AUTUMN, SPRING]) + timedelta(seconds=rng.randrange(-86_400, 86_400))
                    _insert_old(session, LedgerEntry, **_entry(person, moment))
            session.commit()
        migrations.upgrade(fresh_db_url)
        with Session(engine) as session:
            stored, expected = ledger.stored_totals(session)[1:], ledger.expected_totals(session)[1:]
            assert stored == expected and sum(h["request_count"] for h in stored[0].values()) == 600
            assert sum(sum(day[name] for name in HOUR_COLUMNS) for day in stored[1].values()) == 600
            for person, zone in people.items():
                owner = session.get(User, person)
                assert owner is not None
                moments = entered(session, owner)
                assert chart(session, owner) == counted(moments, zone)
                narrowed = analytics.Filters(WHOLE.start, WHOLE.end, provider="openai")
                assert chart(session, owner, narrowed) == counted(moments, zone)
    finally:
        engine.dispose()


def _entry(user_id: uuid.UUID, completed_at: datetime) -> dict[str, object]:
    """A ledger entry's columns as revision 0012 holds them."""
    return {
        "id": uuid.uuid4(),
        "generation_id": uuid.uuid4(),
        "user_id": user_id,
        "project_id": uuid.uuid4(),
        "provider": "openai",
        "model": "gpt-4.1",
        "capability": "text",
        "status": "succeeded",
        "cost_picos": 1,
        "reported_cost_picos": 0,
        "tokens_total": 0,
        "image_count": 0,
        "video_seconds": 0,
        "characters": 0,
        "duration_ms": None,
        "created_at": completed_at,
        "completed_at": completed_at,
    }
