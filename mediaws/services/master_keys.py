"""Master-key rotation: seal every stored key under a new master key, then retire the old."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from mediaws.errors import ConfigError, ValidationError
from mediaws.security.crypto import KeyringSource
from mediaws.security.master_key import decode_key, generate_key, key_id_for
from mediaws.services.keys import keys_by_master_key, reseal_all


@dataclass(frozen=True)
class RotationReport:
    """What a rotation did."""

    active_id: str
    resealed: int
    remaining_by_key: dict[str, int]


def rotate(*, session: Session, source: KeyringSource) -> RotationReport:
    """Make a new master key active (key-file mode) and re-seal every stored key under it."""
    if not source.from_environment:
        keyfile = source.file
        keyfile.ensure()
        keyfile.write([decode_key(generate_key()), *keyfile.read()])
    keyring = source.get()
    resealed = reseal_all(session=session, keyring=keyring)
    return RotationReport(keyring.active_id, resealed, keys_by_master_key(session=session))


def retire(*, session: Session, source: KeyringSource, key_id: str) -> None:
    """Drop an old master key from the key file once nothing is sealed by it."""
    keyring = source.get()
    if key_id == keyring.active_id:
        raise ValidationError("That is the active master key; rotate first.", field="key_id")
    if key_id not in keyring.ids:
        raise ValidationError(f"No master key with id {key_id} is configured.", field="key_id")
    still = keys_by_master_key(session=session).get(key_id, 0)
    if still:
        raise ValidationError(
            f"{still} stored key(s) are still sealed by {key_id}; run `mediaws keys rotate` first.",
            field="key_id",
        )
    if source.from_environment:
        raise ConfigError(
            f"Master key {key_id} comes from MEDIAWS_PREVIOUS_MASTER_KEYS: remove it there and restart."
        )
    keyfile = source.file
    keyfile.write([raw for raw in keyfile.read() if key_id_for(raw) != key_id])
