"""The admin and webhook REST API (FastAPI)."""

from integrations.api.app import create_app

__all__ = ["create_app"]
