"""The Generate page: pick, price, start, watch, cancel, see the result."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import reflex as rx

from mediaws.errors import MediawsError, NotFoundError, SessionExpired, ValidationError
from mediaws.pricing.cost import priced_display
from mediaws.providers.base import Capability
from mediaws.services import accounts, catalog, generation, projects
from mediaws.services.projects import format_usd
from mediaws.state.auth import AuthState

KINDS = [kind.value for kind in Capability]
FINISHED = ("succeeded", "failed", "cancelled")


def _deps() -> generation.Deps:
    return generation.app_deps()


def _field_row(field: catalog.OptionField) -> dict[str, str]:
    return {
        "name": field.name,
        "label": field.label,
        "kind": field.kind,
        "choices": "|".join(field.choices),
        "min": field.minimum,
        "max": field.maximum,
        "default": field.default,
    }


def _status(token: str, generation_id: str) -> dict[str, Any]:
    deps = _deps()
    with deps.session_factory() as session:
        user = accounts.user_for_token(session=session, token=token)
        row = generation.get_generation(session=session, user_id=user.id, generation_id=generation_id)
        job = generation.job_for(session, row)
        found = generation.assets_of(session, row) if row.status == "succeeded" else []
        text = ""
        if row.capability == Capability.TEXT.value and found:
            text = deps.storage.get(found[0].storage_key).decode(errors="replace")
        return {
            "status": row.status,
            "progress": job.progress_percent or (100 if row.status == "succeeded" else 0),
            "message": row.error or job.message,
            "cost": priced_display(row.provider, row.model, row.cost_micros)
            if row.cost_micros is not None
            else "",
            "text": text,
            "results": [
                {"url": f"/api/assets/{a.id}/file", "kind": a.kind, "mime": a.mime_type} for a in found
            ],
        }


class GenerateState(AuthState):
    """Everything on the Generate page; secrets never pass through here."""

    project_options: list[dict[str, str]] = []
    project_id: str = ""
    kind: str = "image"
    models: list[dict[str, str]] = []
    model_key: str = ""
    fields: list[dict[str, str]] = []
    values: dict[str, str] = {}
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

    def _refresh_models(self, session: Any, user_id: Any) -> None:
        deps = _deps()
        choices = catalog.available_models(
            session=session, registry=deps.registry, user_id=user_id, capability=Capability(self.kind)
        )
        self.models = [
            {
                "key": f"{c.provider}|{c.model}",
                "label": f"{c.provider_label} · {c.label}" + ("" if c.usable else " (add a key)"),
                "usable": "yes" if c.usable else "",
            }
            for c in choices
        ]
        usable = [m["key"] for m in self.models if m["usable"]]
        if self.model_key not in usable:
            self.model_key = usable[0] if usable else ""
        self._refresh_fields()

    def _refresh_fields(self) -> None:
        if not self.model_key:
            self.fields, self.values = [], {}
            return
        provider, model = self.model_key.split("|", 1)
        info = _deps().registry.model(provider, model)
        self.fields = [_field_row(f) for f in catalog.option_fields(info)]
        self.values = {f["name"]: f["default"] for f in self.fields}

    def _option_values(self) -> dict[str, Any]:
        provider, model = self.model_key.split("|", 1)
        info = _deps().registry.model(provider, model)
        return catalog.parse_option_values(catalog.option_fields(info), self.values)

    def _request(self) -> dict[str, Any]:
        """What the form asks for, as keyword arguments of quote and start_generation."""
        provider, model = self.model_key.split("|", 1)
        return {
            "deps": _deps(),
            "project_id": self.project_id,
            "capability": self.kind,
            "provider_id": provider,
            "model": model,
            "prompt": self.prompt,
            "options": self._option_values(),
        }

    def _requote(self) -> None:
        self.error = ""
        self.estimate = self.budget = ""
        if not (self.model_key and self.project_id):
            return
        try:
            with self._signed_in() as (session, user):
                checked = generation.quote(session=session, user_id=user.id, **self._request())
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
                running = (
                    generation.active_generation(session=session, user_id=user.id, project_id=self.project_id)
                    if self.project_id
                    else None
                )
            self._requote()
        except SessionExpired:
            return self._login_redirect()
        if running is not None and str(running.id) != self.generation_id:
            self.generation_id, self.status = str(running.id), running.status
            self.progress, self.message, self.cost, self.result_text, self.results = 0, "", "", "", []
            return GenerateState.watch
        return None

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
        return None

    @rx.event
    def set_model(self, value: str) -> Any:
        """Choose a model; its options reset to their defaults."""
        self.model_key = value
        self._refresh_fields()
        try:
            self._requote()
        except SessionExpired:
            return self._login_redirect()
        return None

    @rx.event
    def set_option(self, name: str, value: str | bool) -> Any:
        """Change one option and price again."""
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        self.values = {**self.values, name: text}
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

    @rx.event
    def generate(self) -> Any:
        """Queue the generation, then watch it."""
        self.error = ""
        if not self.model_key:
            self.error = "Choose a model first (add a key in Settings → API keys)."
            return None
        try:
            with self._signed_in() as (session, user):
                started = generation.start_generation(session=session, user_id=user.id, **self._request())
        except SessionExpired:
            return self._login_redirect()
        except (ValidationError, NotFoundError) as exc:
            self.error = str(exc)
            return rx.toast.error(str(exc))
        self.generation_id = str(started.id)
        self.status, self.progress, self.message, self.elapsed = "queued", 0, "Waiting for a worker…", "0 s"
        self.cost, self.result_text, self.results = "", "", []
        return GenerateState.watch

    @rx.event(background=True)
    async def watch(self) -> Any:
        """Follow the job until it ends, updating progress and elapsed time."""
        async with self:
            token, wanted = self.session_token, self.generation_id
        began = time.monotonic()
        while True:
            try:
                info = await asyncio.to_thread(_status, token, wanted)
            except MediawsError as exc:
                async with self:
                    self.error = str(exc)
                return
            async with self:
                if self.generation_id != wanted:
                    return
                self.status, self.progress = info["status"], int(info["progress"])
                self.message, self.elapsed = info["message"], f"{int(time.monotonic() - began)} s"
                if info["status"] in FINISHED:
                    self.cost, self.result_text, self.results = info["cost"], info["text"], info["results"]
            if info["status"] in FINISHED:
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
