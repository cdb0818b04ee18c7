"""One click, one generation: a double-click, or clicks faster than the page redraws, start one."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func
from sqlmodel import Session, select

from mediaws.db import make_engine
from mediaws.models import Generation, User
from tests.e2e.support import AppServer, option, sign_up

CLICK_THRICE = "(button) => { button.click(); button.click(); button.click(); }"


def settled_count(page: Page, server: AppServer, email: str, at_least: int) -> int:
    """Generations of the user once the clicks are handled: wait for the first, then a little longer."""
    for _ in range(60):
        if generations_of(server, email) >= at_least:
            break
        page.wait_for_timeout(250)
    page.wait_for_timeout(1_500)
    return generations_of(server, email)


def generations_of(server: AppServer, email: str) -> int:
    engine = make_engine(server.database_url)
    try:
        with Session(engine) as session:
            query = select(func.count()).select_from(Generation).join(User, User.id == Generation.owner_id)
            return int(session.exec(query.where(User.email == email)).one())
    finally:
        engine.dispose()


@pytest.mark.parametrize("viewport", ["desktop"])
def test_double_click_on_generate_starts_one_generation(
    app_server: AppServer, new_page: Callable[[], Page], viewport: str
) -> None:
    page = new_page()
    email = f"double-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, app_server, email)
    page.get_by_role("button", name="New project").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Twice")
    dialog.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name="Twice")).to_be_visible()
    page.get_by_role("link", name="Generate").click()
    expect(page).to_have_url(re.compile(r"/generate"))
    expect(page.get_by_text("$0.00 (free)")).to_be_visible(timeout=30_000)
    page.get_by_label("Prompt").fill("A paper boat on a calm lake")
    option(page, "Size").click()
    page.get_by_role("option", name="512x512").click()

    generate = page.get_by_role("button", name="Generate")
    generate.dblclick()
    expect(page.get_by_text("succeeded")).to_be_visible(timeout=60_000)
    assert settled_count(page, app_server, email, 1) == 1

    page.get_by_label("Prompt").fill("A paper boat on a stormy sea")
    generate.evaluate(CLICK_THRICE)
    assert settled_count(page, app_server, email, 2) == 2
    expect(page.get_by_text("succeeded")).to_be_visible(timeout=60_000)

    page.wait_for_timeout(1_000)
    generate.click()
    assert settled_count(page, app_server, email, 3) == 3, "the same request after it finished is a new one"
