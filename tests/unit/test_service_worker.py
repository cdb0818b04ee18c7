"""The build step writes a Workbox service worker that precaches the app shell of the build."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from mediaws.web.service_worker import WORKBOX, ServiceWorkerError, js_runtime, write_service_worker

ROOT = Path(__file__).resolve().parents[2]


def _fake_build(client: Path) -> None:
    (client / "assets").mkdir(parents=True)
    (client / "projects").mkdir()
    page = '<script type="module" src="/assets/entry.client-AbCd1234.js"></script>'
    (client / "index.html").write_text(page)
    (client / "projects" / "index.html").write_text(page)
    (client / "__spa-fallback.html").write_text(page)
    (client / "assets" / "entry.client-AbCd1234.js").write_text("console.log('entry')")
    (client / "assets" / "route-Ef567890.js").write_text("console.log('route')")
    (client / "assets" / "lazy-icon-Zz998877.js").write_text("console.log('lazy')")
    (client / "assets" / "manifest-0a1b2c3d.js").write_text(
        'window.__reactRouterManifest={"routes":{"p":{"module":"/assets/route-Ef567890.js"}}}'
    )
    (client / "favicon.ico").write_bytes(b"\0")


def test_a_missing_workbox_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ServiceWorkerError, match="make install"):
        write_service_worker(tmp_path / "client", root=tmp_path)


def test_the_build_gets_a_service_worker_with_the_app_shell(tmp_path: Path) -> None:
    assert (ROOT / WORKBOX).is_dir(), "`make install` installs workbox-build into .tools/"
    client = tmp_path / "client"
    _fake_build(client)
    assert "precached" in write_service_worker(client, root=ROOT)
    sw = (client / "sw.js").read_text()
    precached = set(re.findall(r'url:"([^"]+)"', sw))
    assert {"assets/entry.client-AbCd1234.js", "assets/route-Ef567890.js", "favicon.ico"} <= precached
    assert {"index.html?shell", "projects/index.html?shell", "__spa-fallback.html?shell"} <= precached
    assert "assets/lazy-icon-Zz998877.js" not in precached  # cached at run time when a page uses it
    assert "SKIP_WAITING" in sw
    assert {"mediaws-pages", "mediaws-api", "mediaws-assets"} <= set(re.findall(r"mediaws-\w+", sw))
    assert list(client.glob("workbox-*.js"))


CUT_OFF = """
const { wholeBody } = require(process.argv[1]);
const cut = new ReadableStream({
  start(controller) {
    controller.enqueue(new TextEncoder().encode('{"requests": 1'));
    controller.error(new TypeError("network error"));
  },
});
const headers = { "content-type": "application/json", date: "x" };
const whole = new Response('{"requests": 2}', { status: 200, headers });
(async () => {
  const cutOff = await wholeBody.cacheWillUpdate({ response: new Response(cut, { status: 200 }) });
  const kept = await wholeBody.cacheWillUpdate({ response: whole });
  console.log(JSON.stringify({
    cutOff: cutOff === null,
    body: await kept.text(),
    status: kept.status,
    type: kept.headers.get("content-type"),
    date: kept.headers.get("date"),
  }));
})();
"""


def test_a_refresh_cut_off_midway_keeps_the_saved_copy() -> None:
    """A body that fails midway is not stored (Chromium would drop the saved copy); a whole one is."""
    node = js_runtime()
    assert node, "node (or Reflex's bun) runs the service worker's build"
    script = ROOT / "scripts" / "sw_plugins.cjs"
    result = subprocess.run([node, "-e", CUT_OFF, str(script)], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == {
        "cutOff": True,
        "body": '{"requests": 2}',
        "status": 200,
        "type": "application/json",
        "date": "x",
    }
