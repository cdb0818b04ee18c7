"""The FastAPI app behind ``/api``; Reflex mounts it with ``rx.App(api_transformer=api)``."""

from __future__ import annotations

from fastapi_offline import FastAPIOffline

from mediaws import web
from mediaws.api import (
    analytics,
    asset_library,
    assets,
    browser_session,
    errors,
    files,
    generations,
    jobs,
    projects,
    tags,
)
from mediaws.api.gate import ApiGate
from mediaws.api.schemas import COMMON_ERRORS

DOCS_STATIC = "/docs/static"  # Swagger UI and ReDoc from the fastapi-offline package, not a CDN

api = FastAPIOffline(
    title="mediaws API", version="1", docs_url="/docs", openapi_url="/openapi.json", static_url=DOCS_STATIC
)
errors.install(api)
api.add_middleware(ApiGate)
for module in (projects, generations, jobs, asset_library, assets, tags, analytics):
    api.include_router(module.router, responses=COMMON_ERRORS)
api.include_router(browser_session.router)  # the login forms post here, outside /api
api.include_router(files.router)  # signed file links, outside /api: the signature is the grant
errors.install_fallback(api)
web.install(api)
