"""``mediaws token create/list/revoke`` through the real console script (SQLite)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session

from mediaws import migrations
from mediaws.db import make_engine
from mediaws.errors import SessionExpired
from mediaws.models import User
from mediaws.services import tokens

MEDIAWS = shutil.which("mediaws", path=str(Path(sys.executable).parent))


def run_cli(data_dir: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert MEDIAWS is not None, "the mediaws console script is not installed in this venv"
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("MEDIAWS_") and name != "DATABASE_URL"
    }
    environment.update(MEDIAWS_DATA_DIR=str(data_dir), DATABASE_URL=database_url)
    return subprocess.run(
        [MEDIAWS, *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=data_dir.parent,
        timeout=120,
        check=False,
    )


def test_token_create_list_revoke(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            session.add(User(email="ops@example.com", password_hash="x"))
            session.commit()

        created = run_cli(data_dir, url, "token", "create", "--user", "OPS@example.com", "--name", "backup")
        assert created.returncode == 0, created.stderr
        plaintext = created.stdout.strip()
        assert re.fullmatch(r"mws_[A-Za-z0-9_-]{43}", plaintext)
        assert "shown only once" in created.stderr
        token_id = re.search(r"created token ([0-9a-f-]{36})", created.stderr)
        assert token_id is not None

        with Session(engine, expire_on_commit=False) as session:
            assert tokens.user_for_pat(session=session, token=plaintext).email == "ops@example.com"

        listed = run_cli(data_dir, url, "token", "list", "--user", "ops@example.com")
        assert listed.returncode == 0, listed.stderr
        assert token_id.group(1) in listed.stdout and "backup" in listed.stdout
        assert plaintext[:8] in listed.stdout and plaintext not in listed.stdout
        assert "active" in listed.stdout

        revoked = run_cli(data_dir, url, "token", "revoke", "--user", "ops@example.com", token_id.group(1))
        assert revoked.returncode == 0, revoked.stderr
        assert f"revoked token {token_id.group(1)}" in revoked.stdout
        assert "revoked 20" in run_cli(data_dir, url, "token", "list", "--user", "ops@example.com").stdout

        with Session(engine, expire_on_commit=False) as session, pytest.raises(SessionExpired):
            tokens.user_for_pat(session=session, token=plaintext)

        unknown = run_cli(data_dir, url, "token", "revoke", "--user", "ops@example.com", "not-a-token-id")
        assert unknown.returncode == 2
        assert "error: Token not found." in unknown.stderr and "Traceback" not in unknown.stderr
        nobody = run_cli(data_dir, url, "token", "create", "--user", "nobody@example.com", "--name", "x")
        assert nobody.returncode == 2 and "No account" in nobody.stderr
    finally:
        engine.dispose()
