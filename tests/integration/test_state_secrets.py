"""The app's Reflex state files are private, expire, and never hold the session cookie or a token plaintext.

Each test runs the real app module in a subprocess (its own working directory, so its own ``.states/``) and
drives the app's state manager through Reflex's write path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
SESSION = "sess-" + "S7xq" * 10
PLAINTEXT = "mws_" + "Pq9z" * 10
REDIS_URL = os.environ.get("MEDIAWS_TEST_REDIS_URL", "").strip()  # read before the fixtures clear MEDIAWS_*

WRITE = """
import asyncio, json, sys
from reflex.istate.manager.token import BaseStateToken
from mediaws.mediaws import app
from mediaws.state.tokens import TokensState

session, plaintext, ident = sys.argv[1], sys.argv[2], sys.argv[3]


async def write():
    manager = app.state_manager
    token = BaseStateToken(ident=ident, cls=TokensState)
    async with manager.modify_state(token) as root:
        router_data = {
            "headers": {"cookie": f"mediaws_session={session}", "user-agent": "pytest", "origin": "http://x"},
            "ip": "127.0.0.1", "token": "tab-1", "sid": "sid-1", "pathname": "/settings/account",
        }
        root.router_data = root._update_router_vars(router_data, {})
        state = await root.get_state(TokensState)
        assert state.session_token == session, "the cookie header did not reach the state"
        state.user_email = "owner@example.com"
        state.new_name = "ci"
        state.new_plaintext = plaintext
        state.curl_example = f"curl -H 'Authorization: Bearer {plaintext}' http://x/api/projects"
    await manager.close()
    return manager, token
"""

WRITE_AND_RELOAD = (
    WRITE
    + """

async def main():
    manager, token = await write()
    fresh = type(manager)(token_expiration=3600)
    root = await fresh.get_state(token)
    state = await root.get_state(TokensState)
    print(json.dumps({"manager": type(manager).__name__, "email": state.user_email, "name": state.new_name,
                      "plaintext": state.new_plaintext, "session": state.session_token}))


asyncio.run(main())
"""
)


def run_app_script(
    workdir: Path, script: str, *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a script that imports the app, in its own working directory and clean environment."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MEDIAWS_", "REFLEX_")) and k != "DATABASE_URL"
    }
    env = clean | {
        "MEDIAWS_DATA_DIR": str(workdir / "data"),
        "MEDIAWS_EMBEDDED_WORKER": "false",
        "PYTHONPATH": str(ROOT),
    }
    env |= extra_env or {}
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_state_files_are_private_and_hold_no_session_cookie_or_token_plaintext(tmp_path: Path) -> None:
    result = run_app_script(tmp_path, WRITE_AND_RELOAD, SESSION, PLAINTEXT, "tab-1")
    assert result.returncode == 0, result.stderr[-3000:]
    states = tmp_path / ".states"
    files = sorted(states.iterdir())
    assert files, "the state manager wrote nothing"
    assert states.stat().st_mode & 0o777 == 0o700
    for path in files:
        assert path.stat().st_mode & 0o777 == 0o600, path.name
        content = path.read_bytes()
        assert SESSION.encode() not in content, path.name
        assert PLAINTEXT.encode() not in content, path.name
    assert any(b"owner@example.com" in path.read_bytes() for path in files)
    reloaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert reloaded["email"] == "owner@example.com"
    assert reloaded["name"] == "ci"
    assert reloaded["plaintext"] == ""
    assert reloaded["session"] == ""


def test_idle_state_files_are_purged_and_old_ones_made_private_on_start(tmp_path: Path) -> None:
    states = tmp_path / ".states"
    states.mkdir(mode=0o755)
    stale = states / "stale.pkl"
    recent = states / "recent.pkl"
    for path in (stale, recent):
        path.write_bytes(b"old state")
        path.chmod(0o644)
    two_hours_ago = time.time() - 2 * 3600
    os.utime(stale, (two_hours_ago, two_hours_ago))
    result = run_app_script(tmp_path, "import mediaws.mediaws")
    assert result.returncode == 0, result.stderr[-3000:]
    assert not stale.exists()
    assert recent.exists()
    assert recent.stat().st_mode & 0o777 == 0o600
    assert states.stat().st_mode & 0o777 == 0o700


def test_state_expiry_follows_the_setting(tmp_path: Path) -> None:
    states = tmp_path / ".states"
    states.mkdir()
    ten_minutes_old = states / "idle.pkl"
    ten_minutes_old.write_bytes(b"old state")
    ago = time.time() - 10 * 60
    os.utime(ten_minutes_old, (ago, ago))
    script = "import os; os.environ['MEDIAWS_STATE_EXPIRY_MINUTES'] = '5'; import mediaws.mediaws"
    result = run_app_script(tmp_path, script)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not ten_minutes_old.exists()


def test_with_redis_the_stored_states_expire_and_hold_no_token_plaintext(tmp_path: Path) -> None:
    redis_url = REDIS_URL
    if not redis_url:
        pytest.skip("MEDIAWS_TEST_REDIS_URL is not set; the Redis state manager is not tested")
    ident = f"h5-{uuid.uuid4().hex}"
    script = WRITE + "\nasyncio.run(write())\n"
    result = run_app_script(
        tmp_path, script, SESSION, PLAINTEXT, ident, extra_env={"REFLEX_REDIS_URL": redis_url}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(f"{ident}_*"))
        assert keys, "nothing was written to Redis"
        for key in keys:
            value = client.get(key) or b""
            assert PLAINTEXT.encode() not in value, key
            assert client.ttl(key) > 0
        assert any(b"owner@example.com" in (client.get(key) or b"") for key in keys)
    finally:
        for key in client.scan_iter(f"{ident}*"):
            client.delete(key)
        client.close()
