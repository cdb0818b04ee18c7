"""The key vault against a real database: sealing, masking, endpoints and tamper detection."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mediaws.errors import (
    ConflictError,
    NotFoundError,
    TamperedCiphertext,
    UnknownMasterKey,
    ValidationError,
)
from mediaws.models import ApiKey, User
from mediaws.providers import OPENAI_COMPATIBLE, key_providers
from mediaws.security.crypto import Keyring
from mediaws.security.master_key import decode_key, generate_key
from mediaws.services import keys

SECRETS = {
    "openai": "sk-proj-Abc123Def456Ghi789Jkl0WXYZ",
    "anthropic": "sk-ant-api03-Zyx987Wvu654Tsr321-Q1w2",
    "gemini": "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    "elevenlabs": "sk_0123456789abcdef0123456789abcdef7f3e",
    "replicate": "r8_Qw3rTy5Ui7Op9As1Df3Gh5Jk7Lz9Xc1Vb3N",
}


def save(session: Session, keyring: Keyring, owner: User, provider: str, secret: str) -> keys.KeyView:
    return keys.save_key(session=session, keyring=keyring, user_id=owner.id, provider=provider, secret=secret)


def save_endpoint(
    session: Session,
    keyring: Keyring,
    owner: User,
    name: str = "Local Ollama",
    base_url: str = "http://localhost:11434/v1",
    secret: str | None = None,
    endpoint_id: uuid.UUID | None = None,
    input_price: str | None = None,
    output_price: str | None = None,
) -> keys.KeyView:
    return keys.save_endpoint(
        session=session,
        keyring=keyring,
        user_id=owner.id,
        name=name,
        base_url=base_url,
        secret=secret,
        endpoint_id=endpoint_id,
        input_price=input_price,
        output_price=output_price,
    )


def reveal(session: Session, keyring: Keyring, owner: User, key_id: uuid.UUID | str) -> str | None:
    return keys.reveal_secret(session=session, keyring=keyring, user_id=owner.id, key_id=key_id)


def stored_row(engine: Engine, key_id: uuid.UUID) -> ApiKey | None:
    with Session(engine) as fresh:
        return fresh.exec(select(ApiKey).where(ApiKey.id == key_id)).first()


def copy_sealed(engine: Engine, source_id: uuid.UUID, target_id: uuid.UUID) -> None:
    source = stored_row(engine, source_id)
    assert source is not None
    with Session(engine) as other:
        other.exec(
            update(ApiKey)
            .where(col(ApiKey.id) == target_id)
            .values(master_key_id=source.master_key_id, nonce=source.nonce, ciphertext=source.ciphertext)
        )
        other.commit()


def assert_view_hides(view: keys.KeyView, secret: str) -> None:
    for field in dataclasses.fields(view):
        shown = str(getattr(view, field.name))
        assert secret not in shown, field.name
        assert secret[:-4] not in shown, field.name
    assert secret not in repr(view)


@pytest.mark.parametrize("provider", [p.id for p in key_providers()])
def test_save_key_for_each_provider_shows_only_last4(
    session: Session, engine: Engine, keyring: Keyring, user: User, provider: str
) -> None:
    secret = SECRETS[provider]
    view = save(session, keyring, user, provider, f"  {secret}\n")
    label = next(p.label for p in key_providers() if p.id == provider)
    assert (view.provider, view.provider_label, view.name) == (provider, label, provider)
    assert view.last4 == secret[-4:]
    assert view.has_secret
    assert view.base_url is None
    assert view.last_used_at is None
    assert_view_hides(view, secret)

    row = stored_row(engine, view.id)
    assert row is not None
    assert row.ciphertext is not None
    assert row.nonce is not None
    assert len(row.nonce) == 12
    assert row.master_key_id == keyring.active_id
    assert secret.encode() not in row.ciphertext
    assert secret[:8].encode() not in row.ciphertext
    assert reveal(session, keyring, user, view.id) == secret


def test_list_keys_shows_every_key_masked(
    session: Session, keyring: Keyring, user: User, other_user: User
) -> None:
    for provider, secret in SECRETS.items():
        save(session, keyring, user, provider, secret)
    save(session, keyring, other_user, "openai", "sk-other-user-key-000000000000")
    save_endpoint(session, keyring, user, secret="ollama-key-1234567890abcd")
    listed = keys.list_keys(session=session, user_id=user.id)
    assert [v.provider for v in listed] == sorted([*SECRETS, OPENAI_COMPATIBLE])
    for view in listed:
        for secret in [*SECRETS.values(), "ollama-key-1234567890abcd"]:
            assert_view_hides(view, secret)
    assert keys.list_keys(session=session, user_id=uuid.uuid4()) == []


def test_short_keys_show_no_last4(session: Session, keyring: Keyring, user: User) -> None:
    view = save(session, keyring, user, "openai", "sk-short-1")
    assert view.last4 is None
    assert view.has_secret
    assert reveal(session, keyring, user, view.id) == "sk-short-1"


def test_replacing_a_key_keeps_one_row_and_the_new_secret(
    session: Session, engine: Engine, keyring: Keyring, user: User
) -> None:
    first = save(session, keyring, user, "openai", SECRETS["openai"])
    assert reveal(session, keyring, user, first.id) == SECRETS["openai"]
    replacement = "sk-proj-Replacement0000000000NEW1"
    second = save(session, keyring, user, "openai", replacement)
    assert second.id == first.id
    assert second.last4 == "NEW1"
    assert second.last_used_at is None
    with Session(engine) as fresh:
        rows = fresh.exec(select(ApiKey).where(ApiKey.user_id == user.id)).all()
    assert len(rows) == 1
    assert rows[0].last_used_at is None
    assert reveal(session, keyring, user, first.id) == replacement


@pytest.mark.parametrize(
    ("secret", "words"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        ("k" * 1001, "too long"),
        ("sk-abc def-1234567890", "spaces"),
        ("sk-abc\ndef-1234567890", "line breaks"),
    ],
)
def test_bad_secrets_are_refused(
    session: Session, engine: Engine, keyring: Keyring, user: User, secret: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        save(session, keyring, user, "openai", secret)
    assert caught.value.field == "secret"
    assert words in caught.value.message
    with Session(engine) as fresh:
        assert fresh.exec(select(ApiKey)).all() == []


def test_secret_of_exactly_1000_characters_is_kept(session: Session, keyring: Keyring, user: User) -> None:
    secret = "k" * 996 + "LAST"
    view = save(session, keyring, user, "replicate", secret)
    assert view.last4 == "LAST"
    assert reveal(session, keyring, user, view.id) == secret


def test_unknown_provider_names_the_known_ones(session: Session, keyring: Keyring, user: User) -> None:
    with pytest.raises(ValidationError) as caught:
        save(session, keyring, user, "midjourney", "mj-0123456789abcdef")
    assert caught.value.field == "provider"
    assert "midjourney" in caught.value.message
    for provider in key_providers():
        assert provider.id in caught.value.message


def test_openai_compatible_needs_the_endpoint_form(session: Session, keyring: Keyring, user: User) -> None:
    with pytest.raises(ValidationError) as caught:
        save(session, keyring, user, OPENAI_COMPATIBLE, "sk-0123456789abcdef")
    assert caught.value.field == "provider"
    assert "base URL" in caught.value.message


def test_endpoint_without_a_key(session: Session, engine: Engine, keyring: Keyring, user: User) -> None:
    view = save_endpoint(session, keyring, user, base_url=" http://localhost:11434/v1/ ")
    assert view.provider == OPENAI_COMPATIBLE
    assert (view.provider_label, view.endpoint) == ("OpenAI-compatible endpoint", True)
    assert view.name == "Local Ollama"
    assert view.base_url == "http://localhost:11434/v1"
    assert not view.has_secret
    assert view.last4 is None
    assert reveal(session, keyring, user, view.id) is None
    row = stored_row(engine, view.id)
    assert row is not None
    assert (row.ciphertext, row.nonce, row.master_key_id, row.last_used_at) == (
        None,
        None,
        None,
        None,
    )


def test_endpoint_with_a_key(session: Session, keyring: Keyring, user: User) -> None:
    secret = "gsk_groqKey0123456789abcdefWXYZ"
    view = save_endpoint(
        session, keyring, user, name="Groq", base_url="https://api.groq.com/openai/v1", secret=secret
    )
    assert view.has_secret
    assert view.last4 == "WXYZ"
    assert_view_hides(view, secret)
    assert reveal(session, keyring, user, view.id) == secret


@pytest.mark.parametrize(
    ("base_url", "words"),
    [
        ("ftp://example.com/v1", "http://"),
        ("localhost", "http://"),
        ("localhost:11434/v1", "http://"),
        ("", "http://"),
        ("https://", "http://"),
        ("https://user:pass@api.example.com/v1", "not in the URL"),
        ("https://token@api.example.com/v1", "not in the URL"),
        ("https://api.example.com/" + "v" * 500, "too long"),
    ],
)
def test_bad_base_urls_are_refused(
    session: Session, engine: Engine, keyring: Keyring, user: User, base_url: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        save_endpoint(session, keyring, user, base_url=base_url)
    assert caught.value.field == "base_url"
    assert words in caught.value.message
    with Session(engine) as fresh:
        assert fresh.exec(select(ApiKey)).all() == []


def test_duplicate_endpoint_name_is_a_conflict(
    session: Session, engine: Engine, keyring: Keyring, user: User, other_user: User
) -> None:
    save_endpoint(session, keyring, user, name="Ollama")
    with pytest.raises(ConflictError) as caught:
        save_endpoint(session, keyring, user, name="Ollama", base_url="http://10.0.0.2:11434/v1")
    assert caught.value.field == "name"
    assert "Ollama" in caught.value.message
    assert save_endpoint(session, keyring, other_user, name="Ollama").name == "Ollama"
    with Session(engine) as fresh:
        assert len(fresh.exec(select(ApiKey).where(ApiKey.user_id == user.id)).all()) == 1


def test_editing_an_endpoint_keeps_the_key_when_secret_is_blank(
    session: Session, engine: Engine, keyring: Keyring, user: User
) -> None:
    secret = "lmstudio-0123456789abcdefKEEP"
    created = save_endpoint(session, keyring, user, name="LM Studio", secret=secret)
    edited = save_endpoint(
        session,
        keyring,
        user,
        name="LM Studio (desk)",
        base_url="http://192.168.1.20:1234/v1",
        secret="  ",
        endpoint_id=created.id,
    )
    assert edited.id == created.id
    assert edited.name == "LM Studio (desk)"
    assert edited.base_url == "http://192.168.1.20:1234/v1"
    assert edited.last4 == "KEEP"
    assert reveal(session, keyring, user, created.id) == secret

    replaced = save_endpoint(
        session,
        keyring,
        user,
        name="LM Studio (desk)",
        base_url="http://192.168.1.20:1234/v1",
        secret="lmstudio-0123456789abcdefNEW2",
        endpoint_id=created.id,
    )
    assert replaced.last4 == "NEW2"
    assert reveal(session, keyring, user, created.id) == "lmstudio-0123456789abcdefNEW2"
    with Session(engine) as fresh:
        assert len(fresh.exec(select(ApiKey)).all()) == 1


def test_renaming_an_endpoint_onto_another_is_a_conflict(
    session: Session, engine: Engine, keyring: Keyring, user: User
) -> None:
    save_endpoint(session, keyring, user, name="One")
    two = save_endpoint(session, keyring, user, name="Two")
    with pytest.raises(ConflictError):
        save_endpoint(session, keyring, user, name="One", endpoint_id=two.id)
    row = stored_row(engine, two.id)
    assert row is not None
    assert row.name == "Two"


@pytest.mark.parametrize(
    ("typed", "micros"),
    [
        (("0.60", "2.40"), (600_000, 2_400_000)),
        (("0", "0"), (0, 0)),
        ((" $0.000001 ", "1,250.5"), (1, 1_250_500_000)),
        (("10000", "0.075"), (10_000_000_000, 75_000)),
    ],
)
def test_endpoint_prices_are_stored_as_exact_micro_dollars(
    session: Session,
    engine: Engine,
    keyring: Keyring,
    user: User,
    typed: tuple[str, str],
    micros: tuple[int, int],
) -> None:
    """USD per 1M tokens as typed, kept as integer micro-dollars and shown back on the view."""
    view = save_endpoint(session, keyring, user, input_price=typed[0], output_price=typed[1])
    assert (view.input_price_micros, view.output_price_micros) == micros
    row = stored_row(engine, view.id)
    assert row is not None
    assert (row.input_price_micros, row.output_price_micros) == micros


def test_an_endpoint_without_prices_has_none_and_blank_clears_them(
    session: Session, engine: Engine, keyring: Keyring, user: User
) -> None:
    """Prices are optional; the edit form sends what it shows, so blank fields mean no price."""
    created = save_endpoint(session, keyring, user, input_price=" ", output_price="")
    assert (created.input_price_micros, created.output_price_micros) == (None, None)
    priced = save_endpoint(session, keyring, user, endpoint_id=created.id, input_price="1", output_price="2")
    assert (priced.input_price_micros, priced.output_price_micros) == (1_000_000, 2_000_000)
    cleared = save_endpoint(session, keyring, user, endpoint_id=created.id)
    assert (cleared.input_price_micros, cleared.output_price_micros) == (None, None)
    row = stored_row(engine, created.id)
    assert row is not None
    assert (row.input_price_micros, row.output_price_micros) == (None, None)


@pytest.mark.parametrize(
    ("typed", "field", "words"),
    [
        (("-0.10", "1"), "input_price", "Input price must be zero or more."),
        (("1", "-1"), "output_price", "Output price must be zero or more."),
        (("cheap", "1"), "input_price", "Input price must be an amount in USD per 1M tokens, like 0.60"),
        (("1", "0,60"), "output_price", "Use a dot for decimals."),
        (("0,600", "1"), "input_price", "Use a dot for decimals."),
        (("NaN", "1"), "input_price", "Input price must be zero or more."),
        (("1", "Infinity"), "output_price", "Output price must be zero or more."),
        (("0.0000001", "1"), "input_price", "Input price can have at most six decimals."),
        (("1", "10000.01"), "output_price", "the limit is $10,000 per 1M tokens"),
        (("0.60", ""), "output_price", "Set the output price too, or leave both prices empty."),
        (("", "2.40"), "input_price", "Set the input price too, or leave both prices empty."),
    ],
)
def test_bad_prices_are_refused_naming_the_field_and_nothing_changes(
    session: Session,
    engine: Engine,
    keyring: Keyring,
    user: User,
    typed: tuple[str, str],
    field: str,
    words: str,
) -> None:
    """A clear message on the right field; a new endpoint is not stored, an edited one keeps its prices."""
    with pytest.raises(ValidationError) as caught:
        save_endpoint(session, keyring, user, input_price=typed[0], output_price=typed[1])
    assert (caught.value.field, words in caught.value.message) == (field, True)
    with Session(engine) as fresh:
        assert fresh.exec(select(ApiKey)).all() == []
    kept = save_endpoint(session, keyring, user, input_price="0.60", output_price="2.40")
    with pytest.raises(ValidationError):
        save_endpoint(
            session,
            keyring,
            user,
            name="Renamed",
            endpoint_id=kept.id,
            input_price=typed[0],
            output_price=typed[1],
        )
    row = stored_row(engine, kept.id)
    assert row is not None
    assert (row.name, row.input_price_micros, row.output_price_micros) == ("Local Ollama", 600_000, 2_400_000)


def test_a_price_edit_gets_a_new_price_version(
    session: Session, keyring: Keyring, user: User, other_user: User
) -> None:
    """Costs recorded before an edit keep their price version; strangers' endpoints are not found."""
    view = save_endpoint(session, keyring, user, input_price="0.60", output_price="2.40")
    session.exec(
        update(ApiKey)
        .where(col(ApiKey.id) == view.id)
        .values(updated_at=view.updated_at - timedelta(minutes=5))
    )
    session.commit()
    session.expire_all()
    before = keys.endpoint_price(session=session, user_id=user.id, endpoint_id=view.id)
    assert before.version.startswith(f"endpoint:{view.id.hex}@")
    save_endpoint(session, keyring, user, endpoint_id=view.id, input_price="0.90", output_price="3.60")
    after = keys.endpoint_price(session=session, user_id=user.id, endpoint_id=view.id)
    assert (after.input_micros_per_m, after.output_micros_per_m) == (900_000, 3_600_000)
    assert after.version != before.version
    with pytest.raises(NotFoundError):
        keys.endpoint_price(session=session, user_id=other_user.id, endpoint_id=view.id)
    built_in = save(session, keyring, user, "openai", SECRETS["openai"])
    with pytest.raises(NotFoundError):
        keys.endpoint_price(session=session, user_id=user.id, endpoint_id=built_in.id)


def test_built_in_key_cannot_be_edited_as_an_endpoint(
    session: Session, engine: Engine, keyring: Keyring, user: User
) -> None:
    view = save(session, keyring, user, "openai", SECRETS["openai"])
    with pytest.raises(NotFoundError):
        save_endpoint(session, keyring, user, name="Sneaky", endpoint_id=view.id)
    row = stored_row(engine, view.id)
    assert row is not None
    assert (row.provider, row.name, row.base_url) == ("openai", "openai", None)


def test_ciphertext_moved_to_another_users_row_is_refused(
    session: Session, engine: Engine, keyring: Keyring, user: User, other_user: User
) -> None:
    victim = save(session, keyring, user, "openai", SECRETS["openai"])
    attacker = save(session, keyring, other_user, "openai", "sk-attacker-000000000000000000")
    copy_sealed(engine, victim.id, attacker.id)
    session.expire_all()
    with pytest.raises(TamperedCiphertext) as caught:
        reveal(session, keyring, other_user, attacker.id)
    assert SECRETS["openai"] not in str(caught.value)
    row = stored_row(engine, attacker.id)
    assert row is not None
    assert row.last_used_at is None


def test_ciphertext_moved_to_another_provider_of_the_same_user_is_refused(
    session: Session, engine: Engine, keyring: Keyring, user: User
) -> None:
    source = save(session, keyring, user, "openai", SECRETS["openai"])
    target = save(session, keyring, user, "anthropic", SECRETS["anthropic"])
    copy_sealed(engine, source.id, target.id)
    session.expire_all()
    with pytest.raises(TamperedCiphertext):
        reveal(session, keyring, user, target.id)
    assert reveal(session, keyring, user, source.id) == SECRETS["openai"]


def test_ciphertext_tampered_in_the_database_is_refused_and_not_marked_used(
    session: Session, engine: Engine, keyring: Keyring, user: User
) -> None:
    view = save(session, keyring, user, "gemini", SECRETS["gemini"])
    row = stored_row(engine, view.id)
    assert row is not None
    assert row.ciphertext is not None
    flipped = bytearray(row.ciphertext)
    flipped[3] ^= 0x80
    with Session(engine) as other:
        other.exec(update(ApiKey).where(col(ApiKey.id) == view.id).values(ciphertext=bytes(flipped)))
        other.commit()
    session.expire_all()
    with pytest.raises(TamperedCiphertext) as caught:
        reveal(session, keyring, user, view.id)
    assert "Delete it and add the key again" in str(caught.value)
    after = stored_row(engine, view.id)
    assert after is not None
    assert after.last_used_at is None


def test_key_sealed_by_a_master_key_we_lack_is_reported(
    session: Session, keyring: Keyring, user: User
) -> None:
    view = save(session, keyring, user, "openai", SECRETS["openai"])
    stranger = Keyring([decode_key(generate_key())])
    with pytest.raises(UnknownMasterKey):
        reveal(session, stranger, user, view.id)


def test_reveal_notes_when_the_key_was_used(
    session: Session, engine: Engine, keyring: Keyring, user: User
) -> None:
    view = save(session, keyring, user, "elevenlabs", SECRETS["elevenlabs"])
    assert reveal(session, keyring, user, str(view.id)) == SECRETS["elevenlabs"]
    row = stored_row(engine, view.id)
    assert row is not None
    assert row.last_used_at is not None
    assert row.last_used_at.utcoffset() == timedelta(0)
    listed = keys.list_keys(session=session, user_id=user.id)
    assert listed[0].last_used_at is not None


def test_someone_elses_key_is_not_found_and_untouched(
    session: Session, engine: Engine, keyring: Keyring, user: User, other_user: User
) -> None:
    theirs = save(session, keyring, other_user, "openai", SECRETS["openai"])
    with pytest.raises(NotFoundError):
        reveal(session, keyring, user, theirs.id)
    with pytest.raises(NotFoundError):
        keys.delete_key(session=session, user_id=user.id, key_id=theirs.id)
    with pytest.raises(NotFoundError):
        save_endpoint(session, keyring, user, name="Mine now", endpoint_id=theirs.id)
    row = stored_row(engine, theirs.id)
    assert row is not None
    assert row.last_used_at is None
    assert reveal(session, keyring, other_user, theirs.id) == SECRETS["openai"]


@pytest.mark.parametrize("key_id", ["abc", "", "not-a-uuid", str(uuid.uuid4())])
def test_malformed_or_unknown_key_ids_are_not_found(
    session: Session, keyring: Keyring, user: User, key_id: str
) -> None:
    with pytest.raises(NotFoundError):
        reveal(session, keyring, user, key_id)
    with pytest.raises(NotFoundError):
        keys.delete_key(session=session, user_id=user.id, key_id=key_id)


def test_delete_key(session: Session, engine: Engine, keyring: Keyring, user: User) -> None:
    gone = save(session, keyring, user, "openai", SECRETS["openai"])
    kept = save(session, keyring, user, "anthropic", SECRETS["anthropic"])
    keys.delete_key(session=session, user_id=user.id, key_id=str(gone.id))
    assert stored_row(engine, gone.id) is None
    assert [v.id for v in keys.list_keys(session=session, user_id=user.id)] == [kept.id]
    view = save(session, keyring, user, "openai", "sk-proj-AddedAgain000000000000001")
    assert view.id != gone.id


def test_keys_are_counted_per_master_key(
    session: Session, keyring: Keyring, user: User, other_user: User
) -> None:
    assert keys.keys_by_master_key(session=session) == {}
    save(session, keyring, user, "openai", SECRETS["openai"])
    save(session, keyring, other_user, "openai", SECRETS["openai"])
    save_endpoint(session, keyring, user)
    assert keys.keys_by_master_key(session=session) == {keyring.active_id: 2}
