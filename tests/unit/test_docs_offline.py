"""The API docs work offline: their viewer comes from the app, kept by the browser and the service worker."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from mediaws.api.app import api
from mediaws.web.caching import DOCS_STATIC, cache_control
from mediaws.web.service_worker import write_service_worker
from tests.unit.test_service_worker import ROOT, _fake_build


def test_the_docs_pages_load_only_files_the_app_serves() -> None:
    client = TestClient(api)
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(source.startswith("/docs/static/") for source in sources), sources
        for source in sources:
            assert client.get(source).status_code == 200, source


def test_the_viewer_files_are_kept_a_day_and_by_the_service_worker(tmp_path: Path) -> None:
    assert cache_control("/docs/static/swagger-ui-bundle.js", "text/javascript") == DOCS_STATIC
    client = tmp_path / "client"
    _fake_build(client)
    write_service_worker(client, root=ROOT)
    sw = (client / "sw.js").read_text()
    assert "mediaws-docs" in sw
    assert "docs|redoc|openapi" in sw
