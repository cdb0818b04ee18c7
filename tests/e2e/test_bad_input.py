"""Bad input in the browser gets a clear message and leaves nothing half-written."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update
from sqlmodel import Session, col, select

from mediaws.db import make_engine
from mediaws.models import AuthSession, LoginAttempt, User
from mediaws.services.accounts import normalize_email
from tests.e2e.support import PASSWORD, AppServer, Shots, sign_up

CONNECTION_NOTE = "Adding a key needs a connection: keys are never stored on this device."


@pytest.fixture
def viewport() -> str:
    """These checks run once, at desktop size."""
    return "desktop"


def _email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.com"


def _user_exists(server: AppServer, email: str) -> bool:
    with Session(make_engine(server.database_url)) as session:
        return session.exec(select(User).where(User.email == normalize_email(email))).first() is not None


def _wait_for_failures(server: AppServer, email: str, count: int) -> None:
    engine = make_engine(server.database_url)
    for _ in range(100):
        with Session(engine) as session:
            rows = session.exec(
                select(LoginAttempt).where(
                    LoginAttempt.email == email, col(LoginAttempt.succeeded).is_(False)
                )
            ).all()
        if len(rows) >= count:
            return
        time.sleep(0.1)
    pytest.fail(f"expected {count} failed logins for {email}")


def test_sign_up_refuses_bad_email_and_weak_password(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots
) -> None:
    """Each mistake is named on the form and no account is created."""
    page = new_page()
    page.goto(f"{app_server.url}/signup")
    alert = page.get_by_role("alert")
    cases = [
        ("not-an-email", PASSWORD, PASSWORD, "Enter a valid email address"),
        (_email("weak"), "short", "short", "Password is too short"),
        (_email("twice"), PASSWORD, PASSWORD + "!", "The two passwords do not match."),
    ]
    for email, password, repeat, message in cases:
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_label("Repeat password").fill(repeat)
        page.get_by_role("button", name="Create account").click()
        expect(alert).to_contain_text(message)
        expect(page).to_have_url(re.compile(r"/signup"))
        if "@" in email:
            assert not _user_exists(app_server, email)
    shots(page, "signup-error")

    taken = _email("taken")
    sign_up(new_page(), app_server, taken)
    page.get_by_label("Email").fill(taken.upper())
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(alert).to_contain_text("already exists")


def test_wrong_password_then_throttled(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots
) -> None:
    """Wrong passwords are refused, and repeated failures make this address wait before trying again."""
    email = _email("throttle")
    sign_up(new_page(), app_server, email)
    page = new_page()
    page.goto(f"{app_server.url}/login")
    alert = page.get_by_role("alert")
    for attempt in range(5):
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(f"wrong password {attempt}")
        page.get_by_role("button", name="Log in").click()
        expect(alert).to_have_text("Wrong email or password.")
    _wait_for_failures(app_server, email, 5)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    throttled = re.compile(r"Too many failed logins\. Try again in \d+ (second|minute)s?\.")
    expect(alert).to_contain_text(throttled)
    expect(page).to_have_url(re.compile(r"/login"))
    shots(page, "throttled")


def test_project_names_are_checked(app_server: AppServer, new_page: Callable[[], Page], shots: Shots) -> None:
    """Empty, over-long and duplicate names are refused with the reason; the list is unchanged."""
    page = new_page()
    sign_up(page, app_server, _email("names"))
    page.get_by_role("button", name="New project").click()
    dialog = page.get_by_role("dialog")
    name_box = dialog.get_by_label("Name")
    create = dialog.get_by_role("button", name="Create project")
    alert = dialog.get_by_role("alert")

    create.click()
    expect(alert).to_have_text("Project name is required.")
    name_box.fill("x" * 201)
    create.click()
    expect(alert).to_have_text("Project name is too long (201 characters); the limit is 200.")
    name_box.fill("Storyboard")
    dialog.get_by_label("Monthly budget (USD, optional)").fill("ten dollars")
    create.click()
    expect(alert).to_contain_text("Budget must be an amount in USD")
    shots(page, "create-errors")
    dialog.get_by_label("Monthly budget (USD, optional)").fill("")
    create.click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("heading", name="Storyboard")).to_be_visible()

    page.get_by_role("button", name="New project").click()
    dialog.get_by_label("Name").fill("storyboard")
    dialog.get_by_role("button", name="Create project").click()
    expect(dialog.get_by_role("alert")).to_contain_text("You already have a project named")
    page.keyboard.press("Escape")
    expect(page.get_by_text("1 active · 0 archived")).to_be_visible()

    page.get_by_role("heading", name="Storyboard").click()
    expect(page.get_by_role("heading", name="Storyboard", level=1)).to_be_visible()
    page.get_by_label("Name").fill("   ")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert").first).to_contain_text("Project name is required.")
    page.reload()
    expect(page.get_by_role("heading", name="Storyboard", level=1)).to_be_visible()


def test_expired_session_goes_to_login_and_back(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots
) -> None:
    """When the session runs out mid-use the next action asks for a login, then returns."""
    email = _email("expiry")
    page = new_page()
    sign_up(page, app_server, email)
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("button", name="Add Anthropic key")).to_be_visible()

    engine = make_engine(app_server.database_url)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        session.exec(
            update(AuthSession)
            .where(AuthSession.user_id == user.id)  # type: ignore[arg-type]
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        session.commit()

    page.get_by_role("button", name="Add Anthropic key").click()
    page.get_by_label("API key", exact=True).fill("sk-ant-" + "k" * 30)
    page.get_by_role("button", name="Save key").click()
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fsettings%2Fkeys"))
    shots(page, "expired")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/settings/keys/?$"))
    expect(page.locator("[data-provider='anthropic']").get_by_text("Not set")).to_be_visible()


def test_keys_and_endpoints_refuse_bad_input(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots
) -> None:
    """The key form says it needs a connection; an empty key or bad endpoint URL is explained, not stored."""
    page = new_page()
    sign_up(page, app_server, _email("keys"))
    page.get_by_role("link", name="API keys").click()
    page.get_by_role("button", name="Add OpenAI key").click()
    expect(page.get_by_role("dialog").get_by_text(CONNECTION_NOTE)).to_be_visible()
    page.get_by_label("API key", exact=True).fill("sk-revoked-" + "q" * 24)
    page.get_by_role("button", name="Save key").click()
    page.get_by_role("button", name="Test OpenAI key").click()
    expect(page.get_by_text("OpenAI says the key is invalid")).to_be_visible(timeout=15_000)
    shots(page, "key-refused")

    page.get_by_role("button", name="Add Replicate key").click()
    page.get_by_role("button", name="Save key").click()
    expect(page.get_by_role("dialog").get_by_role("alert")).to_contain_text("The key is empty.")
    page.keyboard.press("Escape")
    expect(page.locator("[data-provider='replicate']").get_by_text("Not set")).to_be_visible()

    page.get_by_role("button", name="Add endpoint").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Ollama <laptop>")
    dialog.get_by_label("Base URL").fill("localhost:11434")
    dialog.get_by_role("button", name="Save endpoint").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Base URL must start with http:// or https://")
    shots(page, "endpoint-error")
    dialog.get_by_label("Base URL").fill("http://127.0.0.1:11434/v1")
    dialog.get_by_role("button", name="Save endpoint").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("heading", name="Ollama <laptop>")).to_be_visible()
    expect(page.get_by_text("http://127.0.0.1:11434/v1")).to_be_visible()
