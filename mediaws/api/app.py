"""The FastAPI app behind ``/api``; Reflex mounts it with ``rx.App(api_transformer=api)``."""

from __future__ import annotations

from fastapi import FastAPI

from mediaws import web
from mediaws.api import assets, browser_session, errors, generations, jobs, projects
from mediaws.api.gate import ApiGate
from mediaws.api.schemas import COMMON_ERRORS

api = FastAPI(title="mediaws API", version="1", docs_url="/docs", openapi_url="/openapi.json")
errors.install(api)
api.add_middleware(ApiGate)
for module in (projects, generations, jobs, assets):
    api.include_router(module.router, responses=COMMON_ERRORS)
api.include_router(browser_session.router)  # the login forms post here, outside /api
errors.install_fallback(api)
web.install(api)
