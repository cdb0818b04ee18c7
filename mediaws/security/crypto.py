"""AES-256-GCM sealing of secrets under master keys that can be rotated."""

from __future__ import annotations

import base64
import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mediaws.config import Settings, get_settings
from mediaws.errors import ConfigError, TamperedCiphertext, UnknownMasterKey
from mediaws.security.master_key import KEY_BYTES, decode_key, generate_key, key_id_for

NONCE_BYTES = 12


@dataclass(frozen=True)
class Sealed:
    """A sealed secret: which master key, the nonce and ciphertext with its tag."""

    key_id: str
    nonce: bytes
    ciphertext: bytes


class Keyring:
    """Master keys by id; the first one seals, all of them open."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ConfigError("The keyring is empty.")
        self._keys = {key_id_for(raw): raw for raw in keys}
        self.active_id = key_id_for(keys[0])

    @property
    def ids(self) -> list[str]:
        """Ids of every key held, the active one first."""
        return list(self._keys)

    def derive(self, info: bytes) -> list[bytes]:
        """A 256-bit subkey for one purpose (HKDF-SHA256 with ``info``) of each key, the active one first."""
        return [
            HKDF(algorithm=SHA256(), length=KEY_BYTES, salt=None, info=info).derive(raw)
            for raw in self._keys.values()
        ]

    def seal(self, plaintext: str, associated_data: bytes) -> Sealed:
        """Encrypt under the active key with a fresh 96-bit nonce bound to ``associated_data``."""
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(self._keys[self.active_id]).encrypt(nonce, plaintext.encode(), associated_data)
        return Sealed(self.active_id, nonce, ciphertext)

    def open(self, sealed: Sealed, associated_data: bytes) -> str:
        """Decrypt and authenticate; raise instead of returning anything doubtful."""
        raw = self._keys.get(sealed.key_id)
        if raw is None:
            raise UnknownMasterKey(
                f"This secret was sealed by master key {sealed.key_id}, which is not configured."
            )
        try:
            plaintext = AESGCM(raw).decrypt(sealed.nonce, sealed.ciphertext, associated_data)
        except (InvalidTag, ValueError) as exc:
            raise TamperedCiphertext(
                "A stored secret failed its integrity check (altered, moved or not yours); "
                "it was not used. Delete it and add the key again."
            ) from exc
        return plaintext.decode()


class KeyringFile:
    """Generated master keys kept in the data dir (mode 0600), newest first."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[bytes]:
        """Return the keys in the file, or none if it does not exist."""
        if not self.path.exists():
            return []
        entries = json.loads(self.path.read_text())["keys"]
        return [decode_key(entry["key"]) for entry in entries]

    def write(self, keys: list[bytes]) -> None:
        """Replace the file atomically, readable by the owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entries = [
            {
                "id": key_id_for(raw),
                "key": base64.urlsafe_b64encode(raw).decode(),
                "written_at": datetime.now(UTC).isoformat(),
            }
            for raw in keys
        ]
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({"keys": entries}, handle, indent=2)
        os.replace(tmp, self.path)
        os.chmod(self.path, 0o600)

    def ensure(self) -> None:
        """Create the file with one new key if it is missing."""
        if not self.path.exists():
            self.write([decode_key(generate_key())])

    def version(self) -> tuple[int, int, int]:
        """Inode, mtime and size: every atomic rewrite by another process changes the inode."""
        stat = self.path.stat()
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


class KeyringSource:
    """Loads the keyring from the environment, or from the generated key file, and reloads it."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, int, int], Keyring] | None = None

    @property
    def from_environment(self) -> bool:
        """Whether master keys come from MEDIAWS_MASTER_KEY rather than the key file."""
        return self._settings.master_key is not None

    @property
    def file(self) -> KeyringFile:
        """The generated key file in the data dir."""
        return KeyringFile(self._settings.keyring_path)

    def get(self) -> Keyring:
        """Return the current keyring, re-reading the key file if it changed."""
        if self.from_environment:
            if self._cached is None:
                self._cached = ((0, 0, 0), self._from_env())
            return self._cached[1]
        with self._lock:
            keyfile = self.file
            keyfile.ensure()
            version = keyfile.version()
            if self._cached is None or self._cached[0] != version:
                self._cached = (version, Keyring(keyfile.read()))
            return self._cached[1]

    def _from_env(self) -> Keyring:
        assert self._settings.master_key is not None
        keys = [decode_key(self._settings.master_key.get_secret_value())]
        previous = self._settings.previous_master_keys
        if previous is not None:
            keys += [decode_key(part) for part in previous.get_secret_value().split(",") if part.strip()]
        return Keyring(keys)


@lru_cache(maxsize=1)
def keyring_source() -> KeyringSource:
    """Return the process-wide keyring source for the configured settings."""
    return KeyringSource(get_settings())
