"""What every ``mediaws`` sub-command shares: one-line errors and the account it acts as."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from mediaws.errors import MediawsError, ValidationError
from mediaws.models import User
from mediaws.services import accounts, tokens

F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Print mediaws errors as one line and exit 2 instead of a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MediawsError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except SQLAlchemyError as exc:
            reason = type(getattr(exc, "orig", None) or exc).__name__
            typer.echo(
                f"error: the database refused the command ({reason}). "
                "If it is new, run `mediaws db upgrade` first.",
                err=True,
            )
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def acting_user(session: Session, email: str, token: str) -> User:
    """The account named by --user, or the one a personal access token belongs to."""
    if bool(email) == bool(token):
        raise ValidationError("Name the account with either --user EMAIL or --token TOKEN.", field="user")
    if token:
        return tokens.user_for_pat(session=session, token=token)
    return accounts.user_by_email(session=session, email=email)
