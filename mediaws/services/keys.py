"""The key vault: provider keys sealed per user, shown only masked, rotated online."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mediaws.errors import ConflictError, NotFoundError, ValidationError
from mediaws.models import ApiKey
from mediaws.models.base import utcnow
from mediaws.pricing.endpoint import EndpointPrice, endpoint_version, price_summary, rate_text
from mediaws.providers import KeyProvider as KeyProvider
from mediaws.providers import endpoint_provider, endpoints_provider, has_endpoints, key_label, key_provider
from mediaws.providers import key_providers as key_providers
from mediaws.security.crypto import Keyring, Sealed
from mediaws.services.validation import clean_name

SECRET_MAX = 1000
LAST4_MIN_LENGTH = 16
LAST_USED_RESOLUTION = timedelta(minutes=1)
MICROS_PER_USD = 1_000_000
PRICE_MAX_USD = Decimal(10_000)
THOUSANDS = re.compile(r"[1-9]\d{0,2}(,\d{3})+(\.\d*)?")


@dataclass(frozen=True)
class KeyView:
    """What may be shown of a stored key: never the key itself."""

    id: uuid.UUID
    provider: str
    provider_label: str
    name: str
    base_url: str | None
    last4: str | None
    has_secret: bool
    input_price_micros: int | None
    output_price_micros: int | None
    created_at: datetime
    updated_at: datetime
    last_used_at: datetime | None
    endpoint: bool
    """An endpoint of its own (name, base URL, prices) rather than a provider's one key."""

    @property
    def price_text(self) -> str:
        """An endpoint's prices as Settings shows them: per 1M tokens, free, or not set yet."""
        return price_summary(self.input_price_micros, self.output_price_micros)

    @property
    def price_fields(self) -> tuple[str, str]:
        """The input and output prices as the edit form holds them (USD per 1M tokens; "" when unset)."""
        return _rate_field(self.input_price_micros), _rate_field(self.output_price_micros)


def _rate_field(micros_per_m: int | None) -> str:
    return "" if micros_per_m is None else rate_text(micros_per_m)


def _view(row: ApiKey) -> KeyView:
    return KeyView(
        id=row.id,
        provider=row.provider,
        provider_label=key_label(row.provider),
        name=row.name,
        base_url=row.base_url,
        last4=row.last4,
        has_secret=row.ciphertext is not None,
        input_price_micros=row.input_price_micros,
        output_price_micros=row.output_price_micros,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_used_at=row.last_used_at,
        endpoint=has_endpoints(row.provider),
    )


def associated_data(row: ApiKey) -> bytes:
    """Bind a ciphertext to its owner, provider and row so it cannot be moved."""
    return f"mediaws/api-key/v1|{row.user_id}|{row.provider}|{row.id}".encode()


def _clean_secret(secret: str | None, *, required: bool) -> str | None:
    value = (secret or "").strip()
    if not value:
        if required:
            raise ValidationError(
                "The key is empty. Paste the key from the provider's dashboard.", field="secret"
            )
        return None
    if len(value) > SECRET_MAX:
        raise ValidationError(f"That key is too long (over {SECRET_MAX} characters).", field="secret")
    if any(ch.isspace() for ch in value) or not value.isprintable():
        raise ValidationError("A key cannot contain spaces or line breaks.", field="secret")
    return value


def _clean_base_url(url: str) -> str:
    value = (url or "").strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(
            "Base URL must start with http:// or https://, like http://localhost:11434/v1.",
            field="base_url",
        )
    if len(value) > 500:
        raise ValidationError("Base URL is too long (over 500 characters).", field="base_url")
    if parts.username or parts.password:
        raise ValidationError("Put the key in the key field, not in the URL.", field="base_url")
    return value


def parse_price(text: str | None, *, what: str, field: str) -> int | None:
    """Turn a USD-per-1M-tokens amount typed by a person into micro-dollars; blank means no price."""
    value = (text or "").strip().removeprefix("$").strip()
    if not value:
        return None
    example = f"{what} must be an amount in USD per 1M tokens, like 0.60 (or 0 for your own server)."
    if "," in value:
        if not THOUSANDS.fullmatch(value):
            raise ValidationError(example + " Use a dot for decimals.", field=field)
        value = value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValidationError(example, field=field) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError(f"{what} must be zero or more.", field=field)
    if amount > PRICE_MAX_USD:
        raise ValidationError(f"{what} is too large; the limit is $10,000 per 1M tokens.", field=field)
    if amount != amount.quantize(Decimal("0.000001")):
        raise ValidationError(f"{what} can have at most six decimals.", field=field)
    return int(amount * MICROS_PER_USD)


def _clean_prices(input_price: str | None, output_price: str | None) -> tuple[int | None, int | None]:
    prices = (
        parse_price(input_price, what="Input price", field="input_price"),
        parse_price(output_price, what="Output price", field="output_price"),
    )
    if prices[0] is None and prices[1] is not None:
        raise ValidationError("Set the input price too, or leave both prices empty.", field="input_price")
    if prices[0] is not None and prices[1] is None:
        raise ValidationError("Set the output price too, or leave both prices empty.", field="output_price")
    return prices


def _seal_into(row: ApiKey, secret: str | None, keyring: Keyring) -> None:
    if secret is None:
        row.master_key_id = row.nonce = row.ciphertext = row.last4 = None
        return
    sealed = keyring.seal(secret, associated_data(row))
    row.master_key_id, row.nonce, row.ciphertext = sealed.key_id, sealed.nonce, sealed.ciphertext
    row.last4 = secret[-4:] if len(secret) >= LAST4_MIN_LENGTH else None


def list_keys(*, session: Session, user_id: uuid.UUID) -> list[KeyView]:
    """List a user's keys and endpoints, built-in providers first."""
    rows = session.exec(
        select(ApiKey).where(ApiKey.user_id == user_id).order_by(col(ApiKey.provider), col(ApiKey.name))
    ).all()
    return [_view(row) for row in rows]


def save_key(
    *, session: Session, keyring: Keyring, user_id: uuid.UUID, provider: str, secret: str
) -> KeyView:
    """Add the key for a built-in provider, or replace the one stored."""
    key_provider(provider)
    value = _clean_secret(secret, required=True)
    row = session.exec(
        select(ApiKey).where(ApiKey.user_id == user_id, ApiKey.provider == provider, ApiKey.name == provider)
    ).first()
    now = utcnow()
    if row is None:
        row = ApiKey(user_id=user_id, provider=provider, name=provider)
    else:
        row.updated_at = now
        row.last_used_at = None
    _seal_into(row, value, keyring)
    session.add(row)
    session.commit()
    return _view(row)


def save_endpoint(
    *,
    session: Session,
    keyring: Keyring,
    user_id: uuid.UUID,
    name: str,
    base_url: str,
    secret: str | None,
    endpoint_id: str | uuid.UUID | None = None,
    input_price: str | None = None,
    output_price: str | None = None,
) -> KeyView:
    """Add or edit one of the user's own endpoints: an OpenAI-compatible server (Ollama, LM Studio, vLLM…).

    An endpoint has a name, a base URL, an optional key and optional prices: USD per 1M input and output
    tokens, both or neither, and empty means no price yet.
    """
    provider = endpoints_provider()
    clean = clean_name(name, what="Endpoint name", field="name", max_length=100)
    url = _clean_base_url(base_url)
    value = _clean_secret(secret, required=False)
    input_micros, output_micros = _clean_prices(input_price, output_price)
    if endpoint_id is None:
        row = ApiKey(user_id=user_id, provider=provider, name=clean)
        _seal_into(row, value, keyring)
    else:
        row = owned_row(session, user_id, endpoint_id)
        if row.provider != provider:
            raise NotFoundError("Endpoint not found.")
        row.name, row.updated_at = clean, utcnow()
        if value is not None:
            _seal_into(row, value, keyring)
    row.base_url = url
    row.input_price_micros, row.output_price_micros = input_micros, output_micros
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(f"You already have an endpoint named “{clean}”.", field="name") from None
    return _view(row)


def owned_row(session: Session, user_id: uuid.UUID, key_id: str | uuid.UUID) -> ApiKey:
    """Return one of the user's key rows; anyone else's is not found."""
    try:
        wanted = key_id if isinstance(key_id, uuid.UUID) else uuid.UUID(str(key_id))
    except ValueError:
        raise NotFoundError("Key not found.") from None
    row = session.exec(select(ApiKey).where(ApiKey.id == wanted, ApiKey.user_id == user_id)).first()
    if row is None:
        raise NotFoundError("Key not found.")
    return row


def endpoint_price(
    *, session: Session, user_id: uuid.UUID, endpoint_id: str | uuid.UUID | None
) -> EndpointPrice:
    """The prices of one of the user's endpoints, versioned by its last edit; anyone else's is not found."""
    if endpoint_id is None:
        raise ValidationError("Choose one of your endpoints.", field="endpoint")
    row = owned_row(session, user_id, endpoint_id)
    endpoint_provider(row.provider)
    return EndpointPrice(
        name=row.name,
        input_micros_per_m=row.input_price_micros,
        output_micros_per_m=row.output_price_micros,
        version=endpoint_version(row.id, row.updated_at),
    )


def delete_key(*, session: Session, user_id: uuid.UUID, key_id: str | uuid.UUID) -> None:
    """Delete one of the user's keys or endpoints."""
    session.delete(owned_row(session, user_id, key_id))
    session.commit()


def reveal_secret(
    *, session: Session, keyring: Keyring, user_id: uuid.UUID, key_id: str | uuid.UUID
) -> str | None:
    """Open a stored key for a provider call and note when it was used; never for display."""
    row = owned_row(session, user_id, key_id)
    if row.ciphertext is None or row.nonce is None or row.master_key_id is None:
        return None
    secret = keyring.open(Sealed(row.master_key_id, row.nonce, row.ciphertext), associated_data(row))
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = now
        session.commit()
    return secret


def keys_by_master_key(*, session: Session) -> dict[str, int]:
    """Count sealed keys per master key id, to know when an old master key can retire."""
    rows = session.exec(
        select(ApiKey.master_key_id, func.count())
        .where(col(ApiKey.master_key_id).is_not(None))
        .group_by(col(ApiKey.master_key_id))
    ).all()
    return {str(key_id): int(total) for key_id, total in rows}


def reseal_all(*, session: Session, keyring: Keyring, batch: int = 200) -> int:
    """Re-encrypt every key not sealed by the active master key; safe while the app runs."""
    done = 0
    while True:
        rows = session.exec(
            select(ApiKey)
            .where(col(ApiKey.master_key_id).is_not(None), ApiKey.master_key_id != keyring.active_id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        for row in rows:
            assert row.nonce is not None and row.ciphertext is not None and row.master_key_id is not None
            old = Sealed(row.master_key_id, row.nonce, row.ciphertext)
            secret = keyring.open(old, associated_data(row))
            fresh = keyring.seal(secret, associated_data(row))
            moved = session.exec(
                update(ApiKey)
                .where(col(ApiKey.id) == row.id, col(ApiKey.nonce) == old.nonce)
                .values(master_key_id=fresh.key_id, nonce=fresh.nonce, ciphertext=fresh.ciphertext)
            )
            done += int(moved.rowcount or 0)
        session.commit()
        session.expire_all()
