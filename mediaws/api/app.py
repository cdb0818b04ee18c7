"""The FastAPI app behind ``/api``; Reflex mounts it with ``rx.App(api_transformer=api)``."""

from __future__ import annotations

from fastapi import FastAPI

from mediaws.api import assets, errors, generations, jobs, projects

api = FastAPI(title="mediaws API", version="1", docs_url="/docs", openapi_url="/openapi.json")
errors.install(api)
for module in (projects, generations, jobs, assets):
    api.include_router(module.router)
