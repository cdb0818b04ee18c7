"""Speech voices: ElevenLabs voices listed live with the user's key, and a dropdown for every speech model."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.e2e.support import SECRET, AppServer, FakeElevenLabs, Shots, option, sign_up
from tests.e2e.test_generate_more import MEDIA_READY, _new_project, _to_generate

RACHEL = "21m00Tcm4TlvDq8ikWAM"


def _save_key(page: Page, provider: str, secret: str) -> None:
    page.get_by_role("link", name="API keys").click()
    expect(page).to_have_url(re.compile(r"/settings/keys"))
    page.get_by_role("button", name=f"Add {provider} key").click()
    page.get_by_label("API key", exact=True).fill(secret)
    page.get_by_role("button", name="Save key").click()
    expect(page.get_by_role("button", name=f"Replace {provider} key")).to_be_visible()


def _speech_model(page: Page, label: str) -> None:
    page.get_by_role("radio", name="Speech").click()
    page.get_by_label("Model", exact=True).click()
    page.get_by_role("option", name=label).click()
    expect(page.get_by_label("Model", exact=True)).to_contain_text(label)


def _elevenlabs_key() -> str:
    return f"sk_{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"


def test_elevenlabs_voices_are_listed_chosen_and_previewed(
    app_server: AppServer,
    fake_elevenlabs: FakeElevenLabs,
    new_page: Callable[[], Page],
    shots: Shots,
    viewport: str,
) -> None:
    """A disabled "Loading voices…" until ElevenLabs answers, then its voices by name; the pick plays."""
    key = _elevenlabs_key()
    fake_elevenlabs.hold(key)
    page = new_page()
    received: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append(str(frame))))
    sign_up(page, app_server, f"voices-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    _new_project(page, "Podcast")
    _save_key(page, "ElevenLabs", key)
    _to_generate(page)

    _speech_model(page, "ElevenLabs · Eleven Flash v2.5")
    voice = option(page, "Voice", exact=True)
    expect(voice).to_be_disabled()
    expect(voice).to_contain_text("Loading voices…")
    shots(page, "voices-loading")
    fake_elevenlabs.release(key)

    expect(voice).to_be_enabled()
    expect(voice).to_contain_text("My narrator — cloned")
    voice.click()
    options = page.get_by_role("option")
    expect(options).to_have_text(["My narrator — cloned", "Adam — premade", "Rachel — premade"])
    page.screenshot(path=str(shots.folder / "voices-open.png"))
    page.get_by_role("option", name="Rachel — premade").click()
    expect(voice).to_contain_text("Rachel — premade")
    shots(page, "voice-chosen")

    preview = page.get_by_role("button", name=re.compile(r"^Preview voice"))
    expect(preview).to_have_attribute("title", "Hear a short sample of the voice Rachel — premade")
    expect(preview).to_contain_text("free")  # ElevenLabs' own sample plays: nothing is billed
    preview.click()
    player = page.get_by_label("Voice preview")
    expect(player).to_have_attribute("src", f"{fake_elevenlabs.server.url}/samples/{RACHEL}.wav")
    page.wait_for_function(MEDIA_READY, arg="#voice-preview")
    shots(page, "voice-previewed")

    page.get_by_label("Model", exact=True).click()
    page.get_by_role("option", name="ElevenLabs · Eleven Turbo v2.5 (deprecated)").click()
    notice = page.get_by_role("status").filter(has_text="Deprecated by its provider")
    expect(notice).to_have_text("Deprecated by its provider; use Eleven Flash v2.5 instead.")
    shots(page, "deprecated-model")
    page.get_by_label("Model", exact=True).click()
    page.get_by_role("option", name="ElevenLabs · Eleven Multilingual v2").click()
    expect(notice).to_have_count(0)
    expect(voice).to_contain_text("Rachel — premade")
    assert len(fake_elevenlabs.server.calls("GET", r"/v1/voices")) >= 1
    assert not any(key in frame for frame in received), "the ElevenLabs key came back to the browser"
    assert key not in app_server.log.read_text(errors="replace"), "the ElevenLabs key reached the server log"


def test_a_refused_key_says_why_and_a_voice_id_can_still_be_typed(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """ElevenLabs refuses the key: the page says so next to a plain voice id field and offers to try again."""
    page = new_page()
    sign_up(page, app_server, f"badvoice-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    _new_project(page, "Audiobook")
    _save_key(page, "ElevenLabs", _elevenlabs_key())
    _to_generate(page)

    _speech_model(page, "ElevenLabs · Eleven v3")
    note = page.get_by_role("status").filter(has_text="Could not list your ElevenLabs voices")
    expect(note).to_be_visible()
    expect(note).to_contain_text("the key is invalid")
    voice = page.get_by_role("textbox", name="Voice", exact=True)
    voice.fill(RACHEL)
    voice.press("Tab")
    expect(page.get_by_role("button", name=re.compile(r"^Preview voice"))).to_have_attribute(
        "title", f"Hear a short sample of the voice {RACHEL}"
    )
    shots(page, "voices-refused")
    page.get_by_role("button", name="Try again").click()
    expect(note).to_be_visible()
    expect(page.get_by_role("textbox", name="Voice", exact=True)).to_have_value(RACHEL)


def test_openai_and_minimax_voices_are_dropdowns(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """OpenAI's nine voices; MiniMax's system voices, with a way to type a cloned voice id and come back."""
    page = new_page()
    sign_up(page, app_server, f"tts-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    _new_project(page, "Radio spot")
    _save_key(page, "OpenAI", SECRET)
    _save_key(page, "Replicate", "r8_" + "e2e" * 12)
    _to_generate(page)

    _speech_model(page, "OpenAI · TTS-1 HD")
    voice = option(page, "Voice", exact=True)
    expect(voice).to_contain_text("Alloy")
    voice.click()
    expect(page.get_by_role("option")).to_have_count(9)
    page.get_by_role("option", name="Shimmer").click()
    expect(voice).to_contain_text("Shimmer")
    shots(page, "openai-voice")

    _speech_model(page, "Replicate · MiniMax Speech 2.6 Turbo")
    expect(voice).to_contain_text("Wise Woman")
    expect(option(page, "Voice Id")).to_have_count(0)
    voice.click()
    page.get_by_role("option", name="Deep Voice Man").click()
    expect(voice).to_contain_text("Deep Voice Man")
    page.get_by_role("button", name="Type a voice id").click()
    typed = page.get_by_role("textbox", name="Voice", exact=True)
    expect(typed).to_have_value("Deep_Voice_Man")
    expect(page.get_by_text("The id of a voice you cloned with MiniMax.")).to_be_visible()
    shots(page, "minimax-typed-voice")
    page.get_by_role("button", name="Choose from the list").click()
    expect(option(page, "Voice", exact=True)).to_contain_text("Deep Voice Man")
