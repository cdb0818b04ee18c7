"""Debian's nginx in the foreground, set up in a scratch dir: deploy/nginx.conf as shipped, or any site."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_CONF = ROOT / "deploy" / "nginx.conf"
MAIN_CONF = """
worker_processes {workers};
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
"""


def deploy_site(upstream: str, port: int, cache_dir: Path) -> str:
    """deploy/nginx.conf as shipped, with only its upstream, listen address and cache directory moved."""
    text = DEPLOY_CONF.read_text()
    moves = {
        "server 127.0.0.1:3000;": f"server {upstream};",
        "listen 80;": f"listen 127.0.0.1:{port};",
        "/var/cache/nginx/mediaws": str(cache_dir),
    }
    for shipped, here in moves.items():
        if text.count(shipped) != 1:
            raise AssertionError(f"deploy/nginx.conf no longer has exactly one {shipped!r}")
        text = text.replace(shipped, here)
    return text


def start(site: str, scratch: Path, *, workers: int = 1) -> subprocess.Popen[bytes]:
    """nginx serving the http-level ``site`` config, not daemonised, in its own process group."""
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "site.conf").write_text(site)
    user = "user root;" if os.geteuid() == 0 else ""
    (scratch / "nginx.conf").write_text(MAIN_CONF.format(workers=workers, user=user, tmp=scratch))
    executable = shutil.which("nginx") or "/usr/sbin/nginx"
    return subprocess.Popen(
        [executable, "-p", str(scratch), "-c", str(scratch / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
