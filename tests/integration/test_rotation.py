"""Master-key rotation and retirement, with a key file and with keys from the environment."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from mediaws.config import Settings
from mediaws.errors import ConfigError, UnknownMasterKey, ValidationError
from mediaws.models import ApiKey, User
from mediaws.security.crypto import Keyring, KeyringFile, KeyringSource
from mediaws.security.master_key import decode_key, generate_key
from mediaws.security.master_key import key_id_for as key_id
from mediaws.services import keys, master_keys

OWNER_SECRETS = {
    "openai": "sk-proj-OwnerOpenAI000000000000AAAA",
    "anthropic": "sk-ant-api03-OwnerAnthropic00000BBBB",
}
OTHER_SECRET = "r8_OtherReplicateKey00000000000CCCC"
ENDPOINT_SECRET = "vllm-endpoint-key-000000000000DDDD"


def store_keys(session: Session, keyring: Keyring, owner: User, other: User) -> dict[tuple[str, str], str]:
    """Store three sealed keys and one key-less endpoint; return (user, key id) -> secret."""
    stored: dict[tuple[str, str], str] = {}
    for provider, secret in OWNER_SECRETS.items():
        view = keys.save_key(
            session=session, keyring=keyring, user_id=owner.id, provider=provider, secret=secret
        )
        stored[(str(owner.id), str(view.id))] = secret
    view = keys.save_key(
        session=session, keyring=keyring, user_id=other.id, provider="replicate", secret=OTHER_SECRET
    )
    stored[(str(other.id), str(view.id))] = OTHER_SECRET
    view = keys.save_endpoint(
        session=session,
        keyring=keyring,
        user_id=other.id,
        name="vLLM",
        base_url="https://vllm.internal/v1",
        secret=ENDPOINT_SECRET,
    )
    stored[(str(other.id), str(view.id))] = ENDPOINT_SECRET
    keys.save_endpoint(
        session=session,
        keyring=keyring,
        user_id=owner.id,
        name="Ollama",
        base_url="http://localhost:11434/v1",
        secret=None,
    )
    return stored


def assert_all_reveal(session: Session, keyring: Keyring, stored: dict[tuple[str, str], str]) -> None:
    for (user_id, key_id_), secret in stored.items():
        owner = session.get(User, uuid.UUID(user_id))
        assert owner is not None
        revealed = keys.reveal_secret(session=session, keyring=keyring, user_id=owner.id, key_id=key_id_)
        assert revealed == secret


def sealed_by(session: Session) -> list[str]:
    session.expire_all()
    return sorted(row.master_key_id or "" for row in session.exec(select(ApiKey)).all() if row.ciphertext)


def keyfile_ids(settings: Settings) -> list[str]:
    document = json.loads(settings.keyring_path.read_text())
    return [entry["id"] for entry in document["keys"]]


def test_rotate_with_a_key_file_reseals_every_key(
    session: Session, settings: Settings, user: User, other_user: User
) -> None:
    source = KeyringSource(settings)
    old_id = source.get().active_id
    stored = store_keys(session, source.get(), user, other_user)
    assert keys.keys_by_master_key(session=session) == {old_id: 4}

    report = master_keys.rotate(session=session, source=source)

    assert report.active_id != old_id
    assert report.resealed == 4
    assert report.remaining_by_key == {report.active_id: 4}
    assert keyfile_ids(settings) == [report.active_id, old_id]
    fresh_source = KeyringSource(settings)
    assert fresh_source.get().active_id == report.active_id
    assert sealed_by(session) == [report.active_id] * 4
    new_only = Keyring(KeyringFile(settings.keyring_path).read()[:1])
    assert_all_reveal(session, new_only, stored)


def test_keys_saved_after_rotation_use_the_new_master_key(
    session: Session, settings: Settings, user: User
) -> None:
    source = KeyringSource(settings)
    before = source.get().active_id
    report = master_keys.rotate(session=session, source=source)
    assert report.resealed == 0
    assert report.active_id != before
    view = keys.save_key(
        session=session,
        keyring=source.get(),
        user_id=user.id,
        provider="openai",
        secret=OWNER_SECRETS["openai"],
    )
    assert keys.keys_by_master_key(session=session) == {report.active_id: 1}
    assert view.has_secret


def test_retire_is_refused_for_the_active_key_and_unknown_ids(
    session: Session, settings: Settings, user: User, other_user: User
) -> None:
    source = KeyringSource(settings)
    old_id = source.get().active_id
    store_keys(session, source.get(), user, other_user)

    with pytest.raises(ValidationError) as caught:
        master_keys.retire(session=session, source=source, key_id=old_id)
    assert "active master key" in caught.value.message
    assert "rotate first" in caught.value.message

    with pytest.raises(ValidationError) as caught:
        master_keys.retire(session=session, source=source, key_id="0123456789abcdef")
    assert "0123456789abcdef" in caught.value.message

    report = master_keys.rotate(session=session, source=source)
    with pytest.raises(ValidationError):
        master_keys.retire(session=session, source=KeyringSource(settings), key_id=report.active_id)
    assert keyfile_ids(settings) == [report.active_id, old_id]


def test_retire_is_refused_while_keys_are_still_sealed_by_the_old_key(
    session: Session, settings: Settings, user: User, other_user: User
) -> None:
    source = KeyringSource(settings)
    old_id = source.get().active_id
    stored = store_keys(session, source.get(), user, other_user)
    keyfile = KeyringFile(settings.keyring_path)
    keyfile.write([decode_key(generate_key()), *keyfile.read()])

    with pytest.raises(ValidationError) as caught:
        master_keys.retire(session=session, source=KeyringSource(settings), key_id=old_id)
    assert "4 stored key(s)" in caught.value.message
    assert "mediaws keys rotate" in caught.value.message
    assert old_id in keyfile_ids(settings)
    assert_all_reveal(session, KeyringSource(settings).get(), stored)


def test_retire_after_rotation_removes_the_old_key(
    session: Session, settings: Settings, user: User, other_user: User
) -> None:
    source = KeyringSource(settings)
    old_id = source.get().active_id
    stored = store_keys(session, source.get(), user, other_user)
    report = master_keys.rotate(session=session, source=source)
    assert source.get().active_id == report.active_id

    master_keys.retire(session=session, source=source, key_id=old_id)

    assert keyfile_ids(settings) == [report.active_id]
    assert old_id not in settings.keyring_path.read_text()
    assert source.get().ids == [report.active_id]
    assert KeyringSource(settings).get().ids == [report.active_id]
    assert_all_reveal(session, source.get(), stored)


def test_reseal_in_small_batches_covers_every_row(session: Session, user: User, other_user: User) -> None:
    old_raw, new_raw = decode_key(generate_key()), decode_key(generate_key())
    stored = store_keys(session, Keyring([old_raw]), user, other_user)
    rotated = Keyring([new_raw, old_raw])
    assert keys.reseal_all(session=session, keyring=rotated, batch=1) == 4
    assert keys.reseal_all(session=session, keyring=rotated, batch=1) == 0
    assert sealed_by(session) == [key_id(new_raw)] * 4
    assert_all_reveal(session, Keyring([new_raw]), stored)


def test_rotate_with_keys_from_the_environment(
    session: Session, make_settings: Callable[..., Settings], user: User, other_user: User
) -> None:
    old, new = generate_key(), generate_key()
    before = make_settings(master_key=old)
    stored = store_keys(session, KeyringSource(before).get(), user, other_user)

    after = make_settings(master_key=new, previous_master_keys=old)
    source = KeyringSource(after)
    report = master_keys.rotate(session=session, source=source)

    assert report.active_id == key_id(decode_key(new))
    assert report.resealed == 4
    assert report.remaining_by_key == {report.active_id: 4}
    assert not after.keyring_path.exists()
    assert_all_reveal(session, Keyring([decode_key(new)]), stored)

    with pytest.raises(ConfigError) as caught:
        master_keys.retire(session=session, source=source, key_id=key_id(decode_key(old)))
    assert "MEDIAWS_PREVIOUS_MASTER_KEYS" in str(caught.value)
    assert key_id(decode_key(old)) in str(caught.value)


def test_environment_rotation_without_the_old_key_cannot_reseal(
    session: Session, make_settings: Callable[..., Settings], user: User, other_user: User
) -> None:
    old = generate_key()
    store_keys(session, KeyringSource(make_settings(master_key=old)).get(), user, other_user)
    forgot_previous = KeyringSource(make_settings(master_key=generate_key()))
    with pytest.raises(UnknownMasterKey):
        master_keys.rotate(session=session, source=forgot_previous)
    session.rollback()
    assert keys.keys_by_master_key(session=session) == {key_id(decode_key(old)): 4}
