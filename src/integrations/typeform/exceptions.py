"""Typeform's error shape `{code, description, details}` mapped onto our error tree."""

from __future__ import annotations

from typing import Any

from integrations.core.errormap import ErrorMap
from integrations.errors import IntegrationError

__all__ = ["TypeformErrorMap", "WebhookConfigurationError"]


class WebhookConfigurationError(IntegrationError):
    """A webhook could not be set up, changed or repaired (both sides rolled back)."""

    http_status = 502
    code = "webhook_configuration_error"


class TypeformErrorMap(ErrorMap):
    """Reads `description` as the detail and `details[].field` as the field errors."""

    def details(self, body: Any) -> tuple[str | None, dict[str, str]]:
        if not isinstance(body, dict):
            return None, {}
        detail = body.get("description") or body.get("code")
        fields = {
            str(d.get("field")): str(d.get("description", d.get("code", "")))
            for d in body.get("details") or []
            if isinstance(d, dict) and d.get("field")
        }
        return (str(detail) if detail else None), fields
