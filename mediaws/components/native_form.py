"""A form the browser itself posts to the server: no client-side submit handler, works without scripts."""

from __future__ import annotations

from typing import Any

from reflex.components.el.elements.forms import Form


class NativeForm(Form):
    """An HTML form whose ``action``/``method`` are honoured (Reflex's form prevents the default submit)."""

    @classmethod
    def create(cls, *children: Any, **props: Any) -> Any:
        """Create the form without Reflex's ``on_submit`` hook."""
        return super(Form, cls).create(*children, **props)


native_form = NativeForm.create
