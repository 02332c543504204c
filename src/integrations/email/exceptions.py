"""The email connector's own errors, in the project's error tree.

A missing template variable and an unreadable template are the caller's input errors (422
through the API), raised before anything is sent. An address the server refuses is not an
exception at all in a bulk send: it becomes that recipient's failed result.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from integrations.errors import ConfigError, IntegrationError

__all__ = ["SmtpSettingsError", "TemplateRenderError", "TemplateVariableError"]


class TemplateVariableError(IntegrationError):
    """The template uses variables the caller did not give; `missing` names each one."""

    http_status = 422
    code = "template_variable_missing"

    def __init__(self, missing: Iterable[str], *, template: str = "template") -> None:
        self.missing = sorted(set(missing))
        names = ", ".join(self.missing)
        super().__init__(
            f"{template} needs variables that were not given: {names}; nothing was sent",
            integration="email",
        )

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["missing"] = self.missing
        return body


class TemplateRenderError(IntegrationError):
    """The template cannot be read or rendered (syntax error, unknown name, unsafe access)."""

    http_status = 422
    code = "template_invalid"


class SmtpSettingsError(ConfigError):
    """The SMTP settings are incomplete or contradictory (no host, no sender, bad port)."""
