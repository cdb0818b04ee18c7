"""Generate from the browser with the offline provider: cost shown first, progress, result kept."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.support import AppServer, Shots, SlowReplicate, option, sign_up

IMAGE_LOADED = "() => [...document.images].some((i) => i.alt === 'Generated image' && i.naturalWidth === 512)"
AUDIO_LOADED = "() => { const a = document.querySelector('audio'); return !!a && a.duration > 0.5; }"


def _new_project(page: Page, name: str) -> None:
    page.get_by_role("button", name="New project").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Monthly budget (USD, optional)").fill("5")
    dialog.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def test_generate_image_and_speech_with_the_local_provider(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """Pick image, see $0.00 (free) and the budget, generate, watch it finish, see it; then speech."""
    page = new_page()
    sign_up(page, app_server, f"gen-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    _new_project(page, "Posters")
    page.get_by_role("link", name="Generate").click()
    expect(page).to_have_url(re.compile(r"/generate"))
    expect(page.get_by_text("Estimated cost:")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("$0.00 (free)")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Budget: $5.00 left of $5.00 this month")).to_be_visible()
    page.get_by_label("Prompt").fill("A paper boat on a calm lake")
    option(page, "Size").click()
    page.get_by_role("option", name="512x512").click()
    shots(page, "generate-form")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("succeeded")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Cost: $0.00 (free)", exact=True)).to_be_visible()
    image = page.get_by_role("img", name="Generated image")
    expect(image).to_be_visible()
    page.wait_for_function(IMAGE_LOADED)
    shots(page, "generate-image-done")

    page.get_by_role("radio", name="Speech").click()
    expect(option(page, "Voice")).to_be_visible()
    expect(option(page, "Speed")).to_have_attribute("placeholder", "Model default")  # blank: espeak's own
    page.get_by_label("Prompt").fill("Welcome to mediaws.")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("audio")).to_have_count(1, timeout=60_000)
    page.wait_for_function(AUDIO_LOADED)
    shots(page, "generate-speech-done")

    page.get_by_role("link", name="Open the project").click()
    recent = page.get_by_role("heading", name="Recent generations").locator(
        "xpath=ancestor::div[contains(@class,'rt-Card')]"
    )
    expect(recent.get_by_text("A paper boat on a calm lake")).to_be_visible()
    expect(recent.get_by_text("Welcome to mediaws.")).to_be_visible()
    expect(recent.get_by_text("succeeded")).to_have_count(2)
    expect(recent.get_by_text("$0.00 (free)")).to_have_count(2)
    shots(page, "project-recent")


def test_video_progress_survives_a_reload_and_cancels(
    app_server: AppServer,
    fake_replicate: SlowReplicate,
    new_page: Callable[[], Page],
    shots: Shots,
    viewport: str,
) -> None:
    """A Replicate video shows progress, is followed after a reload, and Cancel stops it at Replicate."""
    if viewport == "phone":
        pytest.skip("once is enough: the desktop run covers it")
    page = new_page()
    sign_up(page, app_server, f"video-{uuid.uuid4().hex[:8]}@example.com")
    _new_project(page, "Trailer")
    page.get_by_role("link", name="API keys").click()
    page.get_by_role("button", name="Add Replicate key").click()
    page.get_by_label("API key", exact=True).fill("r8_e2e_0123456789abcdefXYZ1")
    page.get_by_role("button", name="Save key").click()
    expect(page.locator("[data-provider='replicate']").get_by_text("•••• XYZ1")).to_be_visible()
    page.get_by_role("link", name="Generate").click()
    expect(page.get_by_text("Estimated cost:")).to_be_visible(timeout=30_000)
    page.get_by_role("radio", name="Video").click()
    page.get_by_role("combobox", name="Model").click()
    page.get_by_role("option", name=re.compile("MiniMax Video-01")).click()
    page.get_by_role("textbox", name="Prompt").fill("Slow clouds over mountains")
    expect(page.get_by_text("$0.50")).to_be_visible()
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text(re.compile(r"^([1-9]\d?)%"))).to_be_visible(timeout=60_000)
    shots(page, "video-progress")
    page.reload()
    expect(page.get_by_role("button", name="Cancel")).to_be_visible(timeout=20_000)
    expect(page.get_by_text(re.compile(r"^([1-9]\d?)%"))).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("cancelled", exact=True)).to_be_visible(timeout=60_000)
    expect(page.locator("video")).to_have_count(0)
    assert fake_replicate.server.calls("POST", r"/v1/predictions/[^/]+/cancel")
    shots(page, "video-cancelled")
