"""Request dependencies: the generation Deps, where sessions come from, and the caller.

None of them touches the database or waits for a thread: the caller was looked up by the gate
(``mediaws.api.gate``) before the request body was read, and each route opens its one session
itself, inside the one thread it runs in, and closes it before it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from mediaws import wiring
from mediaws.deps import Deps
from mediaws.errors import SessionExpired
from mediaws.models import User

SESSION_COOKIE = "mediaws_session"
CALLER_SCOPE_KEY = "mediaws.caller"
SessionFactory = Callable[[], Session]

bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="PersonalAccessToken", description="Authorization: Bearer mws_…"
)
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, scheme_name="BrowserSession", description="The app's login cookie"
)


@lru_cache(maxsize=1)
def process_deps() -> Deps:
    """The Deps of this process, built once (the first call loads the providers: call it in a thread)."""
    return wiring.app_deps()


async def get_deps() -> Deps:
    """Database, storage, keyring and providers of this process (tests override this)."""
    return process_deps()


async def get_session_factory(deps: Deps = Depends(get_deps)) -> SessionFactory:
    """Where request sessions come from (tests may override this on its own)."""
    return deps.session_factory


async def current_user(
    request: Request,
    _bearer: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
    _cookie: str | None = Depends(cookie_scheme),
) -> User:
    """The caller the gate found (a personal access token if sent, else the login cookie)."""
    user = request.scope.get(CALLER_SCOPE_KEY)
    if not isinstance(user, User):
        raise SessionExpired("Log in, or send a personal access token as 'Authorization: Bearer mws_…'.")
    return user


def overridden(app: Any, dependency: Callable[..., Any]) -> Callable[[], Any] | None:
    """A test's zero-argument override of a dependency on ``app``, if it set one."""
    overrides: dict[Callable[..., Any], Callable[[], Any]] = getattr(app, "dependency_overrides", {})
    return overrides.get(dependency)
