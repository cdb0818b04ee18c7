"""Object stores on loopback for the storage contract: moto's S3 server and a fake Supabase Storage.

The fake speaks Supabase Storage's REST API (``/storage/v1/object/...``) as its server does: it checks the
``apikey`` header (as Supabase's gateway does) and the ``Authorization: Bearer`` key, answers most errors with
HTTP 400 and the real status in the JSON body (``{"statusCode": "404", "error": "not_found", ...}``), serves
Range requests with 206, and signs URLs with a token it checks (expiry and path) on the signed GET route.
Objects live in files on disk so multi-megabyte uploads do not sit in memory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

SERVICE_KEY = "fake-service-role-key-" + "x" * 24
MOTO_REGION = "us-east-1"
MOTO_KEY_ID = "testing-key-id"
MOTO_SECRET = "testing-secret-key"
PIECE = 64 * 1024
MISSING_FOR_SIGNING = "Either the object does not exist or you do not have access to it"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_s3(bucket: str = "mediaws-assets") -> Iterator[str]:
    """moto's S3 server on a free loopback port, with ``bucket`` created; yields its endpoint URL."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        client = boto3.client(
            "s3",
            endpoint_url=url,
            region_name=MOTO_REGION,
            aws_access_key_id=MOTO_KEY_ID,
            aws_secret_access_key=MOTO_SECRET,
        )
        client.create_bucket(Bucket=bucket)
        yield url
    finally:
        server.stop()


@dataclass
class StoredObject:
    """What the fake keeps of one object besides its bytes."""

    id: str
    size: int
    etag: str
    content_type: str
    cache_control: str
    created_at: str
    updated_at: str


@dataclass
class FakeSupabase:
    """The fake's state: buckets of objects kept under ``root``, and the keys it accepts."""

    root: Path
    key: str = SERVICE_KEY
    buckets: set[str] = field(default_factory=lambda: {"mediaws"})
    objects: dict[tuple[str, str], StoredObject] = field(default_factory=dict)
    signing_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    batch_signs: int = 0
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def path(self, bucket: str, name: str) -> Path:
        """Where an object's bytes live."""
        return self.root / bucket / hashlib.sha256(name.encode()).hexdigest()

    def sign(self, bucket: str, name: str, expires_in: int) -> str:
        """A token naming the object and its expiry, HMAC-signed (Supabase uses a JWT to the same effect)."""
        claims = json.dumps({"url": f"{bucket}/{name}", "exp": int(time.time()) + expires_in}).encode()
        payload = base64.urlsafe_b64encode(claims).decode().rstrip("=")
        mac = hmac.new(self.signing_secret, payload.encode(), hashlib.sha256).hexdigest()
        return f"{payload}.{mac}"

    def verify(self, token: str, bucket: str, name: str) -> bool:
        """Whether a token is ours, unexpired and for this object."""
        payload, _, mac = token.partition(".")
        good = hmac.new(self.signing_secret, payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, good):
            return False
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return bool(claims["url"] == f"{bucket}/{name}" and claims["exp"] >= time.time())


def _error(status: str, error: str, message: str, http_status: int = 400) -> JSONResponse:
    """Supabase Storage's error body; like its server, 4xx errors go out as HTTP 400 by default."""
    return JSONResponse({"statusCode": status, "error": error, "message": message}, status_code=http_status)


def _not_found() -> JSONResponse:
    return _error("404", "not_found", "Object not found")


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class SupabaseApp:
    """The Starlette app of the fake; ``state`` is shared with the test for inspection."""

    def __init__(self, state: FakeSupabase) -> None:
        self.state = state
        obj = "/storage/v1/object"
        self.app = Starlette(
            routes=[
                Route(obj + "/sign/{bucket}", self.sign_many, methods=["POST"]),
                Route(obj + "/sign/{bucket}/{name:path}", self.sign, methods=["POST"]),
                Route(obj + "/sign/{bucket}/{name:path}", self.signed_get, methods=["GET"]),
                Route(obj + "/info/authenticated/{bucket}/{name:path}", self.info, methods=["GET"]),
                Route(obj + "/info/{bucket}/{name:path}", self.info, methods=["GET"]),
                Route(obj + "/authenticated/{bucket}/{name:path}", self.serve, methods=["GET", "HEAD"]),
                Route(obj + "/list/{bucket}", self.list_objects, methods=["POST"]),
                Route(obj + "/copy", self.copy, methods=["POST"]),
                Route(obj + "/{bucket}/{name:path}", self.upload, methods=["POST", "PUT"]),
                Route(obj + "/{bucket}/{name:path}", self.serve, methods=["GET", "HEAD"]),
                Route(obj + "/{bucket}/{name:path}", self.delete_one, methods=["DELETE"]),
                Route(obj + "/{bucket}", self.delete_many, methods=["DELETE"]),
            ]
        )

    def refused(self, request: Request) -> Response | None:
        """The gateway wants ``apikey``; Storage wants the same key as a bearer token."""
        apikey = request.headers.get("apikey")
        if apikey is None:
            return JSONResponse({"message": "No API key found in request"}, status_code=401)
        if not hmac.compare_digest(apikey, self.state.key):
            return JSONResponse({"message": "Invalid API key"}, status_code=401)
        if request.headers.get("authorization", "") != f"Bearer {self.state.key}":
            return _error("403", "Unauthorized", "invalid signature")
        bucket = request.path_params.get("bucket")
        if bucket is not None and bucket not in self.state.buckets:
            return _error("404", "Bucket not found", "Bucket not found")
        return None

    async def upload(self, request: Request) -> Response:
        """POST creates (x-upsert: true overwrites), PUT replaces; multipart form or a raw body."""
        if denied := self.refused(request):
            return denied
        bucket, name = request.path_params["bucket"], request.path_params["name"]
        exists = (bucket, name) in self.state.objects
        if request.method == "POST" and exists and request.headers.get("x-upsert") != "true":
            return _error("409", "Duplicate", "The resource already exists")
        target = self.state.path(bucket, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{uuid.uuid4().hex}")
        digest, size = hashlib.md5(usedforsecurity=False), 0
        content_type = request.headers.get("content-type", "application/octet-stream")
        cache_control = "no-cache"
        with temp.open("wb") as out:
            if content_type.startswith("multipart/form-data"):
                form = await request.form()
                part = form.get("file")
                if not isinstance(part, UploadFile):
                    temp.unlink()
                    return _error("400", "InvalidRequest", "No file in the form")
                content_type = part.content_type or "application/octet-stream"
                cache_control = str(form.get("cacheControl") or cache_control)
                while chunk := await part.read(PIECE):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                await form.close()
            else:
                async for chunk in request.stream():
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
        os.replace(temp, target)
        now = _now()
        with self.state.lock:
            previous = self.state.objects.get((bucket, name))
            self.state.objects[(bucket, name)] = StoredObject(
                id=str(uuid.uuid4()),
                size=size,
                etag=f'"{digest.hexdigest()}"',
                content_type=content_type,
                cache_control=f"max-age={cache_control}" if cache_control.isdigit() else cache_control,
                created_at=previous.created_at if previous else now,
                updated_at=now,
            )
        return JSONResponse({"Id": self.state.objects[(bucket, name)].id, "Key": f"{bucket}/{name}"})

    async def serve(self, request: Request) -> Response:
        """An authenticated GET/HEAD of an object, honouring Range."""
        if denied := self.refused(request):
            return denied
        return self.send(request, request.path_params["bucket"], request.path_params["name"])

    async def signed_get(self, request: Request) -> Response:
        """A GET with a signed token instead of a key; ``download`` makes it an attachment."""
        bucket, name = request.path_params["bucket"], request.path_params["name"]
        token = request.query_params.get("token", "")
        try:
            valid = self.state.verify(token, bucket, name)
        except (ValueError, KeyError):
            valid = False
        if not valid:
            return _error("400", "InvalidJWT", "invalid signature")
        response = self.send(request, bucket, name)
        download = request.query_params.get("download")
        if download is not None and response.status_code in (200, 206):
            filename = download or name.rsplit("/", 1)[-1]
            plain = filename.encode("ascii", "replace").decode().replace('"', "_")
            disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"
            response.headers["content-disposition"] = disposition
        return response

    def send(self, request: Request, bucket: str, name: str) -> Response:
        """The object's bytes (or headers only for HEAD), whole or the one range asked for."""
        found = self.state.objects.get((bucket, name))
        if found is None:
            return _not_found() if request.method == "GET" else Response(status_code=400)
        start, end, status = 0, found.size - 1, 200
        wanted = request.headers.get("range")
        if wanted:
            match = re.fullmatch(r"bytes=(\d*)-(\d*)", wanted.strip())
            if not match or (not match[1] and not match[2]):
                return _error("400", "InvalidRange", "The requested range is not valid")
            if match[1]:
                start, end = int(match[1]), min(int(match[2]) if match[2] else found.size - 1, found.size - 1)
            else:
                start = max(found.size - int(match[2]), 0)
            if start >= found.size or start > end:
                return _error("416", "InvalidRange", "The requested range is not satisfiable")
            status = 206
        headers = {
            "content-length": str(end - start + 1),
            "content-type": found.content_type,
            "etag": found.etag,
            "cache-control": found.cache_control,
            "accept-ranges": "bytes",
        }
        if status == 206:
            headers["content-range"] = f"bytes {start}-{end}/{found.size}"
        if request.method == "HEAD":
            return Response(status_code=status, headers=headers)
        path = self.state.path(bucket, name)
        return StreamingResponse(_read(path, start, end - start + 1), status_code=status, headers=headers)

    async def info(self, request: Request) -> Response:
        """The object's info as Supabase's InfoRenderer returns it."""
        if denied := self.refused(request):
            return denied
        bucket, name = request.path_params["bucket"], request.path_params["name"]
        found = self.state.objects.get((bucket, name))
        if found is None:
            return _not_found()
        return JSONResponse(
            {
                "id": found.id,
                "name": name,
                "version": found.id,
                "bucket_id": bucket,
                "size": found.size,
                "content_type": found.content_type,
                "cache_control": found.cache_control,
                "etag": found.etag,
                "metadata": None,
                "last_modified": found.updated_at,
                "created_at": found.created_at,
            },
            headers={"etag": found.etag},
        )

    async def sign(self, request: Request) -> Response:
        """``{expiresIn}`` → ``{signedURL}``, a path relative to /storage/v1 carrying the token."""
        if denied := self.refused(request):
            return denied
        bucket, name = request.path_params["bucket"], request.path_params["name"]
        body = await request.json()
        try:
            expires_in = int(body["expiresIn"])
        except (KeyError, TypeError, ValueError):
            return _error("400", "InvalidRequest", "body must have required property 'expiresIn'")
        if (bucket, name) not in self.state.objects:
            return _not_found()
        token = self.state.sign(bucket, name, expires_in)
        return JSONResponse({"signedURL": f"/object/sign/{bucket}/{quote(name)}?token={token}"})

    async def sign_many(self, request: Request) -> Response:
        """``{expiresIn, paths}``: one ``{error, path, signedURL}`` per path, an error for a missing one."""
        if denied := self.refused(request):
            return denied
        bucket = request.path_params["bucket"]
        body = await request.json()
        self.state.batch_signs += 1
        try:
            expires_in, paths = int(body["expiresIn"]), list(body["paths"])
        except (KeyError, TypeError, ValueError):
            return _error("400", "InvalidRequest", "body must have required properties 'expiresIn', 'paths'")
        signed = []
        for name in paths:
            if (bucket, name) not in self.state.objects:
                signed.append({"error": MISSING_FOR_SIGNING, "path": name, "signedURL": None})
                continue
            token = self.state.sign(bucket, name, expires_in)
            url = f"/object/sign/{bucket}/{quote(name)}?token={token}"
            signed.append({"error": None, "path": name, "signedURL": url})
        return JSONResponse(signed)

    async def copy(self, request: Request) -> Response:
        """Server-side copy; an existing destination is a Duplicate unless ``x-upsert: true``."""
        if denied := self.refused(request):
            return denied
        body = await request.json()
        bucket, source, target = body.get("bucketId"), body.get("sourceKey"), body.get("destinationKey")
        if bucket not in self.state.buckets:
            return _error("404", "Bucket not found", "Bucket not found")
        found = self.state.objects.get((bucket, source))
        if found is None:
            return _not_found()
        if (bucket, target) in self.state.objects and request.headers.get("x-upsert") != "true":
            return _error("409", "Duplicate", "The resource already exists")
        destination = self.state.path(bucket, target)
        temp = destination.with_name(f".{uuid.uuid4().hex}")
        shutil.copyfile(self.state.path(bucket, source), temp)
        os.replace(temp, destination)
        now = _now()
        with self.state.lock:
            self.state.objects[(bucket, target)] = StoredObject(
                id=str(uuid.uuid4()),
                size=found.size,
                etag=found.etag,
                content_type=found.content_type,
                cache_control=found.cache_control,
                created_at=now,
                updated_at=now,
            )
        return JSONResponse({"Key": f"{bucket}/{target}"})

    async def delete_many(self, request: Request) -> Response:
        """``{prefixes: [...]}`` → the objects removed; names not stored are skipped silently."""
        if denied := self.refused(request):
            return denied
        bucket = request.path_params["bucket"]
        body = await request.json()
        prefixes = body.get("prefixes") if isinstance(body, dict) else None
        if not isinstance(prefixes, list) or not prefixes:
            return _error("400", "InvalidRequest", "body/prefixes must NOT have fewer than 1 items")
        removed = []
        for name in prefixes:
            found = self.state.objects.pop((bucket, name), None)
            if found is not None:
                self.state.path(bucket, name).unlink(missing_ok=True)
                removed.append(_listing(bucket, name, found))
        return JSONResponse(removed)

    async def delete_one(self, request: Request) -> Response:
        """DELETE of one object: a missing one is an error here (unlike the bulk route)."""
        if denied := self.refused(request):
            return denied
        bucket, name = request.path_params["bucket"], request.path_params["name"]
        if self.state.objects.pop((bucket, name), None) is None:
            return _not_found()
        self.state.path(bucket, name).unlink(missing_ok=True)
        return JSONResponse({"message": "Successfully deleted"})

    async def list_objects(self, request: Request) -> Response:
        """Entries directly under ``prefix``: files with metadata, folders with ``id: null``."""
        if denied := self.refused(request):
            return denied
        bucket = request.path_params["bucket"]
        body = await request.json()
        prefix = str(body.get("prefix") or "").strip("/")
        limit, offset = int(body.get("limit", 100)), int(body.get("offset", 0))
        search = str(body.get("search") or "")
        entries: dict[str, dict[str, Any]] = {}
        for (in_bucket, name), found in sorted(self.state.objects.items()):
            if in_bucket != bucket or (prefix and not name.startswith(prefix + "/")):
                continue
            rest = name[len(prefix) + 1 :] if prefix else name
            head, _, tail = rest.partition("/")
            if not head.startswith(search):
                continue
            if tail:
                entries.setdefault(head, {"name": head, "id": None, "metadata": None})
            else:
                entries[head] = _listing(bucket, head, found)
        return JSONResponse(list(entries.values())[offset : offset + limit])


def _listing(bucket: str, name: str, found: StoredObject) -> dict[str, Any]:
    return {
        "name": name,
        "bucket_id": bucket,
        "id": found.id,
        "updated_at": found.updated_at,
        "created_at": found.created_at,
        "last_accessed_at": found.updated_at,
        "metadata": {
            "eTag": found.etag,
            "size": found.size,
            "mimetype": found.content_type,
            "cacheControl": found.cache_control,
            "lastModified": found.updated_at,
            "contentLength": found.size,
            "httpStatusCode": 200,
        },
    }


async def _read(path: Path, start: int, length: int) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(PIECE, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


@contextmanager
def fake_supabase(root: Path) -> Iterator[FakeSupabase]:
    """The fake Supabase Storage served by uvicorn on a free loopback port, in a thread."""
    state = FakeSupabase(root=root)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    state.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(SupabaseApp(state).app, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="fake-supabase", daemon=True
    )
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield state
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
