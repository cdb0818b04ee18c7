"""The REST API (FastAPI), mounted into the Reflex app with ``rx.App(api_transformer=api)``."""

from mediaws.api.app import api

__all__ = ["api"]
