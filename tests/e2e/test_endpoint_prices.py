"""An endpoint's prices in Settings → API keys: typed in the dialog, checked, shown on the row."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.e2e.support import AppServer, Shots, sign_up


def _row(page: Page, name: str) -> Locator:
    return page.locator(".endpoint-row").filter(has=page.get_by_role("heading", name=name, exact=True))


def _fill_endpoint(page: Page, name: str, url: str, prices: tuple[str, str]) -> Locator:
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Base URL").fill(url)
    dialog.get_by_label("Input price").fill(prices[0])
    dialog.get_by_label("Output price").fill(prices[1])
    dialog.get_by_role("button", name="Save endpoint").click()
    return dialog


def test_endpoint_prices_are_typed_checked_and_shown(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """A comma decimal is explained; saved prices read per 1M tokens, 0/0 as free, none as a to-do."""
    page = new_page()
    sign_up(page, app_server, f"prices-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_role("link", name="API keys").click()

    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("USD per 1M tokens; 0 for your own server such as Ollama.")).to_be_visible()
    dialog = _fill_endpoint(page, "Together", "https://api.together.example/v1", ("0,60", "2.40"))
    expect(dialog.get_by_role("alert")).to_contain_text("Use a dot for decimals.")
    shots(page, "endpoint-price-error")
    dialog.get_by_label("Input price").fill("0.60")
    dialog.get_by_role("button", name="Save endpoint").click()
    expect(dialog).to_be_hidden()
    expect(_row(page, "Together").get_by_text("$0.60 / $2.40 per 1M tokens")).to_be_visible()

    page.get_by_role("button", name="Add endpoint").click()
    dialog = _fill_endpoint(page, "Ollama", "http://127.0.0.1:11434/v1", ("", ""))
    expect(dialog).to_be_hidden()
    expect(_row(page, "Ollama").get_by_text("no price yet — set one to generate")).to_be_visible()
    shots(page, "endpoint-prices")

    _row(page, "Ollama").get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Input price")).to_have_value("")
    dialog = _fill_endpoint(page, "Ollama", "http://127.0.0.1:11434/v1", ("0", "0"))
    expect(dialog).to_be_hidden()
    expect(_row(page, "Ollama").get_by_text("free", exact=True)).to_be_visible()

    _row(page, "Together").get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Input price")).to_have_value("0.60")
    expect(dialog.get_by_label("Output price")).to_have_value("2.40")
    shots(page, "endpoint-edit-prices")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
