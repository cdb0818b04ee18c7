"""The asset page: viewers for each kind, editing, sharing, deleting, and nothing for a stranger."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from PIL import Image
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from mediaws.db import make_engine
from mediaws.models import Asset, Generation, User
from mediaws.services import projects
from mediaws.storage import storage_key
from mediaws.storage.local import LocalStorage
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.support import PICTURE_SHOWN, AppServer, Shots, sign_up
from tests.support.media import video, wav

NOW = datetime.now(UTC).replace(microsecond=0)
PROMPT = "a red fox at dawn, watercolour"


@dataclass
class Seeded:
    """The project and the assets put in it (newest first: first, second, clip, voice, note)."""

    project_id: str
    first: str
    second: str
    clip: str
    voice: str
    note: str
    generation: str


def _png(colour: tuple[int, int, int], size: tuple[int, int] = (640, 400)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _seed(server: AppServer, email: str) -> Seeded:
    """Two images (the newest made by a generation), a video, an audio clip with peaks and a note."""
    storage = LocalStorage(server.data_dir / "files")
    with Session(make_engine(server.database_url)) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        project = projects.create_project(session=session, owner_id=user.id, name="Fox film")
        made = Generation(
            owner_id=user.id,
            project_id=project.id,
            capability="image",
            provider="gemini",
            model="gemini-3.1-flash-image",  # shut down by Google since: "Generate again" says so
            prompt=PROMPT,
            options={"size": "1024x1024", "quality": "high"},
            status="succeeded",
            cost_micros=42_000,
            cost_source="provider_usage",
            duration_ms=8_400,
        )
        session.add(made)
        session.flush()
        files = [
            ("note", "text", "text/markdown", b"# Plan\n\nFirst draft of the **plan**.\n"),
            ("voice", "audio", "audio/wav", wav(seconds=2.0)),
            ("clip", "video", "video/mp4", video(seconds=1.0, faststart=True)),
            ("second", "image", "image/png", _png((40, 120, 200))),
            ("first", "image", "image/png", _png((220, 90, 30))),
        ]
        ids: dict[str, str] = {}
        for minute, (name, kind, mime, data) in enumerate(files):
            asset_id = uuid.uuid4()
            key = storage_key(user.id, project.id, asset_id, mime)
            storage.put(key, data, mime)
            asset = Asset(
                id=asset_id,
                owner_id=user.id,
                project_id=project.id,
                kind=kind,
                storage_key=key,
                mime_type=mime,
                bytes=len(data),
                name=f"{name.capitalize()} asset",
                name_key=f"{name} asset",
                width=640 if kind == "image" else None,
                height=400 if kind == "image" else None,
                duration_seconds=2.0 if kind == "audio" else None,
                peaks=[abs((i % 20) - 10) / 10 for i in range(120)] if kind == "audio" else None,
                created_at=NOW - timedelta(minutes=10 - minute),
            )
            if name == "first":
                asset.generation_id, asset.prompt, asset.cost_micros = made.id, PROMPT, 42_000
                asset.source_asset_id = uuid.UUID(ids["second"])
            session.add(asset)
            ids[name] = str(asset_id)
        session.commit()
        return Seeded(project_id=str(project.id), generation=str(made.id), **ids)


def _swipe(page: Page, dx: int) -> None:
    """A one-finger swipe across the viewer (negative: to the left, to the next asset)."""
    page.evaluate(
        """(dx) => {
            const stage = document.querySelector('[data-viewer-stage]');
            const box = stage.getBoundingClientRect();
            const y = box.top + box.height / 2, x = box.left + box.width / 2;
            const touch = (cx) => new Touch({identifier: 1, target: stage, clientX: cx, clientY: y});
            const send = (type, list, changed) => stage.dispatchEvent(new TouchEvent(type,
                {bubbles: true, cancelable: true, touches: list, changedTouches: changed}));
            send('touchstart', [touch(x)], [touch(x)]);
            send('touchend', [], [touch(x + dx)]);
        }""",
        dx,
    )


def _signed_up(server: AppServer, new_page: Callable[[], Page], tag: str) -> tuple[Page, Seeded]:
    page = new_page()
    email = f"{tag}-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, server, email)
    return page, _seed(server, email)


def test_image_viewer_details_share_and_delete(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots
) -> None:
    """Full screen with keys, rename, the generation behind it, a share link that works, then delete."""
    page, seeded = _signed_up(app_server, new_page, "viewer")
    page.route("**/files/**", lambda route: route.abort())  # the picture never arrives…
    page.goto(f"{app_server.url}/assets/{seeded.first}")
    expect(page.get_by_role("heading", name="First asset", level=1)).to_be_visible()
    box = page.get_by_role("button", name="Open the image full screen").locator("img").bounding_box()
    assert box is not None and abs(box["width"] / box["height"] - 640 / 400) < 0.02  # …yet holds its place
    page.unroute("**/files/**")
    page.reload()
    expect(page.get_by_role("heading", name="First asset", level=1)).to_be_visible()
    expect(page.get_by_text(PROMPT)).to_be_visible()
    expect(page.get_by_text("reported by provider")).to_be_visible()
    expect(page.get_by_role("link", name="Open Second asset")).to_be_visible()
    expect(page.get_by_text("Cost of the whole chain:")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shots(page, "image-detail")

    page.get_by_role("button", name="Open the image full screen").click()
    viewer = page.get_by_role("dialog", name="Image viewer")
    expect(viewer).to_be_visible()
    viewer.get_by_role("button", name="Zoom in").click()
    expect(viewer.get_by_text("125%")).to_be_visible()
    shots(page, "viewer-zoomed")
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(rf"/assets/{seeded.second}\?view=1$"))
    expect(viewer).to_be_visible()
    expect(viewer.get_by_text("Second asset")).to_be_visible()
    expect(viewer.get_by_text("100%")).to_be_visible()
    shots(page, "viewer-next")
    _swipe(page, 120)
    expect(page).to_have_url(re.compile(rf"/assets/{seeded.first}\?view=1$"))
    expect(viewer.get_by_text("First asset")).to_be_visible()
    _swipe(page, -120)
    expect(page).to_have_url(re.compile(rf"/assets/{seeded.second}\?view=1$"))
    expect(viewer.get_by_text("Second asset")).to_be_visible()
    for _ in range(12):  # Tab and Shift+Tab go round the viewer's controls, never behind it
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('[data-viewer]')")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("!!document.activeElement.closest('[data-viewer]')")
    page.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    expect(page.get_by_role("heading", name="Second asset", level=1)).to_be_visible()

    page.get_by_role("button", name="Rename").click()
    page.get_by_label("Name", exact=True).fill("Blue sky study")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Blue sky study", level=1)).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Blue sky study", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Open First asset")).to_be_visible()

    page.get_by_role("button", name="Edit description").click()
    page.get_by_label("Description", exact=True).fill("Sky over the hills.")
    page.get_by_role("button", name="Save description").click()
    expect(page.get_by_text("Sky over the hills.")).to_be_visible()
    page.get_by_role("button", name="Add to favourites").click()
    expect(page.get_by_role("button", name="Remove from favourites")).to_be_visible()
    page.get_by_role("button", name="New tag").click()
    page.get_by_role("dialog").get_by_label("Name", exact=True).fill("Sunset")
    page.get_by_role("dialog").get_by_label("Colour").select_option("orange")
    page.get_by_role("dialog").get_by_role("button", name="Create tag").click()
    expect(page.get_by_role("button", name="Remove tag Sunset")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Remove tag Sunset")).to_be_visible()
    expect(page.get_by_role("button", name="Remove from favourites")).to_be_visible()
    shots(page, "tagged")
    page.get_by_role("button", name="Remove tag Sunset").click()
    expect(page.get_by_role("button", name="Remove tag Sunset")).to_have_count(0)
    page.get_by_role("combobox", name="Add a tag").click()
    page.get_by_role("option", name="Sunset").click()
    expect(page.get_by_role("button", name="Remove tag Sunset")).to_be_visible()

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server.url)
    page.get_by_role("combobox", name="Link expires after").click()
    page.get_by_role("option", name="7 days").click()
    page.get_by_role("button", name="Share", exact=True).click()
    link_field = page.get_by_label("Share link")
    expect(link_field).to_have_value(
        re.compile(rf"^{re.escape(app_server.url)}/files/{seeded.second}/file\?")
    )
    expect(
        page.get_by_role("status").filter(has_text=re.compile("Link copied|Copy the link"))
    ).to_be_visible()
    shared = link_field.input_value()
    answer = page.evaluate(
        "async (url) => { const r = await fetch(url, {credentials: 'omit'});"
        " return [r.status, (await r.arrayBuffer()).byteLength]; }",
        shared,
    )
    assert answer == [200, len(_png((40, 120, 200)))]
    shots(page, "shared")

    page.goto(f"{app_server.url}/assets/{seeded.first}")
    page.get_by_role("link", name="Generate again").click()
    expect(page).to_have_url(re.compile(rf"/generate\?.*from={seeded.generation}"))
    expect(page.locator("#gen-prompt")).to_have_value(PROMPT)
    expect(page.get_by_role("status").filter(has_text="can no longer be used")).to_have_text(
        "Gemini 3.1 Flash Image can no longer be used. Shut down by its provider on 2026-10-29; "
        "use Gemini Nano Banana 2.1 instead."
    )
    shots(page, "generate-again-retired")

    page.goto(f"{app_server.url}/assets/{seeded.first}")
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete permanently").click()
    expect(page).to_have_url(re.compile(rf"/projects/{seeded.project_id}/assets/?$"))
    page.goto(f"{app_server.url}/assets/{seeded.first}")
    expect(page.get_by_role("heading", name="Asset not found")).to_be_visible()


def test_video_audio_and_text_viewers(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots
) -> None:
    """The video streams by range, the waveform seeks the audio, an edited note stays edited."""
    page, seeded = _signed_up(app_server, new_page, "players")
    page.goto(f"{app_server.url}/assets/{seeded.clip}")
    player = page.locator("video")
    expect(player).to_have_attribute("src", re.compile(rf"/files/{seeded.clip}/file\?"))
    status = page.evaluate(
        "async () => { const v = document.querySelector('video');"
        " const r = await fetch(v.src, {headers: {Range: 'bytes=0-99'}}); return [r.status,"
        " r.headers.get('content-range'), (await r.arrayBuffer()).byteLength]; }"
    )
    assert status[0] == 206 and status[1].startswith("bytes 0-99/") and status[2] == 100
    assert player.evaluate("v => v.controls && v.playsInline && v.preload === 'metadata'")
    shots(page, "video")

    page.goto(f"{app_server.url}/assets/{seeded.voice}")
    wave = page.get_by_role("slider", name="Seek in the audio")
    expect(wave).to_be_visible()
    page.wait_for_function("() => document.getElementById('mws-audio').readyState >= 1")
    box = wave.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    page.wait_for_function("() => document.getElementById('mws-audio').currentTime > 1.2")
    expect(wave).to_have_attribute("aria-valuenow", re.compile(r"^(7[0-9]|80)$"))
    shots(page, "audio-seeked")

    page.goto(f"{app_server.url}/assets/{seeded.note}")
    expect(page.get_by_role("heading", name="Plan")).to_be_visible()
    editor = page.get_by_label("Edit the text")
    expect(editor).to_have_value(re.compile("First draft"))
    editor.fill("# Plan\n\nSecond draft, *final*.\n\n```python\nprint('ready')\n```\n")
    page.get_by_role("button", name="Save text").click()
    expect(page.get_by_role("paragraph").filter(has_text="Second draft")).to_be_visible()
    page.reload()
    expect(page.get_by_role("paragraph").filter(has_text="Second draft")).to_be_visible()
    expect(page.locator("em", has_text="final")).to_be_visible()
    expect(page.locator("pre code", has_text="print('ready')")).to_be_visible()
    expect(page.get_by_label("Edit the text")).to_have_value(re.compile("Second draft"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shots(page, "text-saved")


def test_someone_elses_asset_is_not_found(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots
) -> None:
    """Another person sees “not found” for the asset and cannot start from its generation or image."""
    _, seeded = _signed_up(app_server, new_page, "owner")
    stranger = new_page()
    email = f"eve-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(stranger, app_server, email)
    with Session(make_engine(app_server.database_url)) as session:
        eve = session.exec(select(User).where(User.email == email)).one()
        projects.create_project(session=session, owner_id=eve.id, name="Eve's own")
    for asset_id in (seeded.first, seeded.note, "not-an-id"):
        stranger.goto(f"{app_server.url}/assets/{asset_id}")
        expect(stranger.get_by_role("heading", name="Asset not found")).to_be_visible()
        expect(stranger.get_by_text("First asset")).to_have_count(0)
        expect(stranger.get_by_text(PROMPT)).to_have_count(0)
    shots(stranger, "not-found")
    stranger.goto(f"{app_server.url}/generate?from={seeded.generation}&start={seeded.first}")
    expect(stranger.locator("#gen-prompt")).to_be_visible()
    expect(stranger.locator("#gen-prompt")).to_have_value("")
    expect(stranger.get_by_text("First asset")).to_have_count(0)


def test_the_picture_paints_from_the_html_for_its_owner(
    app_server: AppServer, new_page: Callable[[], Page], browser: Browser
) -> None:
    """Scripts off: the owner's image shows in its shape, a video has none; hydration keeps the picture."""
    page, seeded = _signed_up(app_server, new_page, "painted")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{app_server.url}/assets/{seeded.first}")
    expect(page.get_by_role("heading", name="First asset", level=1)).to_be_visible()
    page.wait_for_function(PICTURE_SHOWN, arg="main button img")
    assert [error for error in errors if "ydrat" in error or "react.dev/errors" in error] == []

    still = browser.new_context(viewport=VIEWPORTS["phone"], java_script_enabled=False)
    try:
        still.add_cookies(page.context.cookies())
        painted = still.new_page()
        response = painted.goto(f"{app_server.url}/assets/{seeded.first}")
        assert response is not None and response.headers["cache-control"] == "private, no-cache"
        picture = painted.locator("img[data-fill='asset-picture']")
        expect(picture).to_have_attribute("src", re.compile(rf"^/files/{seeded.first}/"))
        painted.wait_for_function(PICTURE_SHOWN, arg="img[data-fill='asset-picture']")
        box = picture.bounding_box()
        assert box is not None and abs(box["width"] / box["height"] - 640 / 400) < 0.02
        painted.goto(f"{app_server.url}/assets/{seeded.clip}")
        stand_in = painted.locator("img[data-fill='asset-picture']")
        expect(stand_in).not_to_have_attribute("src", re.compile("."))
        expect(stand_in).to_be_hidden()
    finally:
        still.close()
