"""The build step writes a Workbox service worker that precaches the app shell of the build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mediaws.web.service_worker import WORKBOX, ServiceWorkerError, write_service_worker

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
