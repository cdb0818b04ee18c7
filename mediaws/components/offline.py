"""The page parts assets/offline.js fills: the offline bar, the saved view and the outbox's status."""

from __future__ import annotations

import reflex as rx

from mediaws.components.head_scripts import page_script


def offline_bar() -> rx.Component:
    """Shown while the device is offline (``<html data-offline="1">``)."""
    return rx.el.div(
        rx.icon("wifi-off", size=16, aria_hidden="true"),
        rx.el.span("You are offline: what you see was saved on this device.", id="offline-text"),
        class_name="offline-bar",
        role="status",
    )


def outbox_status() -> rx.Component:
    """What generations made offline are waiting to send (or were just sent); empty when there are none."""
    return rx.el.div(id="outbox-status", class_name="outbox-status", role="status", aria_live="polite")


def saved_view() -> rx.Component:
    """Where a page that never loaded online shows its saved data instead."""
    return rx.el.section(id="offline-view", class_name="offline-view", aria_label="Saved on this device")


def offline_scripts() -> list[rx.Component]:
    """The outbox (shared with the service worker) and the offline views."""
    return [*page_script("/outbox.js"), *page_script("/offline.js")]
