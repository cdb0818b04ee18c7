"""Generate page extras: a start image for video, voice previews, endpoints' models and a fallback model."""

from __future__ import annotations

import io
import re
import socket
import uuid
from collections.abc import Callable
from pathlib import Path

import av
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.support import SECRET, AppServer, HeldAnswers, Shots, option, sign_up
from tests.providers.fakeserver import FakeServer

START_COLOUR = (232, 48, 40)
MEDIA_READY = (
    "(sel) => { const m = document.querySelector(sel); return !!m && m.readyState >= 1 && m.duration > 0; }"
)
IMAGE_READY = "(alt) => [...document.images].some((i) => i.alt === alt && i.complete && i.naturalWidth > 0)"


def _new_project(page: Page, name: str) -> None:
    page.get_by_role("button", name="New project").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def _to_generate(page: Page) -> None:
    page.get_by_role("link", name="Generate").click()
    expect(page).to_have_url(re.compile(r"/generate"))
    expect(page.get_by_text("Estimated cost:")).to_be_visible(timeout=30_000)


def _start_image(tmp_path: Path) -> Path:
    path = tmp_path / "red start.png"
    Image.new("RGB", (320, 180), START_COLOUR).save(path, format="PNG")
    return path


def _corner_colour(mp4: bytes) -> tuple[int, int, int]:
    with av.open(io.BytesIO(mp4)) as container:
        frame = next(container.decode(video=0)).to_image()
    return frame.convert("RGB").getpixel((6, 6))  # type: ignore[return-value]


def test_a_start_image_is_uploaded_shown_and_used_for_a_local_video(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str, tmp_path: Path
) -> None:
    """Video tab: choose a PNG, see its thumbnail, remove and choose again; the video starts from it."""
    page = new_page()
    sign_up(page, app_server, f"start-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    _new_project(page, "Moodboard")
    _to_generate(page)
    expect(page.get_by_text("Start image")).to_have_count(0)
    page.get_by_role("radio", name="Video").click()
    expect(page.get_by_text("Start image (optional)")).to_be_visible()

    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("this is not a picture")
    page.locator("#start-image input[type=file]").set_input_files(str(not_an_image))
    expect(page.get_by_role("alert")).to_contain_text(
        'This file is not a PNG, JPEG or WebP image (it looks like text: "this is not a picture").'
    )

    page.locator("#start-image input[type=file]").set_input_files(str(_start_image(tmp_path)))
    expect(page.get_by_role("img", name="Start image")).to_be_visible()
    page.wait_for_function(IMAGE_READY, arg="Start image")
    expect(page.get_by_text("red start.png")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_role("button", name="Remove start image").click()
    expect(page.get_by_role("img", name="Start image")).to_have_count(0)
    page.locator("#start-image input[type=file]").set_input_files(str(_start_image(tmp_path)))
    expect(page.get_by_role("img", name="Start image")).to_be_visible()

    option(page, "Duration Seconds").fill("2")
    option(page, "Duration Seconds").press("Tab")
    option(page, "Resolution").click()
    page.get_by_role("option", name="640x360").click()
    page.get_by_label("Prompt").fill("Slow push in on the red wall")
    expect(page.get_by_text("$0.00 (free)")).to_be_visible()
    shots(page, "start-image-chosen")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("succeeded", exact=True)).to_be_visible(timeout=90_000)
    video = page.locator("video")
    expect(video).to_have_count(1)
    page.wait_for_function(MEDIA_READY, arg="video")
    expect(page.get_by_role("img", name="Image it was made from")).to_be_visible()
    shots(page, "start-image-video-done")

    url = video.get_attribute("src")
    assert url
    mp4 = page.request.get(f"{app_server.url}{url}").body()
    red, green, blue = _corner_colour(mp4)
    assert red > 180 and green < 110 and blue < 110, (red, green, blue)


def test_a_long_video_shows_the_time_left(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """Next to the percentage the page says how long is left, once the worker can tell."""
    if viewport == "phone":
        pytest.skip("once is enough: the desktop run covers it")
    page = new_page()
    sign_up(page, app_server, f"eta-{uuid.uuid4().hex[:8]}@example.com")
    _new_project(page, "Timelapse")
    _to_generate(page)
    page.get_by_role("radio", name="Video").click()
    option(page, "Duration Seconds").fill("20")
    option(page, "Duration Seconds").press("Tab")
    option(page, "With Audio").click()
    page.get_by_label("Prompt").fill("Stars turning over a desert")
    page.get_by_role("button", name="Generate").click()
    eta = page.get_by_text(re.compile(r"^about (\d+ min )?\d+ s left$|^about \d+ min left$"))
    expect(eta).to_be_visible(timeout=60_000)
    shots(page, "video-eta")
    expect(page.get_by_text("succeeded", exact=True)).to_be_visible(timeout=120_000)
    expect(eta).to_have_count(0)


def _choose_voice(page: Page, voice: str) -> None:
    """Pick a voice from the dropdown once the provider's list is in, and wait until the page has it."""
    picker = option(page, "Voice", exact=True)
    expect(picker).to_be_enabled()
    picker.click()
    page.get_by_role("option", name=voice).click()
    button = page.get_by_role("button", name="Preview voice · free")
    expect(button).to_have_attribute("title", f"Hear a short sample of the voice {voice}")


def test_a_voice_preview_plays_and_is_reused(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """Speech tab: "Preview voice · free" plays a sample; asking again plays the same file."""
    page = new_page()
    sign_up(page, app_server, f"voice-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    _new_project(page, "Narration")
    _to_generate(page)
    page.get_by_role("radio", name="Speech").click()
    _choose_voice(page, "English (UK, RP) — en-gb-x-rp")
    page.get_by_role("button", name="Preview voice · free").click()
    player = page.get_by_label("Voice preview")
    expect(player).to_be_visible(timeout=60_000)
    page.wait_for_function(MEDIA_READY, arg="#voice-preview")
    first = player.get_attribute("src")
    shots(page, "voice-preview")

    _choose_voice(page, "German — de")
    expect(player).to_have_count(0)
    _choose_voice(page, "English (UK, RP) — en-gb-x-rp")
    page.get_by_role("button", name="Preview voice · free").click()
    expect(page.get_by_label("Voice preview")).to_have_attribute("src", first or "")
    page.wait_for_function(MEDIA_READY, arg="#voice-preview")


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def _add_endpoint(page: Page, name: str, url: str, secret: str = "") -> None:
    page.get_by_role("button", name="Add endpoint").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Base URL").fill(url)
    if secret:
        dialog.get_by_label("API key (optional)").fill(secret)
    dialog.get_by_role("button", name="Save endpoint").click()
    expect(dialog).to_be_hidden()


def test_a_type_switch_shows_its_form_before_the_server_answers(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """Speech's model, voice and fields are on screen at the press; Generate waits for the server's price."""
    page = new_page()
    answers = HeldAnswers(page)
    sign_up(page, app_server, f"early-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    _new_project(page, "Early")
    _to_generate(page)
    expect(page.get_by_text("$0.00 (free)")).to_be_visible()
    expect(option(page, "Size")).to_be_visible()
    generate = page.get_by_role("button", name="Generate")
    expect(generate).to_be_enabled()

    answers.on = True
    page.get_by_role("radio", name="Speech").click()
    expect(page.get_by_role("radio", name="Speech")).to_be_checked()
    expect(option(page, "Voice")).to_be_visible()
    expect(option(page, "Voice")).to_contain_text("Loading voices…")
    expect(option(page, "Size")).to_have_count(0)
    expect(page.get_by_label("Model", exact=True)).to_contain_text("Local (offline)")
    expect(page.get_by_text("$0.00 (free)")).to_have_count(0)  # the price is the server's to give
    expect(generate).to_be_disabled()
    page.wait_for_timeout(300)
    assert answers.held, "the server answered the switch (the test held nothing back)"
    shots(page, "generate-type-early")

    answers.release()
    expect(page.get_by_text("$0.00 (free)")).to_be_visible()
    expect(generate).to_be_enabled()
    expect(option(page, "Voice")).not_to_contain_text("Loading voices…")
    expect(option(page, "Size")).to_have_count(0)
    page.get_by_label("Prompt").fill("Hello from the early form.")
    generate.click()
    expect(page.locator("audio")).to_have_count(1, timeout=60_000)


def test_endpoint_models_and_the_fallback_switch(
    app_server: AppServer,
    fake_openai: FakeServer,
    new_page: Callable[[], Page],
    shots: Shots,
    viewport: str,
) -> None:
    """Text tab lists a live endpoint's models and names the dead one; the fallback switch shows a picker."""
    page = new_page()
    sign_up(page, app_server, f"fallback-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    _new_project(page, "Copy")
    page.get_by_role("link", name="API keys").click()
    _add_endpoint(page, "My Ollama", f"{fake_openai.url}/v1", SECRET)
    _add_endpoint(page, "Old box", _closed_port_url())
    _to_generate(page)

    page.get_by_role("radio", name="Text").click()
    expect(page.get_by_text("Not available now: Old box · unreachable")).to_be_visible(timeout=20_000)
    page.get_by_label("Model", exact=True).click()
    expect(page.get_by_role("option", name="Old box · unreachable")).to_be_disabled()
    page.get_by_role("option", name="My Ollama · gpt-5.4").click()
    expect(page.get_by_label("Model", exact=True)).to_contain_text("My Ollama · gpt-5.4")
    expect(option(page, "Temperature")).to_be_visible()
    shots(page, "endpoint-model")

    switch = page.get_by_role("switch", name="If this fails, try another model")
    expect(switch).to_be_visible()
    expect(page.get_by_label("Fallback model")).to_have_count(0)
    switch.click()
    expect(switch).to_be_checked()
    picker = page.get_by_label("Fallback model")
    expect(picker).to_be_visible()
    picker.click()
    expect(page.get_by_role("option", name="My Ollama · gpt-5.4")).to_have_count(0)
    page.get_by_role("option", name=re.compile(r"^Local \(offline\) · Local text server")).click()
    expect(picker).to_contain_text("Local text server")
    shots(page, "fallback-set")
    switch.click()
    expect(page.get_by_label("Fallback model")).to_have_count(0)
