"""The Generate page's voices: the model's voice menu (fixed, listed live, or typed) and its samples.

A Reflex state mixin: ``GenerateState`` takes these vars and handlers as its own, and the voice code reads
the form it lives in (type, model, options, project) through the names declared for type checking below.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import reflex as rx

from mediaws import wiring
from mediaws.errors import MediawsError, NotFoundError, SessionExpired, ValidationError
from mediaws.services import voice_preview, voices
from mediaws.state import generate_reads as reads
from mediaws.state import generate_request as request_form
from mediaws.work import ModelRef


class VoiceMenu(rx.State, mixin=True):
    """The voice choices and the sample of the chosen voice, for a form that speaks."""

    preview_price: str = ""
    preview_url: str = ""
    preview_note: str = ""
    preview_busy: bool = False
    voice_choices: list[dict[str, str]] = []
    voice_mode: str = ""
    voice_note: str = ""
    voice_typed_hint: str = ""
    _preview_generation_id: str = ""
    _voice_provider: str = ""

    if TYPE_CHECKING:
        kind: str
        fields: list[dict[str, str]]
        values: dict[str, str]
        model_key: str
        project_id: str
        session_token: str
        set_option: Any  # GenerateState's event handler

        def _requote(self) -> None: ...
        def _form(self) -> request_form.Form: ...
        def _signed_in(self) -> AbstractContextManager[tuple[Any, Any]]: ...
        def _login_redirect(self) -> Any: ...

    @rx.var
    def preview_title(self) -> str:
        """What the preview button plays, as its tooltip."""
        voice = self.values.get("voice", "")
        label = next((c["label"] for c in self.voice_choices if c["id"] == voice), voice)
        return f"Hear a short sample of the voice {label}"

    @rx.var
    def has_voice(self) -> bool:
        """Whether the chosen model speaks with a voice that can be previewed."""
        return reads.speaks(self.kind, self.fields)

    def _set_up_voices(self, keep: str) -> None:
        """Offer the model's voices: its fixed list now, or "Loading voices…" until the provider answers."""
        self.voice_note = ""
        ref = ModelRef.from_key(self.model_key)
        if not reads.speaks(self.kind, self.fields):
            self.voice_choices, self.voice_mode, self.voice_typed_hint, self._voice_provider = [], "", "", ""
            return
        registry = wiring.app_deps().registry
        menu = voices.voice_menu(registry, ref.provider, registry.resolve(ref))
        self._voice_provider, self.voice_typed_hint = ref.provider, menu.typed_ids
        if menu.live:
            self.voice_choices, self.voice_mode = [], "loading"
            self.values = {**self.values, "voice": keep}
            return
        self.voice_choices = reads.choice_rows(menu.choices)
        chosen = voices.kept_choice(keep or self.values.get("voice", ""), menu.choices)
        self.values = {**self.values, "voice": chosen}
        self.voice_mode = "list" if menu.choices else "text"

    def _apply_live_voices(self, provider: str, found: list[voices.Choice], problem: str) -> None:
        """Show the listed voices, keeping the current one if still there; on failure say why and let type."""
        label = wiring.app_deps().registry.provider(provider).label
        if problem or not found:
            self.voice_mode = "text"
            self.voice_note = (
                f"Could not list your {label} voices: {problem} Type a voice id instead, or try again."
                if problem
                else f"Your {label} account has no voices yet; type a voice id, or try again later."
            )
            return
        self.voice_choices, self.voice_mode, self.voice_note = reads.choice_rows(found), "list", ""
        chosen = voices.kept_choice(self.values.get("voice", ""), found)
        if chosen != self.values.get("voice", ""):
            self._forget_preview()
        self.values = {**self.values, "voice": chosen}

    def _voice_events(self) -> list[Any]:
        return [type(self).load_voices] if self.voice_mode == "loading" else []

    def _forget_preview(self) -> None:
        """A preview belongs to the voice and options it was made with; any change drops it."""
        self.preview_url = self.preview_note = self._preview_generation_id = ""
        self.preview_busy = False

    @rx.event(background=True)
    async def load_voices(self) -> Any:
        """List the user's voices at the chosen provider (with their key) without holding up the page."""
        async with self:
            if self.voice_mode != "loading":
                return
            token, key = self.session_token, self.model_key
        provider = ModelRef.from_key(key).provider
        try:
            found, problem = await asyncio.to_thread(reads.live_voices, token, provider), ""
        except MediawsError as exc:
            found, problem = [], str(exc)
        async with self:
            if self.model_key != key or self.voice_mode != "loading":
                return
            self._apply_live_voices(provider, found, problem)
            try:
                self._requote()
            except SessionExpired:
                return

    @rx.event
    def retry_voices(self) -> Any:
        """Ask the provider for the voices again."""
        if not self._voice_provider:
            return None
        self.voice_mode, self.voice_note = "loading", ""
        return type(self).load_voices

    @rx.event
    def type_voice_id(self) -> None:
        """Switch the voice dropdown to a field for a voice id that is not on the list (a cloned voice)."""
        if self.voice_typed_hint:
            self.voice_mode = "text"

    @rx.event
    def pick_voice_from_list(self) -> Any:
        """Back from a typed voice id to the dropdown."""
        if not self.voice_choices:
            return None
        self.voice_mode = "list"
        choices = [(c["id"], c["label"]) for c in self.voice_choices]
        return type(self).set_option("voice", voices.kept_choice(self.values.get("voice", ""), choices))

    @rx.event
    def preview_voice(self) -> Any:
        """Play a short sample of the chosen voice: free sample, earlier preview, or a new cheap one."""
        self.preview_note, self.preview_url = "", ""
        if not (reads.speaks(self.kind, self.fields) and self.project_id):
            return None
        if not self.values.get("voice", "").strip():
            self.preview_note = "Choose a voice first."
            return None
        try:
            with self._signed_in() as (session, user):
                found = voice_preview.start_preview(
                    session=session, user_id=user.id, **request_form.preview_request(self._form())
                )
        except SessionExpired:
            return self._login_redirect()
        except (ValidationError, NotFoundError) as exc:
            self.preview_note = str(exc)
            return None
        if found.url:
            self.preview_url = found.url
            return None
        self._preview_generation_id, self.preview_busy = found.generation_id, True
        self.preview_note = "Making a short sample…"
        return type(self).watch_preview

    @rx.event(background=True)
    async def watch_preview(self) -> Any:
        """Wait for the preview sample, then play it."""
        async with self:
            token, wanted = self.session_token, self._preview_generation_id
        while True:
            try:
                status, url, problem = await asyncio.to_thread(reads.preview_status, token, wanted)
            except MediawsError as exc:
                status, url, problem = "failed", "", str(exc)
            if status in reads.FINISHED:
                break
            await asyncio.sleep(0.4)
        async with self:
            if self._preview_generation_id != wanted:
                return
            self.preview_busy = False
            self.preview_url = url
            self.preview_note = "" if url else (problem or "The preview could not be made.")
