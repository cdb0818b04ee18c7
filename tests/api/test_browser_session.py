"""Login forms go to the server, which sets an HttpOnly, SameSite=Strict session cookie (Secure if https)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from mediaws.api import api
from mediaws.api.deps import get_deps, get_session_factory
from mediaws.config import Settings
from mediaws.deps import Deps
from mediaws.models import AuthSession, User
from mediaws.providers.registry import default_registry
from mediaws.security.crypto import Keyring
from mediaws.services import accounts
from mediaws.services.auth_forms import error_message
from mediaws.storage import LocalStorage

PASSWORD = "violet-harbour-lantern-42"
ORIGIN = "http://localhost:3000"


def browser(deps: Deps, base_url: str = ORIGIN) -> TestClient:
    """A client that behaves like the browser on our own page (same-origin form posts, no redirects)."""
    return TestClient(
        api,
        base_url=base_url,
        follow_redirects=False,
        headers={"Origin": base_url, "Sec-Fetch-Site": "same-origin"},
        client=("127.0.0.1", 50000),
    )


@pytest.fixture
def make_deps_for(
    engine: Engine, keyring: Keyring, make_settings: Callable[..., Settings], tmp_path: Path
) -> Iterator[Callable[..., Deps]]:
    """Install Deps on the test database with the given settings."""

    def build(**overrides: object) -> Deps:
        deps = Deps(
            settings=make_settings(**overrides),
            registry=default_registry(),
            keyring=keyring,
            storage=LocalStorage(tmp_path / "files"),
            session_factory=lambda: Session(engine, expire_on_commit=False),
        )
        api.dependency_overrides[get_deps] = lambda: deps
        api.dependency_overrides[get_session_factory] = lambda: deps.session_factory
        return deps

    yield build
    api.dependency_overrides.clear()


def set_cookie(response: object) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    assert len(headers) == 1, headers
    return str(headers[0])


def test_login_sets_an_httponly_strict_cookie_and_goes_to_next(
    make_deps_for: Callable[..., Deps], user: User, session: Session
) -> None:
    deps = make_deps_for()
    with browser(deps) as client:
        response = client.post(
            "/_session/login", data={"email": user.email, "password": PASSWORD, "next": "/generate?x=1"}
        )
    assert response.status_code == 303
    assert response.headers["location"] == "/generate?x=1"
    cookie = set_cookie(response)
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert flags[0].startswith("mediaws_session=")
    assert "httponly" in flags
    assert "samesite=strict" in flags
    assert "path=/" in flags
    assert "secure" not in flags
    token = cookie.split(";")[0].split("=", 1)[1]
    assert accounts.user_for_token(session=session, token=token).id == user.id
    with TestClient(api, cookies={"mediaws_session": token}) as api_client:
        listed = api_client.get("/api/projects")
    assert listed.status_code == 200


def test_cookie_is_secure_by_default_when_the_public_url_is_https(
    make_deps_for: Callable[..., Deps], user: User
) -> None:
    deps = make_deps_for(public_url="https://media.example.com")
    assert deps.settings.cookie_secure is True
    with browser(deps, "https://media.example.com") as client:
        response = client.post("/_session/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303
    assert "secure" in [part.strip().lower() for part in set_cookie(response).split(";")]


def test_cookie_secure_can_be_forced_off_behind_https(make_settings: Callable[..., Settings]) -> None:
    assert make_settings(public_url="https://media.example.com", cookie_secure=False).cookie_secure is False
    assert make_settings(public_url="http://localhost:3000").cookie_secure is False
    assert make_settings(public_url="http://localhost:3000", cookie_secure=True).cookie_secure is True


def test_wrong_password_goes_back_to_the_form_with_a_code_and_no_cookie(
    make_deps_for: Callable[..., Deps], user: User
) -> None:
    deps = make_deps_for()
    with browser(deps) as client:
        response = client.post(
            "/_session/login", data={"email": user.email, "password": "wrong-guess-1", "next": "/generate"}
        )
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == "/login"
    query = parse_qs(target.query)
    assert query == {"error": ["credentials"], "next": ["/generate"]}
    assert error_message("credentials") == "Wrong email or password."
    assert "set-cookie" not in response.headers


def test_throttled_login_says_how_long_to_wait(make_deps_for: Callable[..., Deps], user: User) -> None:
    deps = make_deps_for()
    with browser(deps) as client:
        for _ in range(5):
            client.post("/_session/login", data={"email": user.email, "password": "wrong-guess-1"})
        response = client.post("/_session/login", data={"email": user.email, "password": PASSWORD})
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["throttled"]
    wait = int(query["retry"][0])
    assert 0 < wait <= 30
    assert (
        error_message("throttled", query["retry"][0])
        == f"Too many failed logins. Try again in {wait} seconds."
    )


def test_forwarded_for_is_honoured_only_from_a_trusted_proxy(
    make_deps_for: Callable[..., Deps], user: User, session: Session
) -> None:
    for trusted, expected in (("", "127.0.0.1"), ("10.0.0.0/8,127.0.0.1", "203.0.113.9")):
        deps = make_deps_for(trusted_proxies=trusted) if trusted else make_deps_for()
        with browser(deps) as client:
            client.post(
                "/_session/login",
                data={"email": user.email, "password": PASSWORD},
                headers={"X-Forwarded-For": "203.0.113.9"},
            )
        newest = session.exec(select(AuthSession).order_by(AuthSession.created_at.desc())).first()  # type: ignore[attr-defined]
        assert newest is not None
        assert newest.client == expected


def test_a_login_form_from_another_site_is_refused(make_deps_for: Callable[..., Deps], user: User) -> None:
    make_deps_for()
    with TestClient(api, base_url=ORIGIN, follow_redirects=False) as client:
        for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
            response = client.post(
                "/_session/login", data={"email": user.email, "password": PASSWORD}, headers=headers
            )
            assert response.status_code == 303
            assert parse_qs(urlsplit(response.headers["location"]).query)["error"] == ["cross_site"]
            assert "set-cookie" not in response.headers


def test_an_oversized_form_is_refused_before_it_is_parsed(
    make_deps_for: Callable[..., Deps], user: User
) -> None:
    deps = make_deps_for()
    with browser(deps) as client:
        response = client.post("/_session/login", data={"email": user.email, "password": "x" * 100_000})
    assert response.status_code == 413


def test_sign_up_creates_the_account_and_logs_in(make_deps_for: Callable[..., Deps], engine: Engine) -> None:
    deps = make_deps_for()
    form = {"email": "New@Example.com", "password": PASSWORD, "password_confirm": PASSWORD}
    with browser(deps) as client:
        response = client.post("/_session/signup", data=form)
        again = client.post("/_session/signup", data=form)
        mismatch = client.post(
            "/_session/signup", data=form | {"email": "b@example.com", "password_confirm": "x"}
        )
        weak = client.post(
            "/_session/signup",
            data={"email": "c@example.com", "password": "short", "password_confirm": "short"},
        )
    assert response.status_code == 303
    assert response.headers["location"] == "/projects"
    assert "httponly" in set_cookie(response).lower()
    with Session(engine) as fresh:
        assert fresh.exec(select(User).where(User.email == "new@example.com")).one()
    for refused, code in ((again, "taken"), (mismatch, "mismatch"), (weak, "short")):
        target = urlsplit(refused.headers["location"])
        assert (target.path, parse_qs(target.query)["error"]) == ("/signup", [code])
        assert error_message(code)


def test_log_out_revokes_the_session_and_clears_the_cookie(
    make_deps_for: Callable[..., Deps], user: User, session: Session
) -> None:
    deps = make_deps_for()
    with browser(deps) as client:
        login = client.post("/_session/login", data={"email": user.email, "password": PASSWORD})
        token = set_cookie(login).split(";")[0].split("=", 1)[1]
        client.cookies.set("mediaws_session", token)
        response = client.post("/_session/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    cleared = set_cookie(response).lower()
    assert cleared.startswith('mediaws_session=""') or cleared.startswith("mediaws_session=;")
    assert "max-age=0" in cleared
    session.expire_all()
    with pytest.raises(Exception, match="session has ended"):
        accounts.user_for_token(session=session, token=token)
