"""Signed URL grants: HMAC-SHA256 over (asset, variant, expiry, disposition), keys derived from the keyring.

A grant is what a link allows: one variant of one asset ("file" for the original), inline or as a
download, until a unix time. The signing key is HKDF-derived from each master key with its own
``info``, so it never doubles as an encryption key; links are signed with the active master key and
verified against every key held, so rotating the master key keeps live links working until they expire.

Expiry times are rounded up to a bucket (half the lifetime, at most an hour): every page render in the
same bucket signs the same URL, so a gallery re-rendered a minute later asks for the very URLs the browser
already cached (``max-age`` runs to the expiry), instead of a new URL, and a new download, per render.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass

from mediaws.errors import Forbidden, LinkExpired, ValidationError
from mediaws.security.crypto import Keyring

INFO = b"mediaws url signing v1"
MAX_BUCKET_SECONDS = 3600
SIGNATURE_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
EXPIRY_RE = re.compile(r"^[0-9]{1,12}$")


@dataclass(frozen=True)
class Grant:
    """What a signed link allows: one variant of one asset, inline or as a download, until ``expires``."""

    asset_id: uuid.UUID
    variant: str
    expires: int
    download: bool = False

    def message(self) -> bytes:
        """The exact bytes the signature covers."""
        disposition = "attachment" if self.download else "inline"
        return f"mediaws-file\n{self.asset_id}\n{self.variant}\n{self.expires}\n{disposition}".encode()


def _signature(key: bytes, grant: Grant) -> str:
    digest = hmac.new(key, grant.message(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(grant: Grant, keyring: Keyring) -> str:
    """The grant's signature under the active master key, base64url without padding (43 characters)."""
    return _signature(keyring.derive(INFO)[0], grant)


def verify(grant: Grant, signature: str, keyring: Keyring, *, now: int) -> None:
    """Accept a signature made by any key in the keyring; raise Forbidden, or LinkExpired past the expiry."""
    if not SIGNATURE_RE.match(signature):
        raise Forbidden("This link is not valid.")
    given = signature.encode()
    matches = [hmac.compare_digest(_signature(key, grant).encode(), given) for key in keyring.derive(INFO)]
    if not any(matches):
        raise Forbidden("This link is not valid: it was altered or not made by this server.")
    if now >= grant.expires:
        raise LinkExpired("This link has expired. Open the file from the app again to get a new link.")


def parse_expiry(text: str | None) -> int:
    """The ``exp`` of a link as unix seconds; Forbidden when it is missing or not a plain number."""
    if text is None or not EXPIRY_RE.match(text):
        raise Forbidden("This link is not valid.")
    return int(text)


def bucket_for(expires_in: int) -> int:
    """How far expiry times of links living ``expires_in`` seconds are rounded up."""
    return max(1, min(expires_in // 2, MAX_BUCKET_SECONDS))


def expiry(now: int, expires_in: int, *, max_seconds: int) -> int:
    """When a link made at ``now`` expires: ``expires_in`` or more away (capped), rounded up to a bucket."""
    if expires_in < 1:
        raise ValidationError("A link must live at least one second.", field="expires_in")
    lifetime = min(expires_in, max_seconds)
    bucket = bucket_for(lifetime)
    expires = -(-(now + lifetime) // bucket) * bucket
    if expires - now > max_seconds:
        expires -= bucket
    return expires
