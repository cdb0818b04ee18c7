"""The monthly cost summary, received by a real SMTP server: exact, opt-in, once, in the person's zone."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from mediaws.deps import Deps
from mediaws.mail import MailError
from mediaws.models import SentEmail, User
from mediaws.services import accounts, analytics, email_outbox, projects, sent_emails
from mediaws.services.email_text import usd
from tests.support.smtp_server import MailServer, free_port, mailing, smtp_server
from tests.support.spend import spend

OCT_20 = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
NOV_3 = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
NOV_30_LATE = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
DEC_1 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
NOVEMBER = (
    ("Launch", "openai", "gpt-4.1", "text", 1_234_567_891_000, "succeeded", "provider_usage"),
    ("Launch", "local", "local-image", "image", 40_000_000_000_000, "succeeded", "provider_usage"),
    ("Launch", "gemini", "gemini-2.5-flash", "text", 3_000_000_000, "succeeded", "provider_usage"),
    ("Old", "openai", "gpt-4.1", "text", 2_000_000_000, "failed", "derived"),
)
NOVEMBER_PICOS = sum(row[4] for row in NOVEMBER)


@pytest.fixture
def server() -> Iterator[MailServer]:
    """A plain SMTP server on loopback."""
    with smtp_server() as running:
        yield running


@pytest.fixture
def deps(make_deps: Callable[..., Deps], server: MailServer) -> Deps:
    """Real database, files and mail server."""
    return mailing(make_deps(), server.port)


def opt_in(session: Session, *people: User) -> None:
    """Turn the monthly summary on for each person."""
    for person in people:
        accounts.set_email_choices(session=session, user_id=person.id, summary=True)
    session.commit()


def line(text: str, name: str) -> str:
    """The one line of a plain-text email that names ``name``."""
    [found] = [row for row in text.splitlines() if name in row]
    return found


@pytest.fixture
def november(session: Session, user: User) -> dict[str, uuid.UUID]:
    """Three providers over two projects in November (one project since deleted), and spend either side."""
    ids = {
        name: projects.create_project(session=session, owner_id=user.id, name=name).id
        for name in ("Launch", "Old")
    }
    spend(session, user, ids["Launch"], OCT_20, 1_000_000_000_000)
    for index, (project, provider, model, kind, picos, status, source) in enumerate(NOVEMBER):
        when = NOV_30_LATE if index == 0 else NOV_3
        spend(
            session,
            user,
            ids[project],
            when,
            picos,
            provider=provider,
            model=model,
            capability=kind,
            status=status,
            cost_source=source,
        )
    spend(session, user, ids["Launch"], DEC_1, 5_000_000_000_000)
    projects.delete_project(session=session, owner_id=user.id, project_id=ids["Old"], confirm_name="Old")
    return ids


def test_the_summary_adds_up_last_month_exactly(
    session: Session, deps: Deps, server: MailServer, user: User, november: dict[str, uuid.UUID]
) -> None:
    """November's total is the exact sum of its generations, split as the analytics dashboard splits it."""
    opt_in(session, user)
    sent = email_outbox.send_due(deps, NOW)
    assert [(s.kind, s.key, s.to) for s in sent] == [("summary", "2026-11", user.email)]
    [mail] = server.to(user.email)
    text, html = mail.body("plain"), mail.body("html")
    assert NOVEMBER_PICOS == 41_239_567_891_000
    assert mail.subject == "Your mediaws spend in November 2026: $41.24"
    assert "$41.24" in line(text, "Total") and "$41.239567891 exactly" in line(text, "Total")
    assert "$41.24" in line(text, "Reported by providers")  # 41.237567891, rounded to the cent
    assert "$0.002" in line(text, "Priced from the request")
    assert "4 " in line(text, "Requests") and "3 succeeded, 1 failed, 0 cancelled" in line(text, "Requests")
    assert "+$40.24 (+4024 %)" in line(text, "Change") and "October 2026: $1.00" in line(text, "Change")
    assert "$40.00" in line(text, "  local ") and "1 request" in line(text, "  local ")
    assert "$1.24" in line(text, "openai/gpt-4.1") and "2 requests" in line(text, "openai/gpt-4.1")
    assert "$0.003" in line(text, "gemini/gemini-2.5-flash")
    assert "$0.002" in line(text, "Old (deleted)") and "$41.24" in line(text, "Launch")
    board = analytics.dashboard(
        session, user_id=user.id, filters=analytics.Filters(date(2026, 11, 1), date(2026, 11, 30))
    )
    assert board.total_cost_picos == NOVEMBER_PICOS
    for share in (*board.by_provider, *board.by_model, *board.by_project):
        assert usd(share.cost_picos) in line(text, f"  {share.name} ")
        assert f">{share.name}<" in html and f">{usd(share.cost_picos)}<" in html
    assert "/analytics" in text and "/settings/account" in text


def test_only_people_who_asked_get_one_and_only_their_own_figures(
    session: Session,
    deps: Deps,
    server: MailServer,
    make_user: Callable[..., User],
    user: User,
    november: dict[str, uuid.UUID],
) -> None:
    """Summaries are opt-in; someone else's projects and spend never show in a person's summary."""
    neighbour, quiet = make_user(), make_user()
    for person, name, picos in ((neighbour, "Secret plans", 7_000_000_000_000), (quiet, "Quiet", 10**12)):
        project = projects.create_project(session=session, owner_id=person.id, name=name)
        spend(session, person, project.id, NOV_3, picos)
    assert not quiet.summary_emails  # the default
    opt_in(session, user, neighbour)
    sent = email_outbox.send_due(deps, NOW)
    assert sorted(s.to for s in sent) == sorted([user.email, neighbour.email])
    assert server.to(quiet.email) == []
    [mine], [theirs] = server.to(user.email), server.to(neighbour.email)
    assert "Secret plans" not in mine.body("plain") + mine.body("html")
    assert "Launch" not in theirs.body("plain") + theirs.body("html")
    assert theirs.subject.endswith("$7.00") and "$7.00" in line(theirs.body("plain"), "Secret plans")


def test_sent_once_however_often_the_chore_runs(
    session: Session, deps: Deps, server: MailServer, user: User, november: dict[str, uuid.UUID]
) -> None:
    """Repeated sends and chore runs (fresh chores too, as after a restart) mail each summary once."""
    opt_in(session, user)
    assert len(email_outbox.send_due(deps, NOW)) == 1
    assert email_outbox.send_due(deps, NOW + timedelta(hours=5)) == []
    for minutes in (0, 1, 61, 200):
        chore = email_outbox.EmailChore(deps, clock=lambda m=minutes: NOW + timedelta(minutes=m))
        assert chore() == [] and chore() == []
    assert len(server.to(user.email)) == 1
    [row] = session.exec(select(SentEmail)).all()
    assert (row.kind, row.key, row.sent_at) == ("summary", "2026-11", NOW)


def test_two_senders_at_once_send_each_summary_once(
    session: Session,
    deps: Deps,
    server: MailServer,
    make_user: Callable[..., User],
    user: User,
    november: dict[str, uuid.UUID],
) -> None:
    """Two workers sending the same month's summaries at the same moment: every person gets exactly one."""
    people = [user, *(make_user() for _ in range(5))]
    opt_in(session, *people)
    results: list[list[object]] = []
    start = threading.Barrier(2)

    def worker() -> None:
        start.wait()
        results.append(list(email_outbox.send_due(deps, NOW)))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(map(len, results)) == len(people)
    assert sorted(r.recipients[0] for r in server.received) == sorted(p.email for p in people)


def test_a_mail_server_that_is_down_records_nothing_and_the_next_run_sends(
    session: Session, make_deps: Callable[..., Deps], user: User, november: dict[str, uuid.UUID]
) -> None:
    """With nothing listening, the send fails and no claim is kept; once the server is up it goes."""
    opt_in(session, user)
    port = free_port()
    deps = mailing(make_deps(), port)
    with pytest.raises(MailError):
        email_outbox.send_due(deps, NOW)
    assert session.exec(select(SentEmail)).all() == []
    with smtp_server(port=port) as server:
        assert [s.to for s in email_outbox.send_due(deps, NOW)] == [user.email]
    assert len(server.to(user.email)) == 1


def test_the_chore_survives_a_failure_and_rests_before_trying_again(
    session: Session, make_deps: Callable[..., Deps], user: User, november: dict[str, uuid.UUID]
) -> None:
    """A chore run against a dead server raises nothing; it retries after its pause, not on every sweep."""
    opt_in(session, user)
    port = free_port()
    clock = [NOW]
    chore = email_outbox.EmailChore(mailing(make_deps(), port), clock=lambda: clock[0])
    assert chore() == []
    assert session.exec(select(SentEmail)).all() == []
    with smtp_server(port=port) as server:
        clock[0] = NOW + timedelta(minutes=1)
        assert chore() == []  # resting
        clock[0] = NOW + email_outbox.PAUSE_AFTER_FAILURE
        assert [s.to for s in chore()] == [user.email]
    assert len(server.received) == 1


def test_the_month_is_the_persons_own(
    session: Session, deps: Deps, server: MailServer, make_user: Callable[..., User]
) -> None:
    """At 12:00 UTC on 30 November it is already December in Auckland: only the Auckland summary goes.

    The late-November spend of 30 Nov 23:30 UTC is December's in Auckland, so it is not in its November.
    """
    kiwi, londoner = make_user(), make_user()
    accounts.set_time_zone(session=session, user_id=kiwi.id, name="Pacific/Auckland")
    session.commit()
    for person in (kiwi, londoner):
        project = projects.create_project(session=session, owner_id=person.id, name="Work")
        spend(session, person, project.id, NOV_3, 2_000_000_000_000)
        spend(session, person, project.id, NOV_30_LATE, 10**12)
    opt_in(session, kiwi, londoner)
    assert [s.to for s in email_outbox.send_due(deps, datetime(2026, 11, 30, 12, tzinfo=UTC))] == [kiwi.email]
    [mail] = server.to(kiwi.email)
    assert mail.subject == "Your mediaws spend in November 2026: $2.00"
    assert "Pacific/Auckland" in mail.body("plain")
    assert [s.to for s in email_outbox.send_due(deps, DEC_1)] == [londoner.email]
    assert server.to(londoner.email)[0].subject == "Your mediaws spend in November 2026: $3.00"


def test_a_summary_not_sent_in_the_first_week_is_not_sent_late(
    session: Session, deps: Deps, server: MailServer, user: User, november: dict[str, uuid.UUID]
) -> None:
    """Turned on mid-month (or a server down all week), the summary waits for the next month's start."""
    opt_in(session, user)
    assert email_outbox.send_due(deps, datetime(2026, 12, 8, 9, tzinfo=UTC)) == []
    assert server.received == []


def test_project_names_are_escaped_in_html(
    session: Session, deps: Deps, server: MailServer, user: User
) -> None:
    """A project named like markup shows as text in the HTML part, and as typed in the plain one."""
    name = "<script>alert('x')</script> & co"
    project = projects.create_project(session=session, owner_id=user.id, name=name)
    spend(session, user, project.id, NOV_3, 10**12)
    opt_in(session, user)
    email_outbox.send_due(deps, NOW)
    [mail] = server.to(user.email)
    html = mail.body("html")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in html
    assert name in mail.body("plain")


def test_no_mail_server_no_email(session: Session, make_deps: Callable[..., Deps], user: User) -> None:
    """Without MEDIAWS_SMTP_HOST nothing is looked up, claimed or sent."""
    opt_in(session, user)
    assert email_outbox.send_due(make_deps(), NOW) == []
    assert session.exec(select(SentEmail)).all() == []


def test_a_claim_left_by_a_worker_that_died_is_taken_over_after_its_lease(
    session: Session, deps: Deps, server: MailServer, user: User, november: dict[str, uuid.UUID]
) -> None:
    """A worker killed mid-send leaves its claim: others leave it alone until the lease ends, then send."""
    opt_in(session, user)
    session.add(SentEmail(user_id=user.id, kind="summary", key="2026-11", claimed_at=NOW))
    session.commit()
    assert email_outbox.send_due(deps, NOW + timedelta(minutes=1)) == []
    later = NOW + sent_emails.LEASE
    assert [s.to for s in email_outbox.send_due(deps, later)] == [user.email]
    assert email_outbox.send_due(deps, later) == []
    session.expire_all()
    [row] = session.exec(select(SentEmail)).all()
    assert (row.claimed_at, row.sent_at) == (later, later)
    assert len(server.received) == 1


def test_a_refused_recipient_does_not_hold_up_the_others(
    session: Session,
    make_deps: Callable[..., Deps],
    make_user: Callable[..., User],
    user: User,
    november: dict[str, uuid.UUID],
) -> None:
    """The server refuses one mailbox: that summary is not recorded (a later check retries it), others go."""
    gone = make_user("gone@example.com")
    opt_in(session, gone, user)
    with smtp_server(refuse=frozenset({gone.email})) as server:
        sent = email_outbox.send_due(mailing(make_deps(), server.port), NOW)
    assert [s.to for s in sent] == [user.email]
    assert [r.recipients for r in server.received] == [[user.email]]
    assert session.exec(select(SentEmail.user_id)).all() == [user.id]
