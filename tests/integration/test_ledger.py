"""The spend ledger: every finished generation entered once with its totals, kept after deletion, exact."""

from __future__ import annotations

import dataclasses
import random
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from mediaws.deps import Deps
from mediaws.errors import ValidationError
from mediaws.models import Generation, LedgerEntry, Project, UsageBucket, UsageHour, User
from mediaws.services import accounts, analytics, keys, ledger, projects
from mediaws.services import generation as generations
from tests.integration.test_cli import run_cli
from tests.integration.test_generation import start
from tests.support import spend
from tests.support.chat_server import chat_server
from tests.support.jobs import run_jobs

ZONES = ("UTC", "Pacific/Auckland", "America/New_York", "Asia/Kolkata")
OPENAI_KEY = "sk-test-ledger-000000000000001"


@pytest.fixture
def deps(make_deps: Callable[..., Deps]) -> Iterator[Deps]:
    """Real database and files; OpenAI is a fake on loopback reporting 1,234 + 567 tokens."""
    with chat_server() as fake:
        yield make_deps(openai_base_url=f"{fake.url}/v1")


def buckets(session: Session, user: User) -> dict[str, UsageBucket]:
    """The user's totals by period type (one project, model and type in these tests)."""
    session.expire_all()
    return {b.period_type: b for b in session.exec(select(UsageBucket).where(UsageBucket.user_id == user.id))}


def test_a_paid_generation_is_entered_with_its_day_and_month(
    session: Session, deps: Deps, user: User
) -> None:
    """A finished text generation: one entry at its exact cost, and the same figures in its day and month."""
    project = projects.create_project(session=session, owner_id=user.id, name="Copy")
    keys.save_key(
        session=session, keyring=deps.keyring, user_id=user.id, provider="openai", secret=OPENAI_KEY
    )
    queued = start(
        session,
        deps,
        user,
        project.id,
        capability="text",
        provider_id="openai",
        model="gpt-4.1",
        prompt="Write a haiku",
        options={"max_output_tokens": 100},
    )
    assert session.exec(select(LedgerEntry)).all() == []  # queued work has spent nothing yet
    run_jobs(deps)
    session.expire_all()
    done = generations.get_generation(session=session, user_id=user.id, generation_id=queued.id)
    [entry] = session.exec(select(LedgerEntry)).all()
    assert (entry.generation_id, entry.status, entry.cost_picos) == (done.id, "succeeded", done.cost_picos)
    assert entry.cost_picos == (1234 * 2 + 567 * 8) * 10**6 == entry.reported_cost_picos
    found = buckets(session, user)
    assert set(found) == {"day", "month"}
    for bucket in found.values():
        assert (bucket.request_count, bucket.success_count, bucket.failure_count) == (1, 1, 0)
        assert (bucket.total_tokens, bucket.cost_picos, bucket.timed_count) == (1801, entry.cost_picos, 1)
        assert (bucket.provider, bucket.model, bucket.generation_type) == ("openai", "gpt-4.1", "text")
    assert ledger.check(session) == []


def test_failures_and_cancellations_count_as_requests(session: Session, deps: Deps, user: User) -> None:
    """A run that fails (its key was removed) and one cancelled before it started are both counted."""
    project = projects.create_project(session=session, owner_id=user.id, name="Copy")
    view = keys.save_key(
        session=session, keyring=deps.keyring, user_id=user.id, provider="openai", secret=OPENAI_KEY
    )
    text = {"capability": "text", "provider_id": "openai", "model": "gpt-4.1", "prompt": "Hi", "options": {}}
    failing = start(session, deps, user, project.id, **text)
    keys.delete_key(session=session, user_id=user.id, key_id=view.id)
    run_jobs(deps)
    cancelled = start(session, deps, user, project.id)
    generations.cancel_generation(session=session, user_id=user.id, generation_id=cancelled.id)
    statuses = {e.generation_id: e.status for e in session.exec(select(LedgerEntry))}
    assert statuses == {failing.id: "failed", cancelled.id: "cancelled"}
    counts = {
        (b.generation_type, b.failure_count, b.cancelled_count, b.request_count)
        for b in session.exec(select(UsageBucket).where(UsageBucket.period_type == "day"))
    }
    assert counts == {("text", 1, 0, 1), ("image", 0, 1, 1)}
    assert ledger.check(session) == []


def test_deleting_a_project_keeps_what_it_spent(session: Session, deps: Deps, user: User) -> None:
    """The project and its generations go; the ledger keeps their spend, marked deleted, under its name."""
    project = projects.create_project(session=session, owner_id=user.id, name="Old launch")
    keys.save_key(
        session=session, keyring=deps.keyring, user_id=user.id, provider="openai", secret=OPENAI_KEY
    )
    start(
        session,
        deps,
        user,
        project.id,
        capability="text",
        provider_id="openai",
        model="gpt-4.1",
        prompt="Hi",
        options={},
    )
    run_jobs(deps)
    before = buckets(session, user)["month"].cost_picos
    projects.delete_project(
        session=session, owner_id=user.id, project_id=project.id, confirm_name="Old launch"
    )
    session.expire_all()
    assert session.exec(select(Generation)).all() == []
    [entry] = session.exec(select(LedgerEntry)).all()
    assert entry.deleted_at is not None and entry.project_name == "Old launch"
    assert buckets(session, user)["month"].cost_picos == before > 0
    assert ledger.check(session) == []
    assert ledger.rebuild(session) == (2, 1)  # recounted from the entries alone: same day, month, hour
    assert buckets(session, user)["month"].cost_picos == before


def test_days_and_months_are_the_owners(session: Session, user: User, other_user: User) -> None:
    """11:30 UTC on 30 Nov is 1 Dec in Auckland: that user's day and month start at their local midnight."""
    user.time_zone = "Pacific/Auckland"
    session.commit()
    finished = datetime(2026, 11, 30, 11, 30, tzinfo=UTC)
    for owner in (user, other_user):
        ledger.enter(session, _finished(session, owner, finished, cost_picos=7))
    session.commit()
    auckland, utc = buckets(session, user), buckets(session, other_user)
    assert auckland["day"].period_start == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)  # 1 Dec 00:00 NZDT
    assert auckland["month"].period_start == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    assert utc["day"].period_start == datetime(2026, 11, 30, tzinfo=UTC)
    assert utc["month"].period_start == datetime(2026, 11, 1, tzinfo=UTC)


def test_a_generation_is_entered_once(session: Session, user: User) -> None:
    """Entering the same generation again (a retried write) changes nothing."""
    generation = _finished(session, user, datetime(2026, 12, 1, tzinfo=UTC), cost_picos=5)
    assert ledger.enter(session, generation) is True
    assert ledger.enter(session, generation) is False
    session.commit()
    assert buckets(session, user)["day"].request_count == 1


def test_check_finds_a_wrong_total_and_rebuild_mends_it(session: Session, user: User) -> None:
    """A total changed by hand is reported with its figures; a rebuild recounts it from the entries."""
    ledger.enter(session, _finished(session, user, datetime(2026, 12, 1, 9, tzinfo=UTC), cost_picos=1_000))
    session.commit()
    session.execute(update(UsageBucket).where(UsageBucket.period_type == "day").values(cost_picos=999))
    session.commit()
    [difference] = ledger.check(session)
    assert "cost_picos 999 ≠ 1000" in str(difference) and "day from 2026-12-01 00:00 UTC" in str(difference)
    ledger.rebuild(session)
    assert ledger.check(session) == []
    assert buckets(session, user)["day"].cost_picos == 1_000


def test_the_hourly_chore_enters_what_finished_without_the_ledger(
    engine: Engine, session: Session, user: User
) -> None:
    """A generation finished by a process without the ledger is counted within the hour, and only once."""
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    clock = [now]
    lately = _finished(session, user, now - timedelta(hours=3), cost_picos=700)
    project = lately.project_id
    _finished(session, user, now - timedelta(days=30), cost_picos=5, project_id=project)  # left to the CLI
    session.commit()
    chore = ledger.CatchUp(lambda: Session(engine, expire_on_commit=False), clock=lambda: clock[0])

    assert chore() == 1
    assert (buckets(session, user)["month"].request_count, buckets(session, user)["month"].cost_picos) == (
        1,
        700,
    )
    ledger.enter(session, _finished(session, user, now, cost_picos=1, project_id=project))
    late = _finished(session, user, now, cost_picos=40, project_id=project)
    session.commit()
    clock[0] = now + timedelta(minutes=30)
    assert chore() == 0  # not an hour yet
    clock[0] = now + timedelta(hours=1)
    assert chore() == 1
    assert chore() == 0
    month = buckets(session, user)["month"]
    assert (month.request_count, month.cost_picos) == (3, 741)
    assert (
        session.exec(select(LedgerEntry).where(LedgerEntry.generation_id == late.id)).one().cost_picos == 40
    )
    assert ledger.check(session) == []


def test_an_unknown_zone_is_refused() -> None:
    """A zone that does not exist is named in the error."""
    with pytest.raises(ValidationError, match="Unknown time zone 'Mars/Olympus'"):
        ledger.zone_of("Mars/Olympus")


def test_totals_are_the_exact_sum_of_random_generations(
    session: Session, make_user: Callable[..., User]
) -> None:
    """10,000 random finished generations (zones, statuses, deletions, day edges): totals, dashboards.

    PostgreSQL gets 3,000 of them: the same arithmetic, a third of the suite's time.
    """
    rng = random.Random(14)
    count = 10_000 if session.get_bind().dialect.name == "sqlite" else 3_000
    people = [make_user() for _ in range(4)]
    for person, zone in zip(people, ZONES, strict=True):
        person.time_zone = zone
    session.commit()
    owned = {
        person.id: [
            projects.create_project(session=session, owner_id=person.id, name=f"P{n}").id for n in range(3)
        ]
        for person in people
    }
    start = datetime(2026, 10, 30, tzinfo=UTC)
    entered = []
    for _ in range(count):
        owner = rng.choice(people)
        generation = _finished(
            session,
            owner,
            start + timedelta(seconds=rng.randrange(40 * 86_400)),
            cost_picos=rng.choice([0, 1, rng.randrange(10**12)]),
            status=rng.choice(["succeeded", "succeeded", "failed", "cancelled"]),
            provider=rng.choice(["openai", "anthropic", "local"]),
            project_id=rng.choice(owned[owner.id]),
            add=False,
        )
        ledger.enter(session, generation)
        entered.append(generation)
    session.commit()
    for person in people[:2]:
        ledger.forget_project(session, owned[person.id][0], "gone")
    session.commit()
    assert ledger.check(session) == []
    for person, zone in zip(people, ZONES, strict=True):
        mine = [g for g in entered if g.owner_id == person.id]
        stored = session.exec(select(UsageBucket).where(UsageBucket.user_id == person.id)).all()
        for period in ledger.PERIODS:
            assert sum(b.cost_picos for b in stored if b.period_type == period) == sum(
                g.cost_picos for g in mine
            )
            assert sum(b.request_count for b in stored if b.period_type == period) == len(mine)
        by_day: dict[datetime, int] = defaultdict(int)
        for g in mine:
            by_day[ledger.period_starts(g.completed_at, ledger.zone_of(zone))["day"]] += g.cost_picos or 0
        days: dict[datetime, int] = defaultdict(int)
        for b in stored:
            if b.period_type == "day":
                days[b.period_start] += b.cost_picos
        assert days == by_day
        for provider in (None, "anthropic"):
            wanted = analytics.Filters(date(2026, 10, 28), date(2026, 12, 12), provider=provider)
            seen = analytics.dashboard(session, user_id=person.id, filters=wanted)
            counted = [g for g in mine if provider in (None, g.provider)]
            assert seen.total_cost_picos == sum(g.cost_picos or 0 for g in counted)
            assert (seen.requests, seen.failed) == (len(counted), sum(g.status == "failed" for g in counted))
            assert sum(s.cost_picos for s in seen.by_model) == seen.total_cost_picos
            hours = [[0] * 24 for _ in range(7)]
            for g in counted:
                local = g.completed_at.astimezone(ledger.zone_of(zone))
                hours[local.weekday()][local.hour] += 1
            assert seen.heatmap == hours  # from the hour counts, or the day hour counts when narrowed
        local_days = {g.id: g.completed_at.astimezone(ledger.zone_of(zone)).date() for g in mine}
        for provider in (None, "openai"):  # November whole from its month totals, the edges from days
            edges = analytics.Filters(date(2026, 11, 3), date(2026, 12, 5), provider=provider)
            seen = analytics.dashboard(session, user_id=person.id, filters=edges)
            inside = [
                g
                for g in mine
                if edges.start <= local_days[g.id] <= edges.end and provider in (None, g.provider)
            ]
            assert seen.total_cost_picos == sum(g.cost_picos or 0 for g in inside)
            assert {s.name: (s.cost_picos, s.requests) for s in seen.by_provider} == {
                name: (sum(g.cost_picos or 0 for g in inside if g.provider == name), requests)
                for name, requests in Counter(g.provider for g in inside).items()
            }
            assert sum(p.requests for p in seen.daily) == len(inside) == sum(map(sum, seen.heatmap))
            if provider is None:  # a provider's headline shown at its pick is what its own filter shows
                assert set(seen.provider_totals) == {g.provider for g in inside}
                for name, sums in seen.provider_totals.items():
                    alone = dataclasses.replace(edges, provider=name)
                    assert sums == analytics.dashboard(session, user_id=person.id, filters=alone).totals
            assert set(seen.model_totals) == {g.model for g in inside}  # so is a model's, and a project's
            for name, sums in seen.model_totals.items():
                alone = dataclasses.replace(edges, model=name)
                assert sums == analytics.dashboard(session, user_id=person.id, filters=alone).totals
            assert set(seen.project_totals) == {str(g.project_id) for g in inside}
            for name, sums in seen.project_totals.items():
                alone = dataclasses.replace(edges, project_id=uuid.UUID(name))
                assert sums == analytics.dashboard(session, user_id=person.id, filters=alone).totals


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_workers_finishing_at_once_add_up(engine: Engine, session: Session, user: User) -> None:
    """Eight threads entering 50 generations each into one day and hour on PostgreSQL: no total is lost."""
    project = projects.create_project(session=session, owner_id=user.id, name="Busy")
    moment = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(50):
                with Session(engine, expire_on_commit=False) as own:
                    ledger.enter(own, _finished(own, user, moment, cost_picos=3, project_id=project.id))
                    own.commit()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    found = buckets(session, user)
    assert (found["day"].request_count, found["day"].cost_picos) == (400, 1_200)
    assert (found["month"].request_count, found["month"].cost_picos) == (400, 1_200)
    hour = session.exec(select(UsageHour).where(UsageHour.user_id == user.id)).one()
    assert (hour.period_start, hour.weekday, hour.hour, hour.request_count) == (
        datetime(2026, 12, 1, 12, tzinfo=UTC),
        1,
        12,
        400,
    )
    assert ledger.check(session) == []


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_rebuild_waits_for_a_generation_finishing_meanwhile(
    engine: Engine, session: Session, user: User
) -> None:
    """A recount (a new time zone, the CLI) while a worker's generation finishes counts it once, no error."""
    ledger.enter(session, _finished(session, user, datetime(2026, 12, 1, 9, tzinfo=UTC), cost_picos=5))
    session.commit()
    worker = Session(engine, expire_on_commit=False)
    ledger.enter(worker, _finished(worker, user, datetime(2026, 12, 2, 9, tzinfo=UTC), cost_picos=7))
    failures: list[BaseException] = []

    def recount() -> None:
        try:
            with Session(engine) as own:
                ledger.rebuild(own, user.id)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=recount)
    thread.start()
    thread.join(timeout=1)
    assert thread.is_alive()  # waiting for the worker's transaction
    worker.commit()
    worker.close()
    thread.join(timeout=30)
    assert failures == [] and not thread.is_alive()
    assert ledger.check(session) == []
    session.expire_all()
    days = session.exec(
        select(UsageBucket).where(UsageBucket.user_id == user.id, UsageBucket.period_type == "day")
    ).all()
    assert sorted((b.request_count, b.cost_picos) for b in days) == [(1, 5), (1, 7)]


def _finished(
    session: Session,
    owner: User,
    completed_at: datetime,
    *,
    cost_picos: int,
    project_id: uuid.UUID | None = None,
    add: bool = True,
    **fields: Any,
) -> Generation:
    """A finished generation of the owner's (in a new project unless one is given), flushed if ``add``."""
    if project_id is None:
        project = Project(owner_id=owner.id, name=f"P {uuid.uuid4().hex[:6]}", name_key=uuid.uuid4().hex)
        session.add(project)
        session.flush()
        project_id = project.id
    generation = spend.finished(
        owner.id,
        project_id,
        completed_at,
        cost_picos,
        model="m",
        tokens_total=10,
        duration_ms=1_000,
        **fields,
    )
    if add:
        session.add(generation)
        session.flush()
    return generation


def test_the_cli_checks_and_rebuilds_the_totals(
    db_url: str, session: Session, user: User, tmp_path: Path
) -> None:
    """`mediaws analytics check` exits 1 naming a wrong total; `rebuild` mends it and check then passes."""
    ledger.enter(session, _finished(session, user, datetime(2026, 12, 1, 9, tzinfo=UTC), cost_picos=42))
    session.commit()
    assert run_cli(tmp_path / "data", db_url, "analytics", "check").returncode == 0
    session.execute(update(UsageBucket).where(UsageBucket.period_type == "month").values(request_count=5))
    session.commit()
    found = run_cli(tmp_path / "data", db_url, "analytics", "check", "--user", user.email)
    assert found.returncode == 1 and "request_count 5 ≠ 1" in found.stdout, found.stderr
    rebuilt = run_cli(tmp_path / "data", db_url, "analytics", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "recounted 2 day and month totals and 1 hour counts" in rebuilt.stdout
    assert run_cli(tmp_path / "data", db_url, "analytics", "check").returncode == 0
    nobody = run_cli(tmp_path / "data", db_url, "analytics", "check", "--user", "nobody@example.com")
    assert nobody.returncode == 2 and nobody.stderr.startswith("error:")


def test_changing_the_zone_recounts_the_days(session: Session, user: User) -> None:
    """After a move to Auckland the same spend lands on the next local day; a made-up zone changes nothing."""
    ledger.enter(session, _finished(session, user, datetime(2026, 11, 30, 11, 30, tzinfo=UTC), cost_picos=9))
    session.commit()
    assert buckets(session, user)["day"].period_start == datetime(2026, 11, 30, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        accounts.set_time_zone(session=session, user_id=user.id, name="Atlantis/Capital")
    assert caught.value.field == "time_zone"
    session.rollback()
    assert buckets(session, user)["day"].period_start == datetime(2026, 11, 30, tzinfo=UTC)
    accounts.set_time_zone(session=session, user_id=user.id, name=" Pacific/Auckland ")
    found = buckets(session, user)
    assert found["day"].period_start == datetime(2026, 11, 30, 11, tzinfo=UTC)
    assert (found["day"].cost_picos, found["month"].cost_picos) == (9, 9)
    assert session.get(User, user.id).time_zone == "Pacific/Auckland"  # type: ignore[union-attr]
    assert ledger.check(session) == []
