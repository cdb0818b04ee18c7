"""Offline on a phone: saved projects, gallery, asset and costs after a reload with no network, and
generations queued offline (IndexedDB) that are sent exactly once, with an Idempotency-Key, on reconnect."""

from __future__ import annotations

import re
import sqlite3
import uuid

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.support import PICTURE_SHOWN, AppServer, Shots, axe_violations, sign_up

PROJECT = "Harbour"
OUTBOX_SIZE = """() => new Promise((resolve) => {
  const open = indexedDB.open("mediaws", 1);
  open.onsuccess = () => {
    const request = open.result.transaction("outbox").objectStore("outbox").count();
    request.onsuccess = () => { open.result.close(); resolve(request.result); };
  };
})"""


def _generations(server: AppServer, prompt: str, status: str = "%") -> int:
    path = server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        query = "SELECT count(*) FROM generations WHERE prompt = ? AND status LIKE ?"
        return int(db.execute(query, (prompt, status)).fetchone()[0])


def _page(profile: BrowserContext) -> Page:
    page = profile.pages[0] if profile.pages else profile.new_page()
    page.goto("about:blank")
    return page


def _new_project(page: Page) -> str:
    page.get_by_role("button", name="New project").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(PROJECT)
    dialog.get_by_role("button", name="Create project").click()
    page.get_by_role("heading", name=PROJECT).click()
    expect(page).to_have_url(re.compile(r"/projects/[0-9a-f-]{36}/?$"))
    return page.url.rstrip("/").rsplit("/", 1)[1]


def _open_generate(page: Page, server: AppServer, project_id: str) -> None:
    page.goto(f"{server.url}/generate?project={project_id}")
    expect(page.get_by_text("$0.00 (free)")).to_be_visible(timeout=30_000)
    button = page.get_by_role("button", name="Generate")
    expect(button).to_have_attribute("data-offline-request", re.compile("."))


def _generate_online(page: Page, prompt: str) -> None:
    page.get_by_label("Prompt").fill(prompt)
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("succeeded")).to_be_visible(timeout=60_000)


def _visit_online(page: Page, url: str, ready: str) -> None:
    page.goto(url)
    expect(page.get_by_text(ready).first).to_be_visible(timeout=20_000)


def _wait_cached(page: Page, cache: str, part: str, text: str = "") -> None:
    """Wait until the service worker caches a response for a URL containing ``part`` (and ``text``)."""
    page.wait_for_function(
        """([cache, part, text]) => caches.open(cache).then(async (c) => {
          for (const request of await c.keys()) {
            const body = await (await c.match(request)).text();
            if (request.url.includes(part) && body.includes(text)) return true;
          }
          return false;
        })""",
        arg=[cache, part, text],
    )


def test_projects_gallery_asset_and_costs_open_offline(
    app_server: AppServer, profile: BrowserContext, shots: Shots
) -> None:
    page = _page(profile)
    sign_up(page, app_server, f"offline-{uuid.uuid4().hex[:8]}@example.com")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    project_id = _new_project(page)
    _open_generate(page, app_server, project_id)
    _generate_online(page, "A lighthouse at dusk")

    url = app_server.url
    _visit_online(page, f"{url}/projects", PROJECT)
    _wait_cached(page, "mediaws-api", "/api/projects", PROJECT)
    _visit_online(page, f"{url}/projects/{project_id}/assets", "A lighthouse at dusk")
    _wait_cached(page, "mediaws-api", f"/api/assets?projectId={project_id}", "A lighthouse at dusk")
    _wait_cached(page, "mediaws-files", "/files/")
    page.locator("main a[href^='/assets/']").first.click()
    expect(page).to_have_url(re.compile(r"/assets/[0-9a-f-]{36}/?$"))
    asset_id = page.url.rstrip("/").rsplit("/", 1)[1]
    page.wait_for_function(PICTURE_SHOWN, arg="main img[src*='/files/']")
    _wait_cached(page, "mediaws-files", f"/files/{asset_id}/large")
    _wait_cached(page, "mediaws-api", f"/api/assets/{asset_id}", "A lighthouse at dusk")
    _visit_online(page, f"{url}/analytics", "Reported vs derived")
    _wait_cached(page, "mediaws-api", "/api/analytics/dashboard", '"requests":1')

    profile.set_offline(True)
    try:
        page.goto(f"{url}/projects")
        expect(page.get_by_text("You are offline")).to_be_visible()
        saved = page.get_by_role("region", name="Saved on this device")
        expect(saved.get_by_role("link", name=PROJECT)).to_be_visible()
        shots(page, "projects-offline")
        assert axe_violations(page, "projects offline") == []

        saved.get_by_role("link", name=PROJECT).click()
        expect(saved.get_by_role("heading", name=PROJECT)).to_be_visible()
        expect(saved.get_by_text("A lighthouse at dusk")).to_be_visible()
        page.wait_for_function(PICTURE_SHOWN, arg="#offline-view img")
        shots(page, "gallery-offline")

        page.goto(f"{url}/assets/{asset_id}")
        expect(saved.get_by_role("heading", name="A lighthouse at dusk")).to_be_visible()
        expect(saved.get_by_role("cell", name="$0.00")).to_be_visible()
        page.wait_for_function(PICTURE_SHOWN, arg="#offline-view img")

        page.goto(f"{url}/analytics")
        expect(saved.get_by_role("cell", name="$0.00").first).to_be_visible()
        expect(saved.get_by_role("rowheader", name="Requests")).to_be_visible()
        shots(page, "analytics-offline")

        page.goto(f"{url}/settings/keys")
        expect(saved.get_by_text("Adding a key needs a connection")).to_be_visible()
    finally:
        profile.set_offline(False)
    page.goto(f"{url}/projects")
    expect(page.get_by_text("You are offline")).to_be_hidden()
    expect(page.get_by_role("button", name="New project")).to_be_visible()


def test_a_generation_queued_offline_is_sent_once_on_reconnect(
    app_server: AppServer, profile: BrowserContext, shots: Shots
) -> None:
    page = _page(profile)
    sign_up(page, app_server, f"outbox-{uuid.uuid4().hex[:8]}@example.com")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    project_id = _new_project(page)
    _open_generate(page, app_server, project_id)
    first, second = f"Queued boat {uuid.uuid4().hex[:6]}", f"Queued kite {uuid.uuid4().hex[:6]}"

    profile.set_offline(True)
    try:
        expect(page.get_by_text("You are offline")).to_be_visible()
        page.get_by_label("Prompt").fill(first)
        generate = page.get_by_role("button", name="Generate")
        generate.click()
        status = page.get_by_role("status").filter(has_text="waiting to send")
        expect(status).to_contain_text("1 generation waiting to send")
        generate.click()  # a second tap on the same request queues nothing more
        expect(page.get_by_text("Already queued")).to_be_visible()
        assert page.evaluate(OUTBOX_SIZE) == 1
        shots(page, "queued-offline")

        page.reload()  # the queue outlives the page; the saved Generate view queues another
        saved = page.get_by_role("region", name="Saved on this device")
        expect(saved.get_by_role("heading", name="Generate")).to_be_visible()
        expect(status).to_contain_text("1 generation waiting to send")
        saved.get_by_label("Prompt").fill(second)
        saved.get_by_role("button", name="Queue generation").click()
        expect(status).to_contain_text("2 generations waiting to send")
        expect(status.get_by_role("listitem")).to_have_count(2)
        assert (_generations(app_server, first), _generations(app_server, second)) == (0, 0)
    finally:
        profile.set_offline(False)

    expect(page.get_by_text("waiting to send")).to_have_count(0, timeout=30_000)
    page.wait_for_function(f"() => ({OUTBOX_SIZE})().then((n) => n === 0)")
    assert (_generations(app_server, first), _generations(app_server, second)) == (1, 1)
    page.reload()
    assert (_generations(app_server, first), _generations(app_server, second)) == (1, 1)
    for _ in range(120):  # the worker runs them: both finish, neither twice
        if _generations(app_server, first, "succeeded") + _generations(app_server, second, "succeeded") == 2:
            break
        page.wait_for_timeout(500)
    page.goto(f"{app_server.url}/projects/{project_id}")
    recent = page.get_by_role("heading", name="Recent generations").locator(
        "xpath=ancestor::div[contains(@class,'rt-Card')]"
    )
    expect(recent.get_by_text(first)).to_be_visible()
    expect(recent.get_by_text(second)).to_be_visible()
    expect(recent.get_by_text("succeeded")).to_have_count(2)
    shots(page, "sent-once")


def test_a_queued_generation_the_server_refuses_stays_listed_with_its_reason(
    app_server: AppServer, profile: BrowserContext
) -> None:
    page = _page(profile)
    sign_up(page, app_server, f"refused-{uuid.uuid4().hex[:8]}@example.com")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    stranger_project = str(uuid.uuid4())
    page.evaluate(
        """(projectId) => mediawsOutbox.add(
          { projectId, type: "image", provider: "local", model: "local-image", prompt: "Nowhere" },
          "Image · a project that is gone",
        ).then(() => mediawsOutbox.flush())""",
        stranger_project,
    )
    page.reload()
    status = page.get_by_role("status").filter(has_text="could not be sent")
    expect(status).to_be_visible()
    expect(status.get_by_text(re.compile("Not sent: .*not found", re.IGNORECASE))).to_be_visible()
    assert _generations(app_server, "Nowhere") == 0
    status.get_by_role("button", name="Discard Image · a project that is gone").click()
    expect(status).to_be_hidden()
    assert page.evaluate(OUTBOX_SIZE) == 0


def test_a_request_queued_for_another_account_is_dropped_and_logout_empties_the_queue(
    app_server: AppServer, profile: BrowserContext
) -> None:
    page = _page(profile)
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, app_server, email)
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    project_id = _new_project(page)
    queue = """([projectId, prompt, owner]) => mediawsOutbox.add(
      { projectId, type: "image", provider: "local", model: "local-image", prompt },
      "Image · " + prompt,
      owner,
    )"""
    page.evaluate(
        f"(args) => ({queue})(args).then(() => mediawsOutbox.flush())", [project_id, "Not yours", "x@y.z"]
    )
    page.wait_for_function(f"() => ({OUTBOX_SIZE})().then((n) => n === 0)")
    assert _generations(app_server, "Not yours") == 0  # sent under this login, refused: not this account's

    page.evaluate(queue, [project_id, "Left behind", email])
    assert page.evaluate(OUTBOX_SIZE) == 1
    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("menuitem", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    assert page.evaluate(OUTBOX_SIZE) == 0
    assert page.evaluate("localStorage.getItem('mediaws.lastRequest')") is None
    assert _generations(app_server, "Left behind") == 0
