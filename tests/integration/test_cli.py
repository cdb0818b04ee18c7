"""The real ``mediaws`` console script, run as an operator would, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect
from sqlmodel import Session, select

from mediaws import migrations
from mediaws.config import Settings
from mediaws.db import make_engine
from mediaws.models import User
from mediaws.security.crypto import KeyringFile, KeyringSource
from mediaws.security.master_key import generate_key, key_id_for
from mediaws.services import accounts, keys

PASSWORD = "amber-lighthouse-comet-63"
SECRET = "sk-proj-CliRotationCheck000000000ZZZZ"
MEDIAWS = shutil.which("mediaws", path=str(Path(sys.executable).parent))


def run_cli(
    data_dir: Path, database_url: str, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    assert MEDIAWS is not None, "the mediaws console script is not installed in this venv"
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("MEDIAWS_") and name != "DATABASE_URL"
    }
    environment.update(MEDIAWS_DATA_DIR=str(data_dir), DATABASE_URL=database_url, **env)
    return subprocess.run(
        [MEDIAWS, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        cwd=data_dir.parent,
        timeout=120,
        check=False,
    )


def users_in(database_url: str) -> list[User]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(User)).all())
    finally:
        engine.dispose()


def test_db_upgrade_and_user_create(fresh_db_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    upgraded = run_cli(data_dir, fresh_db_url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "database at head" in upgraded.stdout
    engine = make_engine(fresh_db_url)
    try:
        with engine.connect() as conn:
            assert {"users", "sessions", "projects", "api_keys", "login_attempts"} <= set(
                inspect(conn).get_table_names()
            )
    finally:
        engine.dispose()

    created = run_cli(
        data_dir,
        fresh_db_url,
        "user",
        "create",
        "--email",
        "Ops@Example.com",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    assert "created user ops@example.com" in created.stdout
    assert PASSWORD not in created.stdout + created.stderr

    weak = run_cli(
        data_dir,
        fresh_db_url,
        "user",
        "create",
        "--email",
        "weak@example.com",
        "--password-stdin",
        stdin="short\n",
    )
    assert weak.returncode == 2
    assert "error: Password is too short" in weak.stderr
    assert "Traceback" not in weak.stderr

    duplicate = run_cli(
        data_dir,
        fresh_db_url,
        "user",
        "create",
        "--email",
        "OPS@example.com",
        "--password-stdin",
        stdin="another-strong-phrase-9\n",
    )
    assert duplicate.returncode == 2
    assert "already exists" in duplicate.stderr
    assert "Traceback" not in duplicate.stderr

    assert [u.email for u in users_in(fresh_db_url)] == ["ops@example.com"]
    settings = Settings(data_dir=data_dir, database_url=fresh_db_url)
    engine = make_engine(fresh_db_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            result = accounts.log_in(
                session=session,
                settings=settings,
                email="ops@example.com",
                password=PASSWORD,
                client="cli-test",
            )
            assert accounts.user_for_token(session=session, token=result.token).email == ("ops@example.com")
    finally:
        engine.dispose()


def test_keys_status_rotate_and_retire(fresh_db_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    migrations.upgrade(fresh_db_url)
    settings = Settings(data_dir=data_dir, database_url=fresh_db_url)
    engine = make_engine(fresh_db_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            user = accounts.sign_up(session=session, email="ops@example.com", password=PASSWORD)
            view = keys.save_key(
                session=session,
                keyring=KeyringSource(settings).get(),
                user_id=user.id,
                provider="openai",
                secret=SECRET,
            )
        old_id = KeyringSource(settings).get().active_id

        status = run_cli(data_dir, fresh_db_url, "keys", "status")
        assert status.returncode == 0, status.stderr
        assert f"master keys from {settings.keyring_path}" in status.stdout
        assert re.search(rf"{old_id}\s+active\s+seals 1 key\(s\)", status.stdout)

        rotated = run_cli(data_dir, fresh_db_url, "keys", "rotate")
        assert rotated.returncode == 0, rotated.stderr
        match = re.search(r"active master key ([0-9a-f]{16}); re-sealed 1 key\(s\)", rotated.stdout)
        assert match is not None, rotated.stdout
        new_id = match.group(1)
        assert new_id != old_id

        refused = run_cli(data_dir, fresh_db_url, "keys", "retire", new_id)
        assert refused.returncode == 2
        assert "active master key" in refused.stderr

        retired = run_cli(data_dir, fresh_db_url, "keys", "retire", old_id)
        assert retired.returncode == 0, retired.stderr
        assert f"retired master key {old_id}" in retired.stdout
        assert [key_id_for(raw) for raw in KeyringFile(settings.keyring_path).read()] == [new_id]

        status = run_cli(data_dir, fresh_db_url, "keys", "status")
        assert re.search(rf"{new_id}\s+active\s+seals 1 key\(s\)", status.stdout)
        assert old_id not in status.stdout

        with Session(engine, expire_on_commit=False) as session:
            revealed = keys.reveal_secret(
                session=session,
                keyring=KeyringSource(settings).get(),
                user_id=user.id,
                key_id=view.id,
            )
        assert revealed == SECRET
    finally:
        engine.dispose()


def test_keys_status_with_master_key_from_environment(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    url = f"sqlite:///{data_dir / 'mediaws.db'}"
    migrations.upgrade(url)
    key = generate_key()
    status = run_cli(data_dir, url, "keys", "status", MEDIAWS_MASTER_KEY=key)
    assert status.returncode == 0, status.stderr
    assert "master keys from environment" in status.stdout
    assert key not in status.stdout
    assert not (data_dir / "master-keys.json").exists()


def test_keys_generate_prints_a_fresh_base64url_key(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "data", "sqlite:///unused.db", "keys", "generate")
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert len(key) == 44
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}=", key)
    assert len(base64.urlsafe_b64decode(key)) == 32


def test_retiring_an_unknown_key_is_a_one_line_error(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    url = f"sqlite:///{data_dir / 'mediaws.db'}"
    migrations.upgrade(url)
    result = run_cli(data_dir, url, "keys", "retire", "0123456789abcdef")
    assert result.returncode == 2
    assert result.stderr == "error: No master key with id 0123456789abcdef is configured.\n"
