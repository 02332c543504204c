"""Inbound webhooks: verify, store-then-ack, dispatch with retries, replay."""

from integrations.webhooks.dispatch import HandlerRegistry, InboxEvent
from integrations.webhooks.runtime import WebhookRuntime

__all__ = ["HandlerRegistry", "InboxEvent", "WebhookRuntime"]
