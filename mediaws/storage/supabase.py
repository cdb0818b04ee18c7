"""Supabase Storage: one bucket per deployment, through storage3 and, for ranged reads, plain HTTP.

Supabase answers most 4xx errors with HTTP 400 and the real status in the JSON body
(``{"statusCode": "404", "error": "not_found", "message": "Object not found"}``), so errors are judged by
the body first. ``signed_url`` hands out Supabase's own signed URLs: they serve the bytes (with Range) from
Supabase, and ``download`` makes Supabase send ``Content-Disposition: attachment`` with the file name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from mediaws.errors import ConfigError
from mediaws.storage.base import CHUNK_BYTES, MissingObject, ObjectInfo, StorageError, check_key, check_range

if TYPE_CHECKING:
    from mediaws.config import Settings

MISSING = frozenset({"not_found", "Not found", "Not Found", "NoSuchKey", "NoSuchObject"})
DUPLICATE = frozenset({"Duplicate", "already_exists", "ResourceAlreadyExists", "KeyAlreadyExists"})


class SupabaseStorage:
    """A Supabase Storage bucket reached with the service role key (which bypasses row-level security)."""

    name = "supabase"

    def __init__(self, url: str, service_key: SecretStr, bucket: str, *, timeout: float = 60.0) -> None:
        from storage3 import SyncStorageClient

        self.bucket = bucket
        self.base = f"{url.rstrip('/')}/storage/v1/"
        secret = service_key.get_secret_value()
        headers = {"apikey": secret, "Authorization": f"Bearer {secret}"}
        self.http = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=10.0),
            transport=httpx.HTTPTransport(retries=2),
            follow_redirects=True,
        )
        self.files: Any = SyncStorageClient(self.base, headers, http_client=self.http).from_(bucket)

    @classmethod
    def from_settings(cls, settings: Settings) -> SupabaseStorage:
        """The bucket the MEDIAWS_SUPABASE_* settings name; ConfigError names what is missing."""
        missing = [
            name
            for name, value in (
                ("MEDIAWS_SUPABASE_URL", settings.supabase_url),
                ("MEDIAWS_SUPABASE_SERVICE_KEY", settings.supabase_service_key),
                ("MEDIAWS_SUPABASE_BUCKET", settings.supabase_bucket),
            )
            if not value or (isinstance(value, SecretStr) and not value.get_secret_value().strip())
        ]
        if missing:
            raise ConfigError(f"MEDIAWS_STORAGE_BACKEND=supabase needs {' and '.join(missing)}.")
        if not settings.supabase_url.startswith(("https://", "http://")):
            raise ConfigError("MEDIAWS_SUPABASE_URL must be the project URL, e.g. https://<ref>.supabase.co.")
        assert settings.supabase_service_key is not None
        return cls(settings.supabase_url, settings.supabase_service_key, settings.supabase_bucket)

    def put(self, key: str, data: bytes, mime_type: str) -> None:
        """Upload (or overwrite) the object in one request."""
        self._upload(key, data, mime_type)

    def put_file(self, key: str, path: Path, mime_type: str) -> None:
        """Upload a file from disk; httpx streams the open file into the request body."""
        if not path.is_file():
            raise StorageError("Could not read the file to store: it does not exist.")
        with path.open("rb") as handle:
            self._upload(key, handle, mime_type)

    def get(self, key: str) -> bytes:
        """The whole object (small files only)."""
        check_key(key)
        with _Translated("read"):
            return bytes(self.files.download(key))

    def stat(self, key: str) -> ObjectInfo:
        """Size and ETag from the object's info."""
        check_key(key)
        with _Translated("read"):
            info = self.files.info(key)
        metadata = info.get("metadata") or {}
        size = info.get("size", metadata.get("size"))
        etag = info.get("etag") or metadata.get("eTag") or info.get("version") or ""
        if size is None:
            raise StorageError("Supabase Storage did not say how large the file is.")
        return ObjectInfo(size=int(size), etag=str(etag).strip('"'))

    def iter_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """A ranged GET read in CHUNK_BYTES pieces as the caller consumes it (storage3 reads whole files)."""
        check_key(key)
        check_range(start, end)
        url = f"{self.base}object/authenticated/{quote(self.bucket, safe='')}/{quote(key)}"
        wanted = f"bytes={start}-{'' if end is None else end}"
        request = self.http.build_request("GET", url, headers={"Range": wanted})
        try:
            response = self.http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise StorageError(
                f"Could not reach Supabase Storage to read the file ({type(exc).__name__})."
            ) from None
        if response.status_code in (200, 206):
            skip = start if response.status_code == 200 else 0
            return _stream(response, skip=skip, length=None if end is None else end - start + 1)
        try:
            response.read()
        finally:
            response.close()
        status, code = _status_of(response)
        if status == "416" or response.status_code == 416:
            return iter(())
        _raise(status, code, "read")

    def copy(self, source: str, target: str) -> None:
        """Copy inside the bucket (Supabase copies server-side); an existing target is replaced."""
        check_key(source)
        check_key(target)
        with _Translated("copy"):
            try:
                self.files.copy(source, target)
                return
            except _api_error() as exc:
                if (
                    str(getattr(exc, "code", "")) not in DUPLICATE
                    and str(getattr(exc, "status", "")) != "409"
                ):
                    raise
            self.files.remove([target])
            self.files.copy(source, target)

    def delete(self, key: str) -> None:
        """Remove an object; Supabase answers a missing key with an empty list, not an error."""
        check_key(key)
        try:
            with _Translated("remove"):
                self.files.remove([key])
        except MissingObject:
            return

    def exists(self, key: str) -> bool:
        """Whether the object's info is found."""
        try:
            self.stat(key)
        except MissingObject:
            return False
        return True

    def signed_url(self, key: str, *, expires_in: int, filename: str, download: bool) -> str | None:
        """Supabase's own signed URL; ``download`` makes it an attachment named ``filename``."""
        check_key(key)
        options = {"download": filename or True} if download else {}
        with _Translated("sign a link to"):
            signed = self.files.create_signed_url(key, expires_in, options)
        url = signed.get("signedURL") or signed.get("signedUrl")
        if not url:
            raise StorageError("Supabase Storage did not return a signed link.")
        return str(url)

    def signed_urls(self, objects: Sequence[tuple[str, str]], *, expires_in: int) -> list[str | None] | None:
        """Supabase's own signed URLs for many objects in one request; None for one it has not got."""
        keys = [key for key, _name in objects]
        for key in keys:
            check_key(key)
        if not keys:
            return []
        with _Translated("sign links to"):
            signed = self.files.create_signed_urls(keys, expires_in)
        by_key = {str(item.get("path")): item.get("signedURL") or item.get("signedUrl") for item in signed}
        return [str(by_key[key]) if by_key.get(key) else None for key in keys]

    def close(self) -> None:
        """Close the HTTP connections."""
        self.http.close()

    def _upload(self, key: str, content: Any, mime_type: str) -> None:
        check_key(key)
        options = {"content-type": mime_type, "upsert": "true", "cache-control": "3600"}
        with _Translated("store"):
            self.files.upload(key, content, options)


def _api_error() -> type[Exception]:
    from storage3.exceptions import StorageApiError

    return StorageApiError


class _Translated:
    """Turn storage3/httpx errors into StorageError/MissingObject with messages free of keys and URLs."""

    def __init__(self, action: str) -> None:
        self.action = action

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is None or isinstance(exc, StorageError):
            return
        if isinstance(exc, _api_error()):
            _raise(str(getattr(exc, "status", "")), str(getattr(exc, "code", "")), self.action)
        if isinstance(exc, httpx.HTTPError):
            raise StorageError(
                f"Could not reach Supabase Storage to {self.action} the file ({type(exc).__name__})."
            ) from None
        if isinstance(exc, OSError):
            raise StorageError(f"Could not {self.action} the file: {exc.strerror or exc}.") from None


def _status_of(response: httpx.Response) -> tuple[str, str]:
    """The status and error code Supabase put in the JSON body, else the HTTP status."""
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    status = str(body.get("statusCode") or response.status_code)
    return status, str(body.get("error") or body.get("code") or "")


def _raise(status: str, code: str, action: str) -> NoReturn:
    if "bucket" in code.lower():
        raise StorageError(
            f"Supabase Storage could not {action} the file: its bucket is missing "
            "(check MEDIAWS_SUPABASE_BUCKET)."
        ) from None
    if status == "404" or code in MISSING:
        raise MissingObject("The file is missing from storage.") from None
    if status in ("401", "403") or code in ("Unauthorized", "InvalidJWT", "AccessDenied"):
        raise StorageError(
            f"Supabase Storage refused the service key when asked to {action} the file: "
            "check MEDIAWS_SUPABASE_SERVICE_KEY."
        ) from None
    raise StorageError(f"Supabase Storage refused to {action} the file ({code or status}).") from None


def _stream(response: httpx.Response, *, skip: int, length: int | None) -> Iterator[bytes]:
    """Yield a streamed body in CHUNK_BYTES pieces; trims it when the server ignored the Range header."""
    try:
        for chunk in response.iter_bytes(CHUNK_BYTES):
            if skip:
                dropped = min(skip, len(chunk))
                chunk, skip = chunk[dropped:], skip - dropped
            if length is not None:
                chunk, length = chunk[:length], length - min(length, len(chunk))
            if chunk:
                yield chunk
            if length == 0:
                return
    except httpx.HTTPError as exc:
        raise StorageError(
            f"Supabase Storage broke off while sending the file ({type(exc).__name__})."
        ) from None
    finally:
        response.close()
