"""The browser's login cookie: its name, its flags, and reading it back from a Cookie header."""

from __future__ import annotations

from typing import Any, Literal

from mediaws.config import Settings

SESSION_COOKIE = "mediaws_session"
SAME_SITE: Literal["strict"] = "strict"


def cookie_flags(settings: Settings) -> dict[str, Any]:
    """Set-Cookie attributes: HttpOnly, SameSite=Strict, Secure when set (default: public URL is https)."""
    return {
        "max_age": settings.session_lifetime_hours * 3600,
        "path": "/",
        "httponly": True,
        "secure": bool(settings.cookie_secure),
        "samesite": SAME_SITE,
    }


def read_cookie(header: str, name: str = SESSION_COOKIE) -> str:
    """The value of one cookie in a Cookie request header ("" if absent); tolerant of malformed neighbours."""
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key.strip() == name:
            return value.strip().strip('"')
    return ""
