"""Who is calling: credentials from the request head, looked up in one short-lived session."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import HTTPConnection

from mediaws.api.deps import SESSION_COOKIE, SessionFactory
from mediaws.errors import SessionExpired
from mediaws.models import User
from mediaws.services import accounts, tokens


@dataclass(frozen=True)
class Credentials:
    """A personal access token (``bearer``) or the browser's login cookie (``cookie``)."""

    kind: str
    secret: str


def credentials_of(connection: HTTPConnection) -> Credentials:
    """The credentials a request sends; an Authorization header never falls back to the cookie."""
    authorization = connection.headers.get("authorization")
    if authorization:
        scheme, secret = get_authorization_scheme_param(authorization)
        if scheme.lower() != "bearer" or not secret:
            raise SessionExpired("Send the access token as 'Authorization: Bearer mws_…'.")
        return Credentials("bearer", secret)
    cookie = connection.cookies.get(SESSION_COOKIE)
    if cookie:
        return Credentials("cookie", cookie)
    raise SessionExpired("Log in, or send a personal access token as 'Authorization: Bearer mws_…'.")


def authenticate(sessions: SessionFactory, credentials: Credentials) -> User:
    """The user behind the credentials; the session (and its connection) is closed before returning."""
    with sessions() as session:
        if credentials.kind == "bearer":
            return tokens.user_for_pat(session=session, token=credentials.secret)
        return accounts.user_for_token(session=session, token=credentials.secret)
