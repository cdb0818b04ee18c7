"""Helpers shared by the browser tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page


@dataclass
class AppServer:
    """The running app: where it listens, where its data and log live."""

    url: str
    data_dir: Path
    log: Path

    @property
    def database_url(self) -> str:
        """SQLite file the server uses."""
        return f"sqlite:///{self.data_dir / 'mediaws.db'}"


class Shots:
    """Numbered screenshots saved as test artifacts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, page: Page, name: str) -> None:
        """Save a full-page screenshot."""
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)
