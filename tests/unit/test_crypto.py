"""Master-key sealing (AES-256-GCM), key files and the keyring source."""

from __future__ import annotations

import base64
import json
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from mediaws.config import Settings
from mediaws.errors import ConfigError, CryptoError, TamperedCiphertext, UnknownMasterKey
from mediaws.security import crypto
from mediaws.security.crypto import Keyring, KeyringFile, KeyringSource, Sealed
from mediaws.security.master_key import decode_key, generate_key, key_id_for

SECRET = "sk-proj-SuperSecretValue1234567890"
AD = b"mediaws/api-key/v1|owner|openai|row"


def new_raw() -> bytes:
    return decode_key(generate_key())


def flip_bit(data: bytes, index: int) -> bytes:
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


def file_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def assert_no_plaintext(exc: BaseException) -> None:
    seen: BaseException | None = exc
    while seen is not None:
        assert SECRET not in str(seen)
        assert SECRET not in repr(seen)
        seen = seen.__cause__ or seen.__context__


def test_seal_then_open_returns_the_plaintext() -> None:
    keyring = Keyring([new_raw()])
    sealed = keyring.seal(SECRET, AD)
    assert keyring.open(sealed, AD) == SECRET


def test_unicode_secret_round_trips() -> None:
    keyring = Keyring([new_raw()])
    secret = "clé-🔑-ключ"
    assert keyring.open(keyring.seal(secret, AD), AD) == secret


def test_each_seal_uses_a_fresh_12_byte_nonce() -> None:
    keyring = Keyring([new_raw()])
    first = keyring.seal(SECRET, AD)
    second = keyring.seal(SECRET, AD)
    assert len(first.nonce) == 12
    assert len(second.nonce) == 12
    assert first.nonce != second.nonce
    assert first.ciphertext != second.ciphertext


def test_ciphertext_does_not_contain_the_plaintext() -> None:
    sealed = Keyring([new_raw()]).seal(SECRET, AD)
    assert SECRET.encode() not in sealed.ciphertext
    assert SECRET[-8:].encode() not in sealed.ciphertext


@pytest.mark.parametrize("index", [0, 5, -1])
def test_flipping_one_ciphertext_bit_is_detected(index: int) -> None:
    keyring = Keyring([new_raw()])
    sealed = keyring.seal(SECRET, AD)
    tampered = replace(sealed, ciphertext=flip_bit(sealed.ciphertext, index))
    with pytest.raises(TamperedCiphertext) as caught:
        keyring.open(tampered, AD)
    assert_no_plaintext(caught.value)


def test_flipping_one_nonce_bit_is_detected() -> None:
    keyring = Keyring([new_raw()])
    sealed = keyring.seal(SECRET, AD)
    with pytest.raises(TamperedCiphertext):
        keyring.open(replace(sealed, nonce=flip_bit(sealed.nonce, 0)), AD)


def test_truncated_ciphertext_is_detected() -> None:
    keyring = Keyring([new_raw()])
    sealed = keyring.seal(SECRET, AD)
    with pytest.raises(TamperedCiphertext):
        keyring.open(replace(sealed, ciphertext=sealed.ciphertext[:10]), AD)


def test_wrong_associated_data_is_detected() -> None:
    keyring = Keyring([new_raw()])
    sealed = keyring.seal(SECRET, AD)
    with pytest.raises(TamperedCiphertext) as caught:
        keyring.open(sealed, b"mediaws/api-key/v1|someone-else|openai|row")
    assert "integrity" in str(caught.value)
    assert_no_plaintext(caught.value)


def test_unknown_master_key_is_named_in_the_error() -> None:
    sealed = Keyring([new_raw()]).seal(SECRET, AD)
    with pytest.raises(UnknownMasterKey) as caught:
        Keyring([new_raw()]).open(sealed, AD)
    assert sealed.key_id in str(caught.value)
    assert isinstance(caught.value, CryptoError)
    assert_no_plaintext(caught.value)


def test_same_key_id_with_a_different_key_is_tampered() -> None:
    keyring = Keyring([new_raw()])
    sealed = keyring.seal(SECRET, AD)
    other = Keyring([new_raw()])
    forged = Sealed(other.active_id, sealed.nonce, sealed.ciphertext)
    with pytest.raises(TamperedCiphertext):
        other.open(forged, AD)


def test_rotated_keyring_opens_old_and_seals_with_new() -> None:
    old, new = new_raw(), new_raw()
    old_sealed = Keyring([old]).seal(SECRET, AD)
    rotated = Keyring([new, old])
    assert rotated.active_id == key_id_for(new)
    assert rotated.ids == [key_id_for(new), key_id_for(old)]
    assert rotated.open(old_sealed, AD) == SECRET
    fresh = rotated.seal(SECRET, AD)
    assert fresh.key_id == key_id_for(new)
    with pytest.raises(UnknownMasterKey):
        Keyring([old]).open(fresh, AD)


def test_empty_keyring_is_refused() -> None:
    with pytest.raises(ConfigError):
        Keyring([])


def test_key_id_is_short_stable_and_reveals_nothing() -> None:
    raw = new_raw()
    key_id = key_id_for(raw)
    assert key_id == key_id_for(raw)
    assert len(key_id) == 16
    int(key_id, 16)
    assert key_id not in base64.urlsafe_b64encode(raw).decode()
    assert key_id != key_id_for(new_raw())


def test_generated_keys_are_44_char_base64url_of_32_random_bytes() -> None:
    first, second = generate_key(), generate_key()
    assert len(first) == 44
    assert first != second
    assert len(base64.urlsafe_b64decode(first)) == 32
    assert set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


def test_decode_key_accepts_padding_free_and_surrounding_spaces() -> None:
    key = generate_key()
    assert decode_key(f"  {key}\n") == base64.urlsafe_b64decode(key)
    assert decode_key(key.rstrip("=")) == base64.urlsafe_b64decode(key)


@pytest.mark.parametrize("text", ["a", "abcde", "@@@@@"])
def test_decode_key_rejects_bad_base64(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        decode_key(text)
    assert "mediaws keys generate" in str(caught.value)


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_decode_key_rejects_wrong_length(size: int) -> None:
    text = base64.urlsafe_b64encode(b"k" * size).decode()
    with pytest.raises(ConfigError) as caught:
        decode_key(text)
    assert "32 bytes" in str(caught.value)


def test_keyring_file_is_private_and_round_trips(tmp_path: Path) -> None:
    keyfile = KeyringFile(tmp_path / "keys" / "master-keys.json")
    assert keyfile.read() == []
    keys = [new_raw(), new_raw()]
    keyfile.write(keys)
    assert stat.S_IMODE(keyfile.path.stat().st_mode) == 0o600
    assert keyfile.read() == keys
    document = json.loads(keyfile.path.read_text())
    assert [entry["id"] for entry in document["keys"]] == [key_id_for(raw) for raw in keys]
    assert not keyfile.path.with_suffix(".tmp").exists()


def test_keyring_file_stays_private_under_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        keyfile = KeyringFile(tmp_path / "master-keys.json")
        keyfile.write([new_raw()])
    finally:
        os.umask(previous)
    assert stat.S_IMODE(keyfile.path.stat().st_mode) == 0o600


def test_keyring_file_ensure_creates_once(tmp_path: Path) -> None:
    keyfile = KeyringFile(tmp_path / "master-keys.json")
    keyfile.ensure()
    first = keyfile.read()
    assert len(first) == 1
    assert stat.S_IMODE(keyfile.path.stat().st_mode) == 0o600
    keyfile.ensure()
    assert keyfile.read() == first


def test_source_without_env_key_generates_a_private_key_file(tmp_path: Path) -> None:
    settings = file_settings(tmp_path)
    source = KeyringSource(settings)
    assert not source.from_environment
    keyring = source.get()
    assert settings.keyring_path.exists()
    assert stat.S_IMODE(settings.keyring_path.stat().st_mode) == 0o600
    assert keyring.ids == [key_id_for(raw) for raw in KeyringFile(settings.keyring_path).read()]
    assert KeyringSource(settings).get().active_id == keyring.active_id


def test_source_reloads_when_another_process_rewrites_the_file(tmp_path: Path) -> None:
    settings = file_settings(tmp_path)
    source = KeyringSource(settings)
    before = source.get()
    sealed = before.seal(SECRET, AD)
    keyfile = KeyringFile(settings.keyring_path)
    old_mtime = keyfile.path.stat().st_mtime_ns
    new = new_raw()
    keyfile.write([new, *keyfile.read()])
    later = old_mtime + 5_000_000_000
    os.utime(keyfile.path, ns=(later, later))
    after = source.get()
    assert after.active_id == key_id_for(new)
    assert after.open(sealed, AD) == SECRET
    assert after.seal(SECRET, AD).key_id == key_id_for(new)


def test_source_keeps_the_keyring_while_the_file_is_unchanged(tmp_path: Path) -> None:
    source = KeyringSource(file_settings(tmp_path))
    assert source.get() is source.get()


def test_source_reloads_a_rewrite_within_the_same_mtime_tick(tmp_path: Path) -> None:
    settings = file_settings(tmp_path)
    source = KeyringSource(settings)
    source.get()
    old_mtime = settings.keyring_path.stat().st_mtime_ns
    keyfile = KeyringFile(settings.keyring_path)
    new = new_raw()
    keyfile.write([new, *keyfile.read()])
    os.utime(keyfile.path, ns=(old_mtime, old_mtime))
    assert source.get().active_id == key_id_for(new)


def test_source_from_environment_uses_master_and_previous_keys(tmp_path: Path) -> None:
    old, older, new = generate_key(), generate_key(), generate_key()
    settings = Settings(data_dir=tmp_path / "data", master_key=new, previous_master_keys=f"{old},,{older}")
    source = KeyringSource(settings)
    assert source.from_environment
    keyring = source.get()
    assert keyring.ids == [key_id_for(decode_key(k)) for k in (new, old, older)]
    old_sealed = Keyring([decode_key(old)]).seal(SECRET, AD)
    assert keyring.open(old_sealed, AD) == SECRET
    assert not settings.keyring_path.exists()


def test_source_with_malformed_env_key_raises_config_error(tmp_path: Path) -> None:
    source = KeyringSource(Settings(data_dir=tmp_path / "data", master_key="not-a-real-key"))
    with pytest.raises(ConfigError):
        source.get()


def test_process_keyring_source_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = generate_key()
    monkeypatch.setenv("MEDIAWS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEDIAWS_MASTER_KEY", key)
    source = crypto.keyring_source()
    assert source is crypto.keyring_source()
    assert source.from_environment
    assert source.get().active_id == key_id_for(decode_key(key))


def test_previous_keys_tolerate_spaces_after_commas(tmp_path: Path) -> None:
    old, new = generate_key(), generate_key()
    settings = Settings(data_dir=tmp_path / "data", master_key=new, previous_master_keys=f"{old}, ")
    assert KeyringSource(settings).get().ids == [key_id_for(decode_key(k)) for k in (new, old)]
