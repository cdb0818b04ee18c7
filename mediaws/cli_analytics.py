"""``mediaws analytics``: export the ledger (CSV or PDF report), invoice a month, recount and check totals."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import typer

from mediaws.cli_common import friendly
from mediaws.db import session_scope
from mediaws.services import (
    accounts,
    analytics,
    analytics_export,
    analytics_report,
    invoice,
    ledger,
    report_scope,
)

analytics_app = typer.Typer(help="Spend and usage totals.", no_args_is_help=True)
USER_HELP = "Email of one account (all accounts when absent)."


@analytics_app.command("rebuild")
@friendly
def rebuild_command(user: str = typer.Option("", help=USER_HELP)) -> None:
    """Enter finished generations missing from the ledger, then recount every day, month and hour from it."""
    with session_scope() as session:
        user_id = accounts.user_by_email(session=session, email=user).id if user else None
        totals, hours = ledger.rebuild(session, user_id)
    typer.echo(f"recounted {totals} day and month totals and {hours} hour counts from the ledger")


@analytics_app.command("check")
@friendly
def check_command(user: str = typer.Option("", help=USER_HELP)) -> None:
    """List each total that differs from the sum of its ledger entries; exit 1 if there is any."""
    with session_scope() as session:
        user_id = accounts.user_by_email(session=session, email=user).id if user else None
        differences = ledger.check(session, user_id)
    for difference in differences:
        typer.echo(str(difference))
    if differences:
        typer.echo(f"{len(differences)} total(s) differ; `mediaws analytics rebuild` recounts them", err=True)
        raise typer.Exit(1)
    typer.echo("every total equals the sum of its ledger entries")


def _write(out: Path, chunks: Iterable[bytes]) -> None:
    """Write the bytes to the file, or to standard output for '-'."""
    if str(out) == "-":
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        return
    with out.open("wb") as target:
        for chunk in chunks:
            target.write(chunk)
    typer.echo(f"wrote {out}", err=True)


@analytics_app.command("export")
@friendly
def export_command(
    user: str = typer.Option(..., help="Email of the account."),
    start: str = typer.Option("", "--from", help="First day, e.g. 2026-11-01 (default: 30 days ago)."),
    end: str = typer.Option("", "--to", help="Last day, included (default: today)."),
    provider: str = typer.Option("", help="Only this provider."),
    model: str = typer.Option("", help="Only this model."),
    file_format: Literal["csv", "pdf"] = typer.Option(
        "csv", "--format", help="csv (every generation) or pdf (the usage report)."
    ),
    out: Path = typer.Option(Path("-"), help="File to write ('-' for standard output)."),
) -> None:
    """Write the account's finished generations in the range as CSV (RFC 4180, UTF-8), or its usage report."""
    with session_scope() as session:
        user_id = accounts.user_by_email(session=session, email=user).id
        filters = analytics.parse_filters(
            start=start or None,
            end=end or None,
            today=analytics.today_for(session, user_id),
            provider=provider,
            model=model,
        )
        if file_format == "pdf":
            _write(out, [analytics_report.usage_report(session, user_id=user_id, filters=filters)])
            return
    _write(out, analytics_export.csv_chunks(session_scope, user_id, filters))


@analytics_app.command("invoice")
@friendly
def invoice_command(
    user: str = typer.Option(..., help="Email of the account."),
    month: str = typer.Option(..., help="A calendar month of the account's time zone, e.g. 2026-11."),
    project: str = typer.Option("", help="Only this project (its id); all projects when absent."),
    out: Path = typer.Option(..., help="PDF file to write ('-' for standard output)."),
) -> None:
    """Write the account's invoice for a month: each provider's models, subtotals and the exact total."""
    with session_scope() as session:
        user_id = accounts.user_by_email(session=session, email=user).id
        first = report_scope.calendar_month(month, analytics.today_for(session, user_id))
        content = invoice.invoice(session, user_id=user_id, month=first, project_id=project or None)
    _write(out, [content])
