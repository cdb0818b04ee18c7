"""The log-in and sign-up forms' outcomes as short codes for a redirect URL, and the messages they stand for.

The forms post to the server, which answers with a redirect; a refusal travels back as ``?error=<code>``
so the page can show the message without any text taken from the URL.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from mediaws import routes
from mediaws.config import Settings
from mediaws.errors import ConflictError, InvalidCredentials, MediawsError, TooManyAttempts, ValidationError
from mediaws.security.client_address import client_address, parse_networks
from mediaws.security.passwords import MAX_LENGTH, MIN_LENGTH
from mediaws.security.session_cookie import read_cookie
from mediaws.services.accounts import throttle_message

MESSAGES = {
    "credentials": "Wrong email or password.",
    "email": "Enter a valid email address, like name@example.com.",
    "email_required": "Email is required.",
    "taken": "An account with this email already exists. Log in instead.",
    "mismatch": "The two passwords do not match.",
    "short": f"Password is too short: use at least {MIN_LENGTH} characters.",
    "long": f"Password is too long: use at most {MAX_LENGTH} characters.",
    "guessable": "Password is too easy to guess: pick a longer phrase or mix in other words.",
    "is_email": "Password must not be your email address.",
    "cross_site": "This form was sent from another site. Open mediaws and try again.",
    "invalid": "Check the form and try again.",
}
_CODES = {message: code for code, message in MESSAGES.items()}


def error_code(exc: MediawsError) -> tuple[str, int]:
    """The code for a refused form (and the seconds to wait, if throttled)."""
    if isinstance(exc, TooManyAttempts):
        return "throttled", exc.retry_after
    if isinstance(exc, InvalidCredentials):
        return "credentials", 0
    if isinstance(exc, ConflictError):
        return "taken", 0
    if isinstance(exc, ValidationError):
        return _CODES.get(exc.message, "invalid"), 0
    return "invalid", 0


def error_message(code: str, retry: str | int = 0) -> str:
    """The message a code stands for; unknown codes give none."""
    if code == "throttled":
        seconds = int(retry) if str(retry).isdigit() else 60
        return throttle_message(max(1, min(seconds, 86400)))
    return MESSAGES.get(code, "")


def safe_next(target: str | None) -> str:
    """Keep post-login redirects on this site."""
    value = (target or "").strip()
    parts = urlsplit(value)
    if not value.startswith("/") or value.startswith("//") or "\\" in value or parts.scheme or parts.netloc:
        return routes.PROJECTS
    if value.startswith((routes.LOGIN, routes.SIGNUP)):
        return routes.PROJECTS
    return value


def form_url(page: str, code: str, retry: int = 0, next_path: str = "") -> str:
    """The page to send a refused form back to, with its error code."""
    query: dict[str, str | int] = {"error": code}
    if retry:
        query["retry"] = retry
    if next_path and safe_next(next_path) == next_path:
        query["next"] = next_path
    return f"{page}?{urlencode(query)}"


def session_token(cookie_header: str) -> str:
    """The session token a browser's Cookie header carries ("" when there is none)."""
    return read_cookie(cookie_header)


def browser_address(peer: str, forwarded: str, settings: Settings) -> str:
    """The browser's address; X-Forwarded-For counts only when the peer is in MEDIAWS_TRUSTED_PROXIES."""
    return client_address(peer, forwarded, parse_networks(settings.trusted_proxies))
