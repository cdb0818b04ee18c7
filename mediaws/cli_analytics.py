"""``mediaws analytics``: recount the spend totals from the ledger, and check that they agree with it."""

from __future__ import annotations

import typer

from mediaws.cli_common import friendly
from mediaws.db import session_scope
from mediaws.services import accounts, ledger

analytics_app = typer.Typer(help="Spend and usage totals.", no_args_is_help=True)
USER_HELP = "Email of one account (all accounts when absent)."


@analytics_app.command("rebuild")
@friendly
def rebuild_command(user: str = typer.Option("", help=USER_HELP)) -> None:
    """Enter finished generations missing from the ledger, then recount every day and month from it."""
    with session_scope() as session:
        user_id = accounts.user_by_email(session=session, email=user).id if user else None
        count = ledger.rebuild(session, user_id)
    typer.echo(f"recounted {count} day and month totals from the ledger")


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
