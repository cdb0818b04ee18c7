"""Request dependencies: the generation Deps, a database session and the caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from mediaws.errors import SessionExpired
from mediaws.models import User
from mediaws.services import accounts, generation, tokens

SESSION_COOKIE = "mediaws_session"

bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="PersonalAccessToken", description="Authorization: Bearer mws_…"
)
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, scheme_name="BrowserSession", description="The app's login cookie"
)


@lru_cache(maxsize=1)
def _process_deps() -> generation.Deps:
    return generation.app_deps()


def get_deps() -> generation.Deps:
    """Database, storage, keyring and providers of this process (tests override this)."""
    return _process_deps()


def get_session_factory(deps: generation.Deps = Depends(get_deps)) -> Callable[[], Session]:
    """Where request sessions come from (tests may override this on its own)."""
    return deps.session_factory


def get_session(factory: Callable[[], Session] = Depends(get_session_factory)) -> Iterator[Session]:
    """One database session per request, closed (and rolled back if unfinished) afterwards."""
    with factory() as session:
        yield session


def current_user(
    request: Request,
    session: Session = Depends(get_session),
    bearer: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
    cookie: str | None = Depends(cookie_scheme),
) -> User:
    """The caller: a personal access token if an Authorization header is sent, else the login cookie."""
    if bearer is not None:
        return tokens.user_for_pat(session=session, token=bearer.credentials)
    if request.headers.get("authorization"):
        raise SessionExpired("Send the access token as 'Authorization: Bearer mws_…'.")
    if cookie:
        return accounts.user_for_token(session=session, token=cookie)
    raise SessionExpired("Log in, or send a personal access token as 'Authorization: Bearer mws_…'.")
