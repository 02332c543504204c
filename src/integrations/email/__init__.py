"""Email over SMTP: provider presets, strict Jinja2 templates, bulk sends, delivery status."""

from integrations.email.client import EmailIntegration
from integrations.email.exceptions import (
    SmtpSettingsError,
    TemplateRenderError,
    TemplateVariableError,
)
from integrations.email.models import EmailMessage, EmailSendResult, mask_email
from integrations.email.templates import RenderedEmail, render_template

__all__ = [
    "EmailIntegration",
    "EmailMessage",
    "EmailSendResult",
    "RenderedEmail",
    "SmtpSettingsError",
    "TemplateRenderError",
    "TemplateVariableError",
    "mask_email",
    "render_template",
]
