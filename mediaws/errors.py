"""The one exception tree of mediaws.

MediawsError
 ├── ConfigError                 a setting is missing or unsafe
 ├── ValidationError             input a person can fix; names the field
 ├── NotFoundError               no such thing, or not yours (never tells which)
 ├── Forbidden                   the request carries no valid grant: a bad or altered link
 │    └── LinkExpired            a genuine link whose time is up
 ├── ConflictError               the change clashes with existing data
 ├── AuthError                   who you are could not be established
 │    ├── InvalidCredentials     wrong email or password
 │    ├── SessionExpired         the session ended, was revoked or never existed
 │    └── TooManyAttempts        login throttled; carries retry_after seconds
 ├── CryptoError                 sealing or opening a secret failed
 │    ├── UnknownMasterKey       ciphertext sealed by a master key we do not hold
 │    └── TamperedCiphertext     authentication failed: altered, moved or wrong owner
 └── ProviderError               an AI provider call failed; says whether a retry may help
      ├── BadProviderKey         the key was refused
      ├── RateLimited            too many requests; carries retry_after seconds if given
      ├── QuotaExceeded          billing or quota exhausted
      ├── ContentRefused         the provider's policy refused the prompt or output
      ├── InvalidProviderRequest the request is wrong; names the field when known
      ├── ProviderTimeout        no answer in time
      ├── ProviderUnavailable    the provider failed or could not be reached
      └── JobCancelled           a long-running job was cancelled on request
"""

from __future__ import annotations


class MediawsError(Exception):
    """Base of every error mediaws raises on purpose."""


class ConfigError(MediawsError):
    """A setting is missing, malformed or unsafe for this environment."""


class ValidationError(MediawsError):
    """Input that a person can correct."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NotFoundError(MediawsError):
    """The thing does not exist or belongs to someone else."""


class Forbidden(MediawsError):
    """The request is not allowed: its grant (a signed link) is missing, malformed or altered."""


class LinkExpired(Forbidden):
    """A signed link that was genuine but has expired."""


class ConflictError(ValidationError):
    """The change clashes with data that already exists."""


class AuthError(MediawsError):
    """Identity could not be established."""


class InvalidCredentials(AuthError):
    """Email or password is wrong."""


class SessionExpired(AuthError):
    """The session is unknown, expired or revoked."""


class TooManyAttempts(AuthError):
    """Too many failed logins recently."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CryptoError(MediawsError):
    """A secret could not be sealed or opened."""


class UnknownMasterKey(CryptoError):
    """The ciphertext names a master key that is not in the keyring."""


class TamperedCiphertext(CryptoError):
    """The ciphertext failed authentication."""


class ProviderError(MediawsError):
    """An AI provider call failed."""

    retryable: bool = False

    def __init__(self, message: str, *, provider: str = "") -> None:
        super().__init__(message)
        self.provider = provider


class BadProviderKey(ProviderError):
    """The provider refused the key."""


class RateLimited(ProviderError):
    """The provider asks us to slow down."""

    retryable = True

    def __init__(self, message: str, *, provider: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, provider=provider)
        self.retry_after = retry_after


class QuotaExceeded(ProviderError):
    """Billing or quota is exhausted."""


class ContentRefused(ProviderError):
    """The provider's content policy refused the request."""


class InvalidProviderRequest(ProviderError):
    """The request is malformed or outside the model's limits."""

    def __init__(self, message: str, *, provider: str = "", field: str | None = None) -> None:
        super().__init__(message, provider=provider)
        self.field = field


class ProviderTimeout(ProviderError):
    """The provider did not answer in time."""

    retryable = True


class ProviderUnavailable(ProviderError):
    """The provider failed on its side or could not be reached."""

    retryable = True


class JobCancelled(ProviderError):
    """A long-running job was cancelled; retrying would not help."""
