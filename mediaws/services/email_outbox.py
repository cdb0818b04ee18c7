"""Send the emails that are due (monthly summaries, budget warnings), each once, between a worker's jobs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from mediaws.deps import Deps
from mediaws.mail import Mailer, MailError, RecipientRefused
from mediaws.models.base import utcnow
from mediaws.services import budget_email, sent_emails, summary_email
from mediaws.services.sent_emails import Owed, Sent

log = logging.getLogger(__name__)
BATCH = 100
"""Emails one chore run sends at most, so a month's summaries never hold a worker's jobs up for long."""
SUMMARY_CHECK_EVERY = timedelta(hours=1)
BUDGET_OVERLAP = timedelta(minutes=5)
"""Budgets are looked at again for spend entered this long before the last look (commits land late)."""
PAUSE_AFTER_FAILURE = timedelta(minutes=5)


def owed_now(
    deps: Deps, now: datetime, *, summaries: bool = True, budgets_since: datetime | None = None
) -> list[Owed]:
    """The budget warnings and (with ``summaries``) monthly summaries due at ``now`` and not yet sent."""
    with deps.session_factory() as session:
        owed = budget_email.due(session, now=now, since=budgets_since, settings=deps.settings)
        if summaries:
            owed += summary_email.due(session, now=now, settings=deps.settings)
    return owed


def send_due(deps: Deps, now: datetime) -> list[Sent]:
    """Send every budget warning and monthly summary due at ``now``, each once; return what went.

    Raises MailError when the mail server cannot be reached or refuses the login: the email being sent is
    then not recorded, and a later run sends it. A refused recipient skips that one email only.
    """
    if deps.mailer is None:
        return []
    return send(deps, deps.mailer, owed_now(deps, now), now)


def send(deps: Deps, mailer: Mailer, owed: list[Owed], now: datetime) -> list[Sent]:
    """Deliver each owed email in turn; stop at the first MailError (raised)."""
    sent = [deliver(deps, mailer, item, now) for item in owed]
    return [item for item in sent if item is not None]


def deliver(deps: Deps, mailer: Mailer, owed: Owed, now: datetime) -> Sent | None:
    """Claim one email, write and send it, and record it; None when another worker has it or it is moot."""
    with deps.transaction() as session:
        claim = sent_emails.claim(session, user_id=owed.user_id, kind=owed.kind, key=owed.key, now=now)
    if claim is None:
        return None
    try:
        with deps.session_factory() as session:
            message = owed.write(session)
        if message is not None:
            mailer.send(message)
    except RecipientRefused as exc:
        log.warning("%s email %s not sent: %s", owed.kind, owed.key, exc)
        message = None
    except BaseException:
        with deps.transaction() as session:
            sent_emails.release(session, claim)
        raise
    with deps.transaction() as session:
        if message is None:
            sent_emails.release(session, claim)
            return None
        sent_emails.mark_sent(session, claim, now)
    return Sent(owed.user_id, owed.kind, owed.key, message.to, message.subject)


class EmailChore:
    """A worker's email chore: summaries looked for hourly, budgets of projects that spent since the last run.

    When the mail server fails, the chore rests a few minutes rather than hold the worker up on every run.
    """

    def __init__(self, deps: Deps, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.deps = deps
        self.clock = clock
        self._summaries_after: datetime | None = None
        self._budgets_since: datetime | None = None
        self._resume_at: datetime | None = None

    def __call__(self) -> list[Sent]:
        """Send what is due now, at most BATCH emails (the rest on the next run)."""
        now, mailer = self.clock(), self.deps.mailer
        if mailer is None or (self._resume_at is not None and now < self._resume_at):
            return []
        summaries = self._summaries_after is None or now >= self._summaries_after
        owed = owed_now(self.deps, now, summaries=summaries, budgets_since=self._budgets_since)
        try:
            sent = send(self.deps, mailer, owed[:BATCH], now)
        except MailError as exc:
            self._resume_at = now + PAUSE_AFTER_FAILURE
            log.warning("email paused for %s: %s", PAUSE_AFTER_FAILURE, exc)
            return []
        if len(owed) <= BATCH:
            self._budgets_since = now - BUDGET_OVERLAP
            if summaries:
                self._summaries_after = now + SUMMARY_CHECK_EVERY
        return sent
