"""The Generate page: pick, price, start, watch, cancel, see the result."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import reflex as rx

from mediaws import wiring
from mediaws.errors import MediawsError, NotFoundError, SessionExpired, ValidationError
from mediaws.services import (
    generation,
    idempotency,
    projects,
    uploads,
    voice_preview,
    voices,
)
from mediaws.services.projects import format_usd
from mediaws.state import generate_kinds as kinds
from mediaws.state import generate_prefill
from mediaws.state import generate_reads as reads
from mediaws.state import generate_request as request_form
from mediaws.state.auth import AuthState
from mediaws.state.generate_voices import VoiceMenu
from mediaws.state.local_choice import PICKED_KIND
from mediaws.work import Capability, ModelRef

KINDS = [kind.value for kind in Capability]


class GenerateState(VoiceMenu, AuthState):
    """Everything on the Generate page; secrets never pass through here."""

    project_options: list[dict[str, str]] = []
    project_id: str = ""
    kind: str = "image"
    models: list[dict[str, str]] = []
    model_key: str = ""
    fields: list[dict[str, str]] = []
    values: dict[str, str] = {}
    form_version: int = 0
    """Bumped whenever the server sets the options (a new model, a prefill): the option controls keep
    the person's choices themselves, and a new version remounts them with the server's values."""
    prompt: str = ""
    estimate: str = ""
    budget: str = ""
    error: str = ""
    generation_id: str = ""
    status: str = ""
    progress: int = 0
    message: str = ""
    elapsed: str = ""
    cost: str = ""
    result_text: str = ""
    results: list[dict[str, str]] = []
    eta: str = ""
    made_with: str = ""
    source_url: str = ""
    endpoint_note: str = ""
    model_notice: str = ""
    accepts_image: bool = False
    image_asset_id: str = ""
    image_url: str = ""
    image_name: str = ""
    upload_error: str = ""
    fallback_on: bool = False
    fallback_key: str = ""
    submitting: bool = False
    loaded: bool = False  # the first load answered: the page shows its form, not a skeleton
    kind_forms: dict[str, kinds.KindForm] = {}
    """Each type's picker and options as a switch to it first shows them: the page shows a type's form at
    the press, before the server has answered ``set_kind``."""
    _submit_key: str = ""
    _submit_fingerprint: str = ""
    _builtin_models: list[dict[str, str]] = []
    _notices: dict[str, str] = {}
    _endpoint_models: list[dict[str, str]] = []

    @rx.var
    def fallback_choices(self) -> list[dict[str, str]]:
        """The other usable models of the same type, to try if the chosen one fails."""
        return reads.others(self.models, self.model_key)

    @rx.var(deps=[*request_form.FORM_VARS, "project_options", "models", "user_email"], auto_deps=False)
    def offline_request(self) -> str:
        """The form as an API request without its prompt (JSON), for the offline queue; "" if incomplete."""
        if not (self.project_id and self.model_key):
            return ""
        try:
            return request_form.offline_request(
                self._form(), self.project_options, self.models, self.user_email
            )
        except (MediawsError, ValueError, KeyError):
            return ""

    def _form(self) -> request_form.Form:
        return request_form.Form(**{name: getattr(self, name) for name in request_form.FORM_VARS})

    def _refresh_models(self, session: Any, user_id: Any) -> None:
        self._builtin_models, self._notices = kinds.builtin_models(session, user_id, Capability(self.kind))
        self._compose_models()

    def _compose_models(self) -> None:
        """The picker: built-in models, then (on the Text tab) each endpoint's live models."""
        extra = self._endpoint_models if self.kind == Capability.TEXT.value else []
        self.models = kinds.usable_first(self._builtin_models + extra)
        usable = [m["key"] for m in self.models if m["usable"]]
        if self.model_key not in usable:
            self.model_key = usable[0] if usable else ""
            self._refresh_fields()
        self.model_notice = self._notices.get(self.model_key, "")
        self._keep_fallback()

    def _keep_fallback(self) -> None:
        others = [m["key"] for m in reads.others(self.models, self.model_key)]
        if self.fallback_key not in others:
            self.fallback_key = others[0] if others else ""
        if not others:
            self.fallback_on = False

    def _refresh_fields(self) -> None:
        self._forget_preview()
        ref = ModelRef.from_key(self.model_key)
        keep = self.values.get("voice", "") if ref.provider == self._voice_provider else ""
        if not self.model_key:
            self.fields, self.values, self.accepts_image = [], {}, False
            self._set_up_voices("")
            return
        self.accepts_image = wiring.app_deps().registry.resolve(ref).accepts_image
        self.fields = [reads.field_row(f) for f in request_form.option_fields(self.model_key)]
        self.values = {f["name"]: f["default"] for f in self.fields}
        self.form_version += 1
        self._set_up_voices(keep)

    def _requote(self) -> None:
        self.error = ""
        self.estimate = self.budget = self.preview_price = ""
        if not (self.model_key and self.project_id):
            return
        try:
            with self._signed_in() as (session, user):
                form = self._form()
                checked = generation.quote(
                    session=session, user_id=user.id, **request_form.request(form, self.prompt)
                )
                if reads.speaks(self.kind, self.fields):
                    self.preview_price = voice_preview.price(
                        session=session, user_id=user.id, **request_form.preview_request(form)
                    )
        except SessionExpired:
            raise
        except MediawsError as exc:
            self.error = str(exc)
            return
        self.estimate = checked.estimate.display()
        project = checked.project
        if project.monthly_budget_micros is not None and checked.budget_left_micros is not None:
            self.budget = (
                f"{format_usd(max(checked.budget_left_micros, 0))} left of "
                f"{format_usd(project.monthly_budget_micros)} this month"
            )

    @rx.event
    def load(self) -> Any:
        """Page load: projects, then models and options for the current type."""
        try:
            with self._signed_in() as (session, user):
                self.user_email = user.email
                found = projects.list_projects(session=session, owner_id=user.id)
                self.project_options = [{"id": str(p.id), "name": p.name} for p in found]
                wanted = self.router.url.query_parameters.get("project", "")
                ids = [p["id"] for p in self.project_options]
                if wanted in ids:
                    self.project_id = wanted
                elif self.project_id not in ids:
                    self.project_id = ids[0] if ids else ""
                self._refresh_models(session, user.id)
                self.kind_forms = kinds.first_forms(session, user.id, self._endpoint_models)
                generate_prefill.prefill(self, session, user.id)
                running = (
                    generation.active_generation(session=session, user_id=user.id, project_id=self.project_id)
                    if self.project_id
                    else None
                )
            self._requote()
            self.loaded = True
        except SessionExpired:
            return self._login_redirect()
        events: list[Any] = [PICKED_KIND.push("")]  # the server's type (prefills set it)
        if self.kind == Capability.TEXT.value:
            events.append(GenerateState.load_endpoints)
        if self.voice_mode and voices.lists_voices_live(wiring.app_deps().registry, self._voice_provider):
            self.voice_mode = "loading"
        events += self._voice_events()
        if running is not None and str(running.id) != self.generation_id:
            self.generation_id, self.status = str(running.id), running.status
            self.progress, self.message, self.cost, self.result_text, self.results = 0, "", "", "", []
            self.eta = self.made_with = self.source_url = ""
            events.append(GenerateState.watch)
        return events

    @rx.event
    def set_project(self, value: str) -> Any:
        """Choose the project the result goes to."""
        self.project_id = value
        try:
            self._requote()
        except SessionExpired:
            return self._login_redirect()
        return None

    @rx.event
    def set_kind(self, value: str | list[str]) -> Any:
        """Switch between text, image, video, speech and audio."""
        self.kind = str(value) if str(value) in KINDS else "image"
        try:
            with self._signed_in() as (session, user):
                self._refresh_models(session, user.id)
            self._requote()
        except SessionExpired:
            return self._login_redirect()
        events = [GenerateState.load_endpoints] if self.kind == Capability.TEXT.value else []
        return events + self._voice_events() or None

    @rx.event(background=True)
    async def load_endpoints(self) -> Any:
        """List the models of the user's OpenAI-compatible endpoints without holding up the page."""
        async with self:
            token = self.session_token
            self.endpoint_note = "Asking your OpenAI-compatible endpoints for their models…"
        try:
            rows = await asyncio.to_thread(reads.endpoint_rows, token)
        except MediawsError:
            rows = []
        async with self:
            self._endpoint_models = rows
            dead = [r["label"] for r in rows if not r["usable"]]
            self.endpoint_note = ("Not available now: " + ", ".join(dead)) if dead else ""
            if self.kind == Capability.TEXT.value:
                before = self.model_key
                self._compose_models()
                if self.model_key != before:
                    self._requote()

    @rx.event
    def set_model(self, value: str) -> Any:
        """Choose a model; its options reset to their defaults."""
        if value not in [m["key"] for m in self.models if m["usable"]]:
            return None
        self.model_key = value
        self.model_notice = self._notices.get(value, "")
        self._refresh_fields()
        self._keep_fallback()
        try:
            self._requote()
        except SessionExpired:
            return self._login_redirect()
        return self._voice_events() or None

    @rx.event
    def set_option(self, name: str, value: str | bool) -> Any:
        """Change one option and price again."""
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        self.values = {**self.values, name: text}
        self._forget_preview()
        try:
            self._requote()
        except SessionExpired:
            return self._login_redirect()
        return None

    @rx.event
    def set_fallback_on(self, value: bool) -> None:
        """Turn "if this fails, try another model" on or off."""
        self.fallback_on = bool(value) and bool(reads.others(self.models, self.model_key))

    @rx.event
    def set_fallback(self, value: str) -> None:
        """Choose the model to try if the chosen one fails."""
        if value in [m["key"] for m in reads.others(self.models, self.model_key)]:
            self.fallback_key = value

    @rx.event
    async def upload_image(self, files: list[rx.UploadFile]) -> Any:
        """Keep the chosen start (or input) image as an asset of the project and show it."""
        self.upload_error = ""
        if not files:
            return None
        upload = files[0]
        data = await upload.read()
        try:
            with self._signed_in() as (session, user):
                asset = uploads.save_upload(
                    session=session,
                    deps=wiring.app_deps(),
                    user_id=user.id,
                    project_id=self.project_id,
                    filename=upload.name or "",
                    data=data,
                    mime_type=upload.content_type or "",
                )
        except SessionExpired:
            return self._login_redirect()
        except (ValidationError, NotFoundError) as exc:
            self.upload_error = str(exc)
            return None
        self.image_asset_id, self.image_name = str(asset.id), asset.name
        self.image_url = voice_preview.asset_url(asset.id)
        try:
            self._requote()
        except SessionExpired:
            return self._login_redirect()
        return None

    @rx.event
    def upload_rejected(self, _rejected: list[dict[str, Any]]) -> None:
        """The browser refused the file (wrong type or over the size limit) before sending it."""
        self.upload_error = (
            f"Choose a PNG, JPEG or WebP image of at most {uploads.MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
        )

    @rx.event
    def remove_image(self) -> Any:
        """Generate without the uploaded image (it stays in the project)."""
        self.image_asset_id = self.image_url = self.image_name = self.upload_error = ""
        try:
            self._requote()
        except SessionExpired:
            return self._login_redirect()
        return None

    @rx.event
    def set_prompt(self, value: str) -> None:
        """Keep what is typed."""
        self.prompt = value

    @rx.event
    def price_prompt(self, _value: str = "") -> Any:
        """Price again once the prompt is left (text cost depends on its length)."""
        try:
            self._requote()
        except SessionExpired:
            return self._login_redirect()
        return None

    def _idempotency_key(self, request: dict[str, Any], fallbacks: list[dict[str, str | None]]) -> str:
        """One key per intended generation: kept for the same request, new once it changed or finished."""
        fields = {k: v for k, v in request.items() if k != "deps"}
        fingerprint = idempotency.request_fingerprint(**fields, fallbacks=fallbacks)
        if fingerprint != self._submit_fingerprint or self.status in reads.FINISHED or not self._submit_key:
            self._submit_key, self._submit_fingerprint = str(uuid.uuid4()), fingerprint
        return self._submit_key

    @rx.event
    def generate(self) -> Any:
        """Queue the generation once, however often it is clicked (the button is off meanwhile); watch it."""
        if self.submitting:
            return
        self.error = ""
        if not self.model_key:
            self.error = "Choose a model first (add a key in Settings → API keys)."
            return
        if reads.speaks(self.kind, self.fields) and not self.values.get("voice", "").strip():
            self.error = "Choose a voice."
            return
        self.submitting = True
        yield
        try:
            with self._signed_in() as (session, user):
                form = self._form()
                request, fallbacks = request_form.request(form, self.prompt), request_form.fallbacks(form)
                started = generation.start_generation(
                    session=session,
                    user_id=user.id,
                    fallbacks=fallbacks,
                    idempotency_key=self._idempotency_key(request, fallbacks),
                    **request,
                )
        except SessionExpired:
            yield self._login_redirect()
            return
        except (ValidationError, NotFoundError) as exc:
            self.error = str(exc)
            yield rx.toast.error(str(exc))
            return
        finally:
            self.submitting = False
        if str(started.id) == self.generation_id:
            return
        self.generation_id = str(started.id)
        self.status, self.progress, self.message, self.elapsed = "queued", 0, "Waiting for a worker…", "0 s"
        self.cost, self.result_text, self.results = "", "", []
        self.eta = self.made_with = self.source_url = ""
        yield GenerateState.watch

    @rx.event(background=True)
    async def watch(self) -> Any:
        """Follow the job until it ends, updating progress and elapsed time."""
        async with self:
            token, wanted = self.session_token, self.generation_id
        began = time.monotonic()
        while True:
            try:
                info = await asyncio.to_thread(reads.status, token, wanted)
            except MediawsError as exc:
                async with self:
                    self.error = str(exc)
                return
            async with self:
                if self.generation_id != wanted:
                    return
                self.status, self.progress = info["status"], int(info["progress"])
                self.message, self.elapsed = info["message"], f"{int(time.monotonic() - began)} s"
                self.eta = info["eta"]
                if info["status"] in reads.FINISHED:
                    self.cost, self.result_text, self.results = info["cost"], info["text"], info["results"]
                    self.made_with, self.source_url = info["made_with"], info["source_url"]
            if info["status"] in reads.FINISHED:
                if info["status"] == "succeeded":
                    yield rx.toast.success(f"Done. It cost {info['cost']}.")
                elif info["status"] == "failed":
                    yield rx.toast.error(info["message"] or "The generation failed.")
                return
            await asyncio.sleep(0.5)

    @rx.event
    def cancel(self) -> Any:
        """Ask the running job to stop."""
        try:
            with self._signed_in() as (session, user):
                generation.cancel_generation(
                    session=session, user_id=user.id, generation_id=self.generation_id
                )
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError as exc:
            return rx.toast.error(str(exc))
        self.message = "Cancelling…"
        return None
