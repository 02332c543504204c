"""Typeform: forms, webhook lifecycle (`WebhookManager`) and responses."""

from integrations.typeform.client import RateLimitStatus, TypeformIntegration
from integrations.typeform.manager import WebhookManager

__all__ = ["RateLimitStatus", "TypeformIntegration", "WebhookManager"]
