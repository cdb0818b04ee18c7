"""`mediaws generate --wait` runs a generation for a named user and project and writes the file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image

MEDIAWS = shutil.which("mediaws", path=str(Path(sys.executable).parent)) or "mediaws"


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run the console script in the test's data dir."""
    return subprocess.run(
        [MEDIAWS, *args], input=stdin, capture_output=True, text=True, env=env, timeout=180, check=False
    )


def test_generate_wait_writes_the_image_and_refuses_bad_input(tmp_path: Path) -> None:
    """A local image is generated and written; limits and unknown projects exit 2 with a sentence."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWS_") and k != "DATABASE_URL"}
    env["MEDIAWS_DATA_DIR"] = str(tmp_path / "data")
    assert run(env, "db", "upgrade").returncode == 0
    created = run(
        env,
        "user",
        "create",
        "--email",
        "ada@example.com",
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert created.returncode == 0, created.stderr
    project = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "from mediaws.db import session_scope\n"
                "from mediaws.services import accounts, projects\n"
                "with session_scope() as s:\n"
                "    u = accounts.user_by_email(session=s, email='ada@example.com')\n"
                "    projects.create_project(session=s, owner_id=u.id, name='Launch')\n"
            ),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert project.returncode == 0, project.stderr
    out = tmp_path / "kite.png"
    common = [
        "generate",
        "--user",
        "ada@example.com",
        "--type",
        "image",
        "--provider",
        "local",
        "--model",
        "local-image",
    ]
    made = run(
        env,
        *common,
        "--project",
        "launch",
        "--prompt",
        "A kite",
        "--option",
        "size=512x512",
        "--wait",
        "--out",
        str(out),
    )
    assert made.returncode == 0, made.stderr
    assert "succeeded; cost $0.00 (free)" in made.stdout
    assert Image.open(out).size == (512, 512)
    too_many = run(env, *common, "--project", "Launch", "--prompt", "A kite", "--option", "count=9")
    assert too_many.returncode == 2
    assert "option 'count': input should be less than or equal to 4" in too_many.stderr
    missing = run(env, *common, "--project", "Nope", "--prompt", "A kite")
    assert (missing.returncode, missing.stderr.strip()) == (2, "error: You have no project named “Nope”.")
    bad_fallback = run(env, *common, "--project", "Launch", "--prompt", "A kite", "--fallback", "local")
    assert (bad_fallback.returncode, bad_fallback.stderr.strip()) == (
        2,
        "error: Fallback 'local' should look like provider:model.",
    )
    frame = tmp_path / "frame.png"
    Image.new("RGB", (64, 36), (10, 120, 200)).save(frame)
    clip = tmp_path / "clip.mp4"
    video = run(
        env,
        "generate",
        "--user",
        "ada@example.com",
        "--project",
        "Launch",
        "--type",
        "video",
        "--provider",
        "local",
        "--model",
        "local-video",
        "--prompt",
        "Sky",
        "--option",
        "duration_seconds=2",
        "--image",
        str(frame),
        "--wait",
        "--out",
        str(clip),
    )
    assert video.returncode == 0, video.stderr
    assert "succeeded; cost $0.00 (free)" in video.stdout
    assert clip.read_bytes()[4:8] == b"ftyp"
    not_image = run(env, *common, "--project", "Launch", "--prompt", "x", "--image", str(clip))
    assert (not_image.returncode, not_image.stderr.strip()) == (
        2,
        "error: This file is not a PNG, JPEG or WebP image (it looks like an MP4 file).",
    )
    refused = run(env, *common, "--project", "Launch", "--prompt", "x", "--image", str(frame))
    assert (refused.returncode, refused.stderr.strip()) == (
        2,
        "error: Local image sketch does not take an input image.",
    )
    pictures = list((tmp_path / "data" / "files").rglob("*.png"))
    assert len(pictures) == 2, pictures  # the kite and the video's start image; the refused upload is gone
    issued = run(env, "token", "create", "--user", "ada@example.com", "--name", "cli")
    assert issued.returncode == 0, issued.stderr
    by_token = [
        "generate",
        "--project",
        "Launch",
        "--type",
        "image",
        "--provider",
        "local",
        "--model",
        "local-image",
        "--prompt",
        "A kite",
    ]
    queued = run(env | {"MEDIAWS_TOKEN": issued.stdout.strip()}, *by_token)
    assert queued.returncode == 0 and "queued generation" in queued.stdout, queued.stderr
    both = run(env, *by_token, "--user", "ada@example.com", "--token", issued.stdout.strip())
    assert (both.returncode, both.stderr.strip()) == (
        2,
        "error: Name the account with either --user EMAIL or --token TOKEN.",
    )
    forged = run(env, *by_token, "--token", "mws_" + "x" * 43)
    assert (forged.returncode, forged.stderr.strip()) == (
        2,
        "error: The access token is not valid or was revoked.",
    )
