"""Toasts for the next page: assets/feedback.js dismisses a page's other toasts when the route changes."""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx

CARRY_PREFIX = "carry-"


def next_page_toast(message: str) -> Any:
    """A success toast sent along with a redirect: kept through that one route change."""
    return rx.toast.success(message, id=f"{CARRY_PREFIX}{uuid.uuid4().hex[:12]}")
