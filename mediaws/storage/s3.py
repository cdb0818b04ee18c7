"""Any S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, Supabase's S3 endpoint) through boto3.

``signed_url`` returns None unless ``presign`` is on: mediaws then serves the object through its own signed
route, which sets Content-Disposition and its own security headers, keeps the store's origin out of the
page's CSP, and works when the store is only reachable from the server (MinIO on a private network).
With ``presign`` (MEDIAWS_S3_PRESIGNED_URLS=true) browsers fetch from the store directly with a presigned GET
that carries ``response-content-disposition``, sparing mediaws the bandwidth.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import SecretStr

from mediaws.errors import ConfigError
from mediaws.storage.base import (
    CHUNK_BYTES,
    MissingObject,
    ObjectInfo,
    StorageError,
    check_key,
    check_range,
    content_disposition,
)

if TYPE_CHECKING:
    from mediaws.config import Settings

COPY_OBJECT_LIMIT = 5 * 1024**3
MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
Addressing = Literal["auto", "path", "virtual"]


class S3Storage:
    """One bucket of an S3-compatible store; keys are our own ``user/project/asset.ext`` keys."""

    name = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        region: str = "",
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: SecretStr | None = None,
        addressing_style: Addressing = "auto",
        presign: bool = False,
        max_attempts: int = 5,
    ) -> None:
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        self.bucket = bucket
        self.presign = presign
        compatible = endpoint_url is not None
        config = Config(
            signature_version="s3v4",
            connect_timeout=10,
            read_timeout=60,
            retries={"max_attempts": max_attempts, "mode": "standard"},
            max_pool_connections=32,
            s3={"addressing_style": addressing_style},
            # Other S3-compatible stores reject the CRC checksums boto3 adds by default since 1.36.
            request_checksum_calculation="when_required" if compatible else "when_supported",
            response_checksum_validation="when_required" if compatible else "when_supported",
        )
        session = boto3.session.Session()
        self.client: Any = session.client(
            "s3",
            region_name=region or None,
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key.get_secret_value() if secret_access_key else None,
            config=config,
        )
        # Parts of 8 MiB, at most 4 in memory at once: a 64 MiB bound on what an upload holds.
        self.transfer = TransferConfig(
            multipart_threshold=16 * 1024**2,
            multipart_chunksize=8 * 1024**2,
            max_concurrency=4,
            use_threads=True,
            preferred_transfer_client="classic",
        )
        self.transfer.max_in_memory_upload_chunks = 4
        self.big_copy = TransferConfig(
            multipart_threshold=COPY_OBJECT_LIMIT, multipart_chunksize=512 * 1024**2, max_concurrency=4
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        """The bucket the MEDIAWS_S3_* settings name; ConfigError names what is missing."""
        if not settings.s3_bucket:
            raise ConfigError("MEDIAWS_STORAGE_BACKEND=s3 needs MEDIAWS_S3_BUCKET (the bucket for files).")
        if bool(settings.s3_access_key_id) != bool(settings.s3_secret_access_key):
            key_id = "MEDIAWS_S3_ACCESS_KEY_ID"
            missing = "MEDIAWS_S3_SECRET_ACCESS_KEY" if settings.s3_access_key_id else key_id
            raise ConfigError(
                f"MEDIAWS_S3_ACCESS_KEY_ID and MEDIAWS_S3_SECRET_ACCESS_KEY go together: set {missing} too, "
                "or neither to use boto3's own credentials (environment, ~/.aws, instance role)."
            )
        return cls(
            settings.s3_bucket,
            region=settings.s3_region,
            endpoint_url=settings.s3_endpoint_url or None,
            access_key_id=settings.s3_access_key_id or None,
            secret_access_key=settings.s3_secret_access_key,
            addressing_style=settings.s3_addressing_style,
            presign=settings.s3_presigned_urls,
        )

    def put(self, key: str, data: bytes, mime_type: str) -> None:
        """One PUT: S3 makes the object visible whole or not at all."""
        check_key(key)
        with self._errors("store"):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=mime_type)

    def put_file(self, key: str, path: Path, mime_type: str) -> None:
        """Upload from disk, in parts for big files; the object appears only when the upload completes."""
        check_key(key)
        if not path.is_file():
            raise StorageError("Could not read the file to store: it does not exist.")
        with self._errors("store"):
            self.client.upload_file(
                str(path), self.bucket, key, ExtraArgs={"ContentType": mime_type}, Config=self.transfer
            )

    def get(self, key: str) -> bytes:
        """The whole object (small files only)."""
        check_key(key)
        with self._errors("read"):
            found = self.client.get_object(Bucket=self.bucket, Key=key)
            with found["Body"] as body:
                return bytes(body.read())

    def stat(self, key: str) -> ObjectInfo:
        """Size and ETag from a HEAD request."""
        check_key(key)
        with self._errors("read"):
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        return ObjectInfo(size=int(head["ContentLength"]), etag=str(head["ETag"]).strip('"'))

    def iter_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """A ranged GET whose body is read in CHUNK_BYTES pieces as the caller consumes it."""
        check_key(key)
        check_range(start, end)
        wanted = f"bytes={start}-{'' if end is None else end}"
        from botocore.exceptions import ClientError

        with self._errors("read"):
            try:
                found = self.client.get_object(Bucket=self.bucket, Key=key, Range=wanted)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                    return iter(())
                raise
        return _stream(found["Body"])

    def copy(self, source: str, target: str) -> None:
        """Copy inside the bucket: one CopyObject up to 5 GiB, a multipart copy beyond."""
        check_key(source)
        check_key(target)
        with self._errors("copy"):
            head = self.client.head_object(Bucket=self.bucket, Key=source)
            origin = {"Bucket": self.bucket, "Key": source}
            if int(head["ContentLength"]) <= COPY_OBJECT_LIMIT:
                self.client.copy_object(Bucket=self.bucket, Key=target, CopySource=origin)
            else:
                extra = {"ContentType": head.get("ContentType", "application/octet-stream")}
                self.client.copy(origin, self.bucket, target, ExtraArgs=extra, Config=self.big_copy)

    def delete(self, key: str) -> None:
        """Remove an object; S3 answers a missing key with success too."""
        check_key(key)
        try:
            with self._errors("remove"):
                self.client.delete_object(Bucket=self.bucket, Key=key)
        except MissingObject:
            return

    def exists(self, key: str) -> bool:
        """Whether a HEAD request finds the object."""
        try:
            self.stat(key)
        except MissingObject:
            return False
        return True

    def signed_url(self, key: str, *, expires_in: int, filename: str, download: bool) -> str | None:
        """A presigned GET when ``presign`` is on, else None (mediaws serves the object itself)."""
        check_key(key)
        if not self.presign:
            return None
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "ResponseContentDisposition": content_disposition(filename, download=download),
        }
        with self._errors("sign a link to"):
            return str(self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in))

    def signed_urls(self, objects: Sequence[tuple[str, str]], *, expires_in: int) -> list[str | None] | None:
        """Presigned GETs (computed here, no request to S3) when ``presign`` is on, else None."""
        if not self.presign:
            for key, _name in objects:
                check_key(key)
            return None
        return [
            self.signed_url(key, expires_in=expires_in, filename=name, download=False)
            for key, name in objects
        ]

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()

    def _errors(self, action: str) -> _Translate:
        return _Translate(action)


class _Translate:
    """Turn botocore's errors into StorageError/MissingObject with messages free of keys and URLs."""

    def __init__(self, action: str) -> None:
        self.action = action

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            return
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            if code in MISSING_CODES:
                raise MissingObject("The file is missing from storage.") from None
            reason = code or status
            raise StorageError(f"The S3 store refused to {self.action} the file ({reason}).") from None
        if isinstance(exc, NoCredentialsError):
            raise StorageError(
                "The S3 store needs credentials: "
                "set MEDIAWS_S3_ACCESS_KEY_ID and MEDIAWS_S3_SECRET_ACCESS_KEY."
            ) from None
        if isinstance(exc, BotoCoreError):
            raise StorageError(
                f"Could not reach the S3 store to {self.action} the file ({type(exc).__name__})."
            ) from None
        if isinstance(exc, OSError):
            raise StorageError(f"Could not {self.action} the file: {exc.strerror or exc}.") from None


def _stream(body: Any) -> Iterator[bytes]:
    """Yield a botocore StreamingBody in CHUNK_BYTES pieces, closing it at the end or when abandoned."""
    from botocore.exceptions import BotoCoreError

    try:
        for chunk in body.iter_chunks(CHUNK_BYTES):
            if chunk:
                yield chunk
    except BotoCoreError as exc:
        raise StorageError(f"The S3 store broke off while sending the file ({type(exc).__name__}).") from None
    finally:
        body.close()
