"""Uploads in the gallery: each file spooled to disk, ingested, and its outcome put in words."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from mediaws import wiring
from mediaws.errors import MediawsError
from mediaws.services import accounts, ingest


@dataclass
class UploadResult:
    """What became of one uploaded file."""

    name: str = ""
    ok: bool = False
    message: str = ""


def ingest_one(token: str, project_id: str, path: Path, filename: str) -> UploadResult:
    """Keep one uploaded file (run in a thread); a refusal names its reason."""
    deps = wiring.app_deps()
    with deps.session_factory() as session:
        try:
            user = accounts.user_for_token(session=session, token=token)
            asset = ingest.ingest_file(
                session=session,
                deps=deps,
                user_id=user.id,
                project_id=project_id,
                path=path,
                filename=filename,
            )
        except MediawsError as exc:
            return UploadResult(name=filename, ok=False, message=str(exc))
    return UploadResult(name=filename, ok=True, message=f"Added as {asset.kind}.")


def spool(source: BinaryIO) -> Path:
    """Copy an upload to a private temporary file and return its path."""
    handle = tempfile.NamedTemporaryFile(prefix="mediaws-gallery-", delete=False)  # noqa: SIM115
    with handle:
        source.seek(0)
        shutil.copyfileobj(source, handle)
    return Path(handle.name)


def rejection(item: dict[str, Any]) -> UploadResult:
    """A file the browser refused before sending it, with the browser's reason."""
    file = item.get("file") or {}
    name = str(file.get("name") or file.get("path") or "A file") if isinstance(file, dict) else "A file"
    errors = item.get("errors") or []
    reasons = [str(error.get("message", "")) for error in errors if isinstance(error, dict)]
    return UploadResult(name=name, ok=False, message="; ".join(r for r in reasons if r) or "Refused.")
