"""One contract for every storage backend: local files, S3 (moto's server) and Supabase Storage (a fake).

The S3 and Supabase stores are real HTTP servers on 127.0.0.1 speaking their wire formats; nothing here
talks to a cloud service.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from mediaws.config import Settings
from mediaws.errors import ConfigError
from mediaws.storage import (
    CHUNK_BYTES,
    LocalStorage,
    MissingObject,
    Storage,
    StorageError,
    create_storage,
    storage_key,
    variant_key,
)
from mediaws.storage.s3 import S3Storage
from mediaws.storage.supabase import SupabaseStorage
from tests.support.object_stores import (
    MOTO_KEY_ID,
    MOTO_REGION,
    MOTO_SECRET,
    SERVICE_KEY,
    FakeSupabase,
    fake_supabase,
    free_port,
    moto_s3,
)

BUCKET = "mediaws-assets"
BACKENDS = ("local", "s3", "supabase")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server for this module."""
    with moto_s3(BUCKET) as url:
        yield url


@pytest.fixture(scope="module")
def supabase_fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSupabase]:
    """The fake Supabase Storage for this module."""
    with fake_supabase(tmp_path_factory.mktemp("supabase")) as fake:
        yield fake


def s3_store(endpoint: str, **overrides: Any) -> S3Storage:
    """An S3Storage on moto's server (path-style, as MinIO-like endpoints are usually addressed)."""
    options: dict[str, Any] = {
        "region": MOTO_REGION,
        "endpoint_url": endpoint,
        "access_key_id": MOTO_KEY_ID,
        "secret_access_key": SecretStr(MOTO_SECRET),
        "addressing_style": "path",
    }
    options.update(overrides)
    bucket = options.pop("bucket", BUCKET)
    return S3Storage(bucket, **options)


def supabase_store(fake: FakeSupabase, key: str = SERVICE_KEY, bucket: str = "mediaws") -> SupabaseStorage:
    """A SupabaseStorage on the fake."""
    return SupabaseStorage(fake.url, SecretStr(key), bucket)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which backend a contract test runs against."""
    return str(request.param)


def closing(store: Storage) -> Iterator[Storage]:
    """Yield a store, then close its connections if it has any."""
    yield store
    close = getattr(store, "close", None)
    if close is not None:
        close()


@pytest.fixture
def store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """A working store of the backend under test."""
    if backend == "s3":
        yield from closing(s3_store(request.getfixturevalue("s3_endpoint")))
    elif backend == "supabase":
        yield from closing(supabase_store(request.getfixturevalue("supabase_fake")))
    else:
        yield LocalStorage(tmp_path / "files")


@pytest.fixture
def failing_store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """A store of the backend under test that cannot work: unreachable, wrong key or broken folder."""
    if backend == "s3":
        yield from closing(s3_store(f"http://127.0.0.1:{free_port()}", max_attempts=1))
    elif backend == "supabase":
        yield from closing(
            supabase_store(request.getfixturevalue("supabase_fake"), key="not-the-service-key")
        )
    else:
        blocker = tmp_path / "not-a-folder"
        blocker.write_bytes(b"a file where the storage folder should be")
        yield LocalStorage(blocker)


def new_key(mime_type: str = "image/png") -> str:
    """A fresh key of our own scheme."""
    return storage_key(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), mime_type)


def read_range(store: Storage, key: str, start: int = 0, end: int | None = None) -> bytes:
    """Every byte iter_range yields, checking each chunk stays within CHUNK_BYTES."""
    chunks = list(store.iter_range(key, start, end))
    assert all(0 < len(chunk) <= CHUNK_BYTES for chunk in chunks)
    return b"".join(chunks)


def test_put_then_get_returns_the_bytes_and_a_second_put_replaces_them(store: Storage) -> None:
    key = new_key()
    store.put(key, b"first version", "image/png")
    assert store.get(key) == b"first version"
    store.put(key, b"second", "image/png")
    assert store.get(key) == b"second"
    assert store.stat(key).size == len(b"second")


def test_put_file_stores_a_multi_megabyte_file_whole(store: Storage, tmp_path: Path) -> None:
    data = os.urandom(20 * 1024 * 1024 + 123)
    source = tmp_path / "video.mp4"
    source.write_bytes(data)
    key = new_key("video/mp4")
    store.put_file(key, source, "video/mp4")
    assert store.stat(key).size == len(data)
    digest = hashlib.sha256()
    for chunk in store.iter_range(key):
        assert len(chunk) <= CHUNK_BYTES
        digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    assert source.read_bytes() == data


def test_put_file_of_a_missing_file_is_a_storage_error(store: Storage, tmp_path: Path) -> None:
    key = new_key()
    with pytest.raises(StorageError):
        store.put_file(key, tmp_path / "gone.png", "image/png")
    assert not store.exists(key)


def test_stat_gives_size_and_an_etag_that_changes_with_the_content(store: Storage) -> None:
    key = new_key()
    store.put(key, b"a" * 1000, "image/png")
    first = store.stat(key)
    assert first.size == 1000 and first.etag
    assert store.stat(key) == first
    store.put(key, b"b" * 1000, "image/png")
    second = store.stat(key)
    assert second.size == 1000 and second.etag != first.etag


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, None, slice(0, None)),
        (0, 999_999, slice(0, None)),
        (300_000, 700_000, slice(300_000, 700_001)),
        (999_999, 999_999, slice(999_999, None)),
        (123_456, None, slice(123_456, None)),
        (999_000, 5_000_000, slice(999_000, None)),
    ],
    ids=["whole", "whole-explicit", "middle", "last-byte", "open-ended", "end-past-size"],
)
def test_iter_range_yields_exactly_the_asked_bytes_in_bounded_chunks(
    store: Storage, start: int, end: int | None, expected: slice
) -> None:
    data = os.urandom(1_000_000)
    key = new_key("audio/mpeg")
    store.put(key, data, "audio/mpeg")
    assert read_range(store, key, start, end) == data[expected]


def test_iter_range_from_past_the_end_yields_nothing(store: Storage) -> None:
    key = new_key()
    store.put(key, b"0123456789", "image/png")
    assert read_range(store, key, 10) == b""
    assert read_range(store, key, 50, 60) == b""


def test_an_empty_file_is_stored_and_read_as_empty(store: Storage) -> None:
    key = new_key("text/plain")
    store.put(key, b"", "text/plain")
    assert store.stat(key).size == 0 and store.get(key) == b""
    assert read_range(store, key) == b""


def test_iter_range_refuses_a_backwards_or_negative_range(store: Storage) -> None:
    key = new_key()
    store.put(key, b"0123456789", "image/png")
    for start, end in ((5, 4), (-1, None)):
        with pytest.raises(StorageError, match="byte range"):
            store.iter_range(key, start, end)


def test_an_abandoned_range_read_can_be_closed_and_the_store_still_works(store: Storage) -> None:
    data = os.urandom(3 * CHUNK_BYTES)
    key = new_key()
    store.put(key, data, "image/png")
    chunks = store.iter_range(key)
    first = next(iter(chunks))
    assert first and data.startswith(first)
    close = getattr(chunks, "close", None)
    if close is not None:
        close()
    assert read_range(store, key, 0, 9) == data[:10]


def test_a_missing_key_is_a_missing_object(store: Storage) -> None:
    key = new_key()
    assert not store.exists(key)
    with pytest.raises(MissingObject):
        store.get(key)
    with pytest.raises(MissingObject):
        store.stat(key)
    with pytest.raises(MissingObject):
        list(store.iter_range(key))
    with pytest.raises(MissingObject):
        store.copy(key, new_key())


def test_delete_removes_and_is_idempotent(store: Storage) -> None:
    key = new_key()
    store.put(key, b"bytes", "image/png")
    assert store.exists(key)
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)
    store.delete(new_key())


def test_copy_duplicates_and_replaces_an_existing_target(store: Storage) -> None:
    source, target = new_key(), new_key()
    store.put(source, b"original bytes", "image/png")
    store.put(target, b"old", "image/png")
    store.copy(source, target)
    assert store.get(target) == b"original bytes"
    assert store.stat(target).size == store.stat(source).size
    store.delete(source)
    assert store.get(target) == b"original bytes"


def test_variant_keys_live_next_to_the_asset(store: Storage) -> None:
    key = new_key("video/mp4")
    poster = variant_key(key, "poster", "image/jpeg")
    store.put(poster, b"jpeg", "image/jpeg")
    assert store.exists(poster) and not store.exists(key)


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/passwd",
        "/abs/path.png",
        "a/b/c.png",
        f"{uuid.uuid4()}/{uuid.uuid4()}/../{uuid.uuid4()}.png",
        f"{uuid.uuid4()}/{uuid.uuid4()}/{uuid.uuid4()}.png?x=1",
        f"{uuid.uuid4()}/{uuid.uuid4()}/{uuid.uuid4()}.thumb.png",
        "",
    ],
)
def test_keys_not_of_our_making_are_refused(store: Storage, bad: str, tmp_path: Path) -> None:
    good = new_key()
    source = tmp_path / "f.png"
    source.write_bytes(b"x")
    calls: list[Callable[[], object]] = [
        lambda: store.put(bad, b"x", "image/png"),
        lambda: store.put_file(bad, source, "image/png"),
        lambda: store.get(bad),
        lambda: store.stat(bad),
        lambda: list(store.iter_range(bad)),
        lambda: store.copy(bad, good),
        lambda: store.copy(good, bad),
        lambda: store.delete(bad),
        lambda: store.exists(bad),
        lambda: store.signed_url(bad, expires_in=60, filename="f.png", download=False),
    ]
    for call in calls:
        with pytest.raises(StorageError, match="Refusing storage key"):
            call()


def test_a_failing_store_raises_storage_error_without_leaking_secrets(failing_store: Storage) -> None:
    key = new_key()
    for call in (
        lambda: failing_store.delete(key),
        lambda: failing_store.put(key, b"x", "image/png"),
        lambda: failing_store.get(key),
    ):
        with pytest.raises(StorageError) as caught:
            call()
        assert not isinstance(caught.value, MissingObject)
        message = str(caught.value)
        assert message.endswith(".") and "not-the-service-key" not in message and MOTO_SECRET not in message


def test_signed_url_is_none_where_mediaws_serves_the_file(backend: str, store: Storage) -> None:
    key = new_key()
    store.put(key, b"bytes", "image/png")
    url = store.signed_url(key, expires_in=60, filename="cat.png", download=True)
    if backend == "supabase":
        assert url is not None and url.startswith("http://127.0.0.1:")
    else:
        assert url is None


def test_many_links_at_once_are_none_where_mediaws_serves_the_files(backend: str, store: Storage) -> None:
    stored, missing = new_key_stored(store), new_key()
    links = store.signed_urls([(stored, "a.png"), (missing, "b.png")], expires_in=60)
    if backend == "supabase":
        assert links is not None and links[1] is None  # a missing object gets no link, the rest still do
        assert links[0] is not None and httpx.get(links[0]).content == b"other"
    else:
        assert links is None
    assert store.signed_urls([], expires_in=60) in ([], None)


def test_supabase_signs_a_page_of_links_in_one_request(supabase_fake: FakeSupabase) -> None:
    store = supabase_store(supabase_fake)
    keys = [new_key_stored(store) for _ in range(24)]
    before = supabase_fake.batch_signs
    links = store.signed_urls([(key, f"{n}.png") for n, key in enumerate(keys)], expires_in=60)
    assert supabase_fake.batch_signs == before + 1
    assert links is not None and len(set(links)) == 24
    with httpx.Client() as browser:
        assert all(browser.get(str(link)).content == b"other" for link in links[:3])


def test_s3_presigns_many_links_without_a_request(s3_endpoint: str) -> None:
    store = s3_store(s3_endpoint, presign=True)
    keys = [new_key_stored(store) for _ in range(3)]
    links = store.signed_urls([(key, "cat.png") for key in keys], expires_in=60)
    assert links is not None
    fetched = [httpx.get(str(link)) for link in links]
    assert [(one.status_code, one.content) for one in fetched] == [(200, b"other")] * 3
    assert all(one.headers["content-disposition"].startswith("inline;") for one in fetched)


def test_supabase_signed_url_serves_the_bytes_and_refuses_a_tampered_token(
    supabase_fake: FakeSupabase,
) -> None:
    store = supabase_store(supabase_fake)
    data = os.urandom(100_000)
    key = new_key("video/mp4")
    store.put(key, data, "video/mp4")
    inline = store.signed_url(key, expires_in=60, filename="clip.mp4", download=False)
    assert inline is not None
    with httpx.Client() as browser:
        whole = browser.get(inline)
        assert whole.status_code == 200 and whole.content == data
        assert "attachment" not in whole.headers.get("content-disposition", "")
        part = browser.get(inline, headers={"Range": "bytes=10-19"})
        assert part.status_code == 206 and part.content == data[10:20]
        attachment = store.signed_url(key, expires_in=60, filename="Ünïcode clip.mp4", download=True)
        assert attachment is not None
        saved = browser.get(attachment)
        assert saved.status_code == 200 and saved.content == data
        assert "attachment" in saved.headers["content-disposition"]
        assert "%C3%9Cn%C3%AFcode%20clip.mp4" in saved.headers["content-disposition"]
        token = inline.split("token=", 1)[1]
        tampered = inline.replace(token, token[:-1] + ("0" if token[-1] != "0" else "1"))
        refused = browser.get(tampered)
        assert refused.status_code == 400 and refused.json()["error"] == "InvalidJWT"
        other = store.signed_url(new_key_stored(store), expires_in=60, filename="x.png", download=False)
        assert other is not None
        moved = inline.split("?", 1)[0] + "?" + other.split("?", 1)[1]
        assert browser.get(moved).status_code == 400
        expired = store.signed_url(key, expires_in=-1, filename="clip.mp4", download=False)
        assert expired is not None and browser.get(expired).status_code == 400


def new_key_stored(store: Storage) -> str:
    """A key with a few bytes stored under it."""
    key = new_key()
    store.put(key, b"other", "image/png")
    return key


def test_supabase_fake_refuses_requests_without_the_service_key(supabase_fake: FakeSupabase) -> None:
    url = f"{supabase_fake.url}/storage/v1/object/info/mediaws/{new_key()}"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"apikey": SERVICE_KEY}).json()["statusCode"] == "403"
    headers = {"apikey": SERVICE_KEY, "Authorization": f"Bearer {SERVICE_KEY}"}
    assert httpx.get(url, headers=headers).json() == {
        "statusCode": "404",
        "error": "not_found",
        "message": "Object not found",
    }


def test_supabase_missing_bucket_is_a_storage_error_not_a_missing_object(supabase_fake: FakeSupabase) -> None:
    store = supabase_store(supabase_fake, bucket="no-such-bucket")
    with pytest.raises(StorageError, match="MEDIAWS_SUPABASE_BUCKET") as caught:
        store.delete(new_key())
    assert not isinstance(caught.value, MissingObject)


def test_s3_missing_bucket_is_a_storage_error_not_a_missing_object(s3_endpoint: str) -> None:
    store = s3_store(s3_endpoint, bucket="no-such-bucket")
    with pytest.raises(StorageError, match="NoSuchBucket") as caught:
        store.delete(new_key())
    assert not isinstance(caught.value, MissingObject)


def test_s3_presigned_urls_when_asked_carry_the_download_name(s3_endpoint: str) -> None:
    store = s3_store(s3_endpoint, presign=True)
    key = new_key()
    store.put(key, b"png bytes", "image/png")
    url = store.signed_url(key, expires_in=60, filename="Ünïcode cat.png", download=True)
    assert url is not None
    fetched = httpx.get(url)
    assert fetched.status_code == 200 and fetched.content == b"png bytes"
    assert fetched.headers["content-disposition"].startswith("attachment;")
    assert "%C3%9Cn%C3%AFcode%20cat.png" in fetched.headers["content-disposition"]
    # moto does not check presigned signatures, so a tampered URL cannot be tested against it.


def test_create_storage_picks_the_configured_backend(
    tmp_path: Path, s3_endpoint: str, supabase_fake: FakeSupabase
) -> None:
    assert isinstance(create_storage(Settings(data_dir=tmp_path)), LocalStorage)
    s3 = create_storage(
        Settings(
            data_dir=tmp_path,
            storage_backend="s3",
            s3_bucket=BUCKET,
            s3_region=MOTO_REGION,
            s3_endpoint_url=s3_endpoint,
            s3_access_key_id=MOTO_KEY_ID,
            s3_secret_access_key=SecretStr(MOTO_SECRET),
            s3_addressing_style="path",
        )
    )
    supabase = create_storage(
        Settings(
            data_dir=tmp_path,
            storage_backend="supabase",
            supabase_url=supabase_fake.url,
            supabase_service_key=SecretStr(SERVICE_KEY),
            supabase_bucket="mediaws",
        )
    )
    for store, name in ((s3, "s3"), (supabase, "supabase")):
        key = new_key()
        store.put(key, b"via settings", "image/png")
        assert store.name == name and store.get(key) == b"via settings"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"storage_backend": "s3"}, "MEDIAWS_S3_BUCKET"),
        (
            {"storage_backend": "s3", "s3_bucket": "b", "s3_access_key_id": "id"},
            "MEDIAWS_S3_SECRET_ACCESS_KEY",
        ),
        (
            {"storage_backend": "s3", "s3_bucket": "b", "s3_secret_access_key": "secret-value"},
            "MEDIAWS_S3_ACCESS_KEY_ID",
        ),
        ({"storage_backend": "supabase"}, "MEDIAWS_SUPABASE_URL"),
        (
            {"storage_backend": "supabase", "supabase_url": "https://x.supabase.co", "supabase_bucket": "b"},
            "MEDIAWS_SUPABASE_SERVICE_KEY",
        ),
        (
            {
                "storage_backend": "supabase",
                "supabase_url": "https://x.supabase.co",
                "supabase_service_key": "k",
            },
            "MEDIAWS_SUPABASE_BUCKET",
        ),
    ],
)
def test_a_misconfigured_backend_names_the_missing_setting(
    tmp_path: Path, settings: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigError, match=named) as caught:
        create_storage(Settings(data_dir=tmp_path, **settings))
    assert "secret-value" not in str(caught.value)


def test_storage_backend_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEDIAWS_STORAGE_BACKEND", "supabase")
    monkeypatch.setenv("MEDIAWS_SUPABASE_SERVICE_KEY", "from-env")
    settings = Settings(data_dir=tmp_path)
    assert settings.storage_backend == "supabase"
    assert "from-env" not in repr(settings)


MEMORY_PROBE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from pydantic import SecretStr

    def peak_kib():
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise SystemExit("no VmHWM")

    spec = json.loads(sys.argv[1])
    kind, source, warmup = spec["kind"], Path(spec["source"]), Path(spec["warmup"])
    if kind == "local":
        from mediaws.storage import LocalStorage
        store = LocalStorage(Path(spec["root"]))
    elif kind == "s3":
        from mediaws.storage.s3 import S3Storage
        store = S3Storage(
            spec["bucket"], region=spec["region"], endpoint_url=spec["endpoint"],
            access_key_id=spec["key_id"], secret_access_key=SecretStr(spec["secret"]),
            addressing_style="path",
        )
    else:
        from mediaws.storage.supabase import SupabaseStorage
        store = SupabaseStorage(spec["url"], SecretStr(spec["secret"]), spec["bucket"])
    from mediaws.storage import storage_key
    import uuid
    key = storage_key(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "video/mp4")
    store.put_file(key, warmup, "video/mp4")
    for _ in store.iter_range(key):
        pass
    before = peak_kib()
    store.put_file(key, source, "video/mp4")
    size = 0
    for chunk in store.iter_range(key):
        size += len(chunk)
    tail = b"".join(store.iter_range(key, size - 10))
    print(json.dumps({"before": before, "after": peak_kib(), "size": size, "tail": tail.hex()}))
    store.delete(key)
    """
)


@pytest.mark.parametrize(
    ("kind", "size"), [("local", 2 * 1024**3), ("s3", 300 * 1024**2), ("supabase", 300 * 1024**2)]
)
def test_big_files_stream_in_flat_memory(
    kind: str, size: int, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    source = tmp_path / "big.mp4"
    with source.open("wb") as handle:
        handle.truncate(size - 10)
        handle.seek(size - 10)
        handle.write(b"end-marker")
    warmup = tmp_path / "warmup.mp4"
    warmup.write_bytes(os.urandom(1024 * 1024))
    spec: dict[str, Any] = {"kind": kind, "source": str(source), "warmup": str(warmup)}
    if kind == "local":
        spec["root"] = str(tmp_path / "files")
    elif kind == "s3":
        spec.update(
            bucket=BUCKET,
            region=MOTO_REGION,
            endpoint=request.getfixturevalue("s3_endpoint"),
            key_id=MOTO_KEY_ID,
            secret=MOTO_SECRET,
        )
    else:
        spec.update(url=request.getfixturevalue("supabase_fake").url, secret=SERVICE_KEY, bucket="mediaws")
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, json.dumps(spec)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["size"] == size and bytes.fromhex(seen["tail"]) == b"end-marker"
    growth_mib = (seen["after"] - seen["before"]) / 1024
    assert growth_mib < 64, f"peak RSS grew by {growth_mib:.0f} MiB while streaming {size >> 20} MiB"
