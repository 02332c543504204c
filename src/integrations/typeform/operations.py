"""Typeform operations: forms, webhooks (by tag) and responses, one typed function each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from integrations.core.payloads import read_model
from integrations.core.urls import quote_segment
from integrations.errors import NotFoundError
from integrations.typeform.client import TypeformIntegration
from integrations.typeform.models import (
    Form,
    FormList,
    FormResponse,
    ResponsesPage,
    Webhook,
    WebhookList,
    WebhookUpdate,
)

__all__ = [
    "delete_webhook",
    "get_form",
    "get_webhook",
    "iter_responses",
    "list_forms",
    "list_responses",
    "list_webhooks",
    "put_webhook",
]

MAX_PAGE = 1000
# Webhooks and responses are live state: the runtime default TTL (300 s) would make a status
# check read a webhook that was changed or deleted minutes ago, and a sync miss new answers.
LIVE = 0.0


async def get_form(client: TypeformIntegration, form_id: str) -> Form:
    """The form's definition; NotFoundError when it does not exist, AuthError when the
    account may not read it."""
    response = await client.request("GET", f"/forms/{quote_segment(form_id)}", operation="get_form")
    return read_model(response, Form)


async def list_forms(
    client: TypeformIntegration, *, page: int = 1, page_size: int = 10, search: str | None = None
) -> FormList:
    """One page of the account's forms (page_size up to 200)."""
    params = {"page": page, "page_size": min(page_size, 200), "search": search}
    response = await client.request("GET", "/forms", operation="list_forms", params=params)
    return read_model(response, FormList)


async def list_webhooks(client: TypeformIntegration, form_id: str) -> list[Webhook]:
    """Every webhook of a form."""
    response = await client.request(
        "GET",
        f"/forms/{quote_segment(form_id)}/webhooks",
        operation="list_webhooks",
        cache_ttl=LIVE,
    )
    return read_model(response, WebhookList).items


async def get_webhook(client: TypeformIntegration, form_id: str, tag: str) -> Webhook | None:
    """The webhook with `tag`, or None when there is none."""
    try:
        response = await client.request(
            "GET",
            f"/forms/{quote_segment(form_id)}/webhooks/{quote_segment(tag)}",
            operation="get_webhook",
            cache_ttl=LIVE,
        )
    except NotFoundError:
        return None
    return read_model(response, Webhook)


async def put_webhook(
    client: TypeformIntegration, form_id: str, tag: str, update: WebhookUpdate
) -> Webhook:
    """Create or replace the webhook with `tag` (PUT is idempotent on the tag)."""
    response = await client.request(
        "PUT",
        f"/forms/{quote_segment(form_id)}/webhooks/{quote_segment(tag)}",
        operation="put_webhook",
        json=update.model_dump(mode="json", exclude_none=True),
    )
    return read_model(response, Webhook)


async def delete_webhook(client: TypeformIntegration, form_id: str, tag: str) -> bool:
    """Delete the webhook with `tag`; False when it did not exist."""
    try:
        await client.request(
            "DELETE",
            f"/forms/{quote_segment(form_id)}/webhooks/{quote_segment(tag)}",
            operation="delete_webhook",
        )
    except NotFoundError:
        return False
    return True


async def list_responses(
    client: TypeformIntegration,
    form_id: str,
    *,
    page_size: int = 25,
    since: str | None = None,
    until: str | None = None,
    before: str | None = None,
    after: str | None = None,
    **filters: Any,
) -> ResponsesPage:
    """One page of responses, newest first (page_size up to 1000; since/until inclusive,
    before/after are response tokens, exclusive)."""
    params = {
        "page_size": min(page_size, MAX_PAGE),
        "since": since,
        "until": until,
        "before": before,
        "after": after,
        **filters,
    }
    response = await client.request(
        "GET",
        f"/forms/{quote_segment(form_id)}/responses",
        operation="list_responses",
        params=params,
        priority="background",
        cache_ttl=LIVE,
    )
    return read_model(response, ResponsesPage)


async def iter_responses(
    client: TypeformIntegration,
    form_id: str,
    *,
    since: str | None = None,
    page_size: int = MAX_PAGE,
    **filters: Any,
) -> AsyncIterator[FormResponse]:
    """Every response since `since`, walking pages with `before=<last token>` until a page
    comes back short (the vendor's own traversal pattern). `filters` go on every page
    (e.g. `response_type="completed,partial"`; Typeform's default is completed only)."""
    page_size = max(1, min(page_size, MAX_PAGE))  # a short page must mean the last one
    before: str | None = None
    while True:
        page = await list_responses(
            client, form_id, page_size=page_size, since=since, before=before, **filters
        )
        for item in page.items:
            yield item
        if len(page.items) < page_size or not page.items:
            return
        before = page.items[-1].token
