"""Deps: the settings, providers, keyring, storage, mailer and sessions that services and workers run on."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlmodel import Session

from mediaws.config import Settings
from mediaws.db import committing
from mediaws.mail import Mailer
from mediaws.providers.base import Registry
from mediaws.security.crypto import Keyring
from mediaws.storage import Storage


@dataclass(frozen=True)
class Deps:
    """What running work needs, handed in so tests pass their own."""

    settings: Settings
    registry: Registry
    keyring: Keyring
    storage: Storage
    session_factory: Callable[[], Session]
    dispatch: Callable[[uuid.UUID], None] | None = None
    mailer: Mailer | None = None
    """Sends cost summaries and budget warnings; None when no mail server is configured."""

    def transaction(self) -> AbstractContextManager[Session]:
        """A session that commits on success and rolls back on any error."""
        return committing(self.session_factory())
