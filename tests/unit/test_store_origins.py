"""Files served straight from the object store are allowed by the page policy, and only then."""

from __future__ import annotations

from pathlib import Path

from mediaws.config import Settings
from mediaws.web.headers import content_security_policy, store_origins


def _directive(policy: str, name: str) -> list[str]:
    [found] = [part.split() for part in policy.split("; ") if part.startswith(name + " ")]
    return found[1:]


def test_supabase_links_load_from_the_project_origin_only(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        storage_backend="supabase",
        supabase_url="https://abc.supabase.co/",
        supabase_bucket="media",
    )
    store = store_origins(settings)
    assert store == ("https://abc.supabase.co",)
    policy = content_security_policy("https://app.example", store=store)
    for directive in ("img-src", "media-src", "connect-src"):
        assert "https://abc.supabase.co" in _directive(policy, directive)
    assert "https://abc.supabase.co" not in _directive(policy, "script-src")


def test_local_and_proxied_s3_files_add_no_origin(tmp_path: Path) -> None:
    assert store_origins(Settings(data_dir=tmp_path)) == ()
    proxied = Settings(
        data_dir=tmp_path, storage_backend="s3", s3_bucket="b", s3_endpoint_url="http://minio:9000"
    )
    assert store_origins(proxied) == ()
    presigned = proxied.model_copy(update={"s3_presigned_urls": True})
    assert store_origins(presigned) == ("http://minio:9000",)
    assert _directive(content_security_policy("http://127.0.0.1:3000"), "img-src") == [
        "'self'",
        "data:",
        "blob:",
    ]
