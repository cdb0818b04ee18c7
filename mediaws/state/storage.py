"""Where Reflex keeps each browser tab's state: private files that expire and never hold secrets.

Reflex's disk state manager pickles every tab's state into ``.states/*.pkl``. Ours writes those files
0600 in a 0700 directory (atomically, through a temporary file), deletes them once idle for
``MEDIAWS_STATE_EXPIRY_MINUTES`` (on start and while running), and leaves out what must never be stored:
vars a state lists in ``_secret_vars`` (a new access token's plaintext) and the connection's cookie and
authorization headers, which come back with the browser's next event. With Redis the secret vars are left
out too, but the headers stay: several workers (and background tasks) reload the tab's state from Redis for
every event, Redis is the operator's private store, and its entries expire.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import io
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

from reflex.istate.data import HeaderData
from reflex.istate.manager import StateManager
from reflex.istate.manager.disk import StateManagerDisk
from reflex.istate.manager.redis import StateManagerRedis
from reflex.istate.manager.token import BaseStateToken, StateToken
from reflex.state import BaseState
from reflex.utils.misc import run_in_thread
from reflex_base import constants

PRIVATE_HEADERS = frozenset({"cookie", "authorization", "proxy-authorization"})
HEADERS_KEY = constants.RouteVar.HEADERS
TEMP_SUFFIX = ".tmp"


def _secret_vars(cls: type) -> frozenset[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        names |= klass.__dict__.get("_secret_vars", frozenset())
    return frozenset(names)


def _public_headers(headers: Any) -> Any:
    if isinstance(headers, HeaderData):
        raw = {k: v for k, v in headers.raw_headers.items() if k.lower() not in PRIVATE_HEADERS}
        return dataclasses.replace(headers, cookie="", raw_headers=type(headers.raw_headers)(**raw))
    if isinstance(headers, dict):
        return {k: v for k, v in headers.items() if str(k).lower() not in PRIVATE_HEADERS}
    return headers


def scrubbed(state: BaseState, *, keep_headers: bool = False) -> dict[str, Any]:
    """The pickled fields of one state, with secret vars at their defaults and private headers dropped."""
    fields = dict(state.__getstate__())
    for name in _secret_vars(type(state)) & fields.keys():
        fields[name] = type(state).__fields__[name].default_value()
    if keep_headers:
        return fields
    if "rx_router_headers" in fields:
        fields["rx_router_headers"] = _public_headers(fields["rx_router_headers"])
    router_data = fields.get("router_data")
    if isinstance(router_data, dict) and HEADERS_KEY in router_data:
        fields["router_data"] = {**router_data, HEADERS_KEY: _public_headers(router_data[HEADERS_KEY])}
    return fields


class _ScrubbingPickler(pickle.Pickler):
    """Pickles states the way Reflex does, but through ``scrubbed``."""

    def __init__(self, file: io.BytesIO, *, keep_headers: bool) -> None:
        super().__init__(file, protocol=pickle.DEFAULT_PROTOCOL)
        self.keep_headers = keep_headers

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, BaseState):
            fields = scrubbed(obj, keep_headers=self.keep_headers)
            return copyreg.__newobj__, (type(obj),), fields, None, None
        return NotImplemented


def serialize(state: BaseState, *, keep_headers: bool = False) -> bytes:
    """Pickle a state as Reflex's ``BaseState._serialize`` does (schema first), minus its secrets."""
    buffer = io.BytesIO()
    _ScrubbingPickler(buffer, keep_headers=keep_headers).dump((state._to_schema(), state))
    return buffer.getvalue()


def write_private(path: Path, payload: bytes) -> None:
    """Write a file readable only by this user, replacing the old one atomically."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class PrivateDiskStateManager(StateManagerDisk):
    """Reflex's disk state manager, with private files, no secrets in them and idle files purged."""

    def __post_init__(self) -> None:
        """Make the directory private, tighten files left by older versions and purge expired ones."""
        self.states_directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.states_directory, 0o700)
        for path in self.states_directory.iterdir():
            if path.is_file():
                os.chmod(path, 0o600)
        self._purge_expired_states()

    def _purge_expired_states(self) -> None:
        """Delete state files idle longer than the expiry, and temporary files left by a crash."""
        now = time.time()
        for path in self.states_directory.iterdir():
            with contextlib.suppress(FileNotFoundError):
                age = now - path.stat().st_mtime
                if (path.suffix == ".pkl" and age > self.token_expiration) or (
                    path.suffix == TEMP_SUFFIX and age > 60
                ):
                    path.unlink()

    async def set_state_for_substate(self, token: StateToken[Any], substate: Any) -> None:
        """Write each touched state of the tree to its own private file, without secrets."""
        if token.get_and_reset_touched_state(substate):
            payload = serialize(substate) if isinstance(substate, BaseState) else token.serialize(substate)
            if payload:
                path = self.token_path(token.with_cls(type(substate)))
                if not self.states_directory.exists():
                    self.states_directory.mkdir(mode=0o700, parents=True, exist_ok=True)
                await run_in_thread(lambda: write_private(path, payload))
        if isinstance(token, BaseStateToken) and isinstance(substate, BaseState):
            for child in substate.substates.values():
                await self.set_state_for_substate(token, child)


class ScrubbingRedisStateManager(StateManagerRedis):
    """Reflex's Redis state manager, writing states without their secret vars (headers stay)."""

    def _collect_state_writes(self, token: BaseStateToken, base_state: BaseState) -> list[tuple[str, bytes]]:
        """Serialize every touched state of the tree, as Reflex does, but through ``serialize``."""
        writes: list[tuple[str, bytes]] = []
        stack = [base_state]
        while stack:
            state = stack.pop()
            if state._was_touched and (payload := serialize(state, keep_headers=True)):
                writes.append((token._state_key(type(state)), payload))
            stack.extend(state.substates.values())
        return writes


def private_state_manager(current: StateManager, *, expiry_seconds: int) -> StateManager:
    """Our disk or Redis manager in place of Reflex's (the memory manager writes nothing).

    mypy reads Reflex's overloaded get_state/modify_state/set_state as abstract (with a cold cache only).
    """
    if type(current) is StateManagerDisk:
        return PrivateDiskStateManager(token_expiration=expiry_seconds)  # type: ignore[abstract, unused-ignore]
    if type(current) is StateManagerRedis:
        return ScrubbingRedisStateManager(  # type: ignore[abstract, unused-ignore]
            redis=current.redis,
            token_expiration=current.token_expiration,
            lock_expiration=current.lock_expiration,
            lock_warning_threshold=current.lock_warning_threshold,
        )
    return current
