"""PandaDoc templates: list and search them, read one's roles, variables and fields.

Templates change rarely, so unlike document reads these follow the runtime cache TTL
(`cache_ttl_seconds`, 0 by default in the registry: raise it to cache template reads).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from integrations.core.payloads import read_model
from integrations.core.urls import quote_segment
from integrations.pandadoc.client import PandaDocIntegration
from integrations.pandadoc.models import TemplateDetails, TemplateList, TemplateListItem

__all__ = ["get_template_details", "iter_templates", "list_templates"]

TEMPLATES = "/public/v1/templates"
_MAX_COUNT = 100


async def list_templates(
    client: PandaDocIntegration,
    *,
    q: str | None = None,
    tags: Sequence[str] = (),
    folder_uuid: str | None = None,
    template_id: str | None = None,
    shared: bool | None = None,
    deleted: bool | None = None,
    page: int = 1,
    count: int = 50,
    with_content_date: bool = False,
) -> list[TemplateListItem]:
    """One page of templates (oldest first), searched by name (`q`), any of `tags`, folder,
    id, shared with me, or deleted; `count` clamped to 1-100. A page shorter than `count`
    is the last one."""
    params: dict[str, Any] = {
        "q": q,
        "tag": list(tags) or None,
        "folder_uuid": folder_uuid,
        "id": template_id,
        "shared": None if shared is None else str(shared).lower(),
        "deleted": None if deleted is None else str(deleted).lower(),
        "page": max(1, page),
        "count": max(1, min(count, _MAX_COUNT)),
        "fields": "content_date_modified" if with_content_date else None,
    }
    response = await client.request("GET", TEMPLATES, operation="list_templates", params=params)
    return read_model(response, TemplateList).results


async def iter_templates(
    client: PandaDocIntegration,
    *,
    q: str | None = None,
    tags: Sequence[str] = (),
    folder_uuid: str | None = None,
    count: int = _MAX_COUNT,
) -> AsyncIterator[TemplateListItem]:
    """Every template matching the filters, page after page, until a short page."""
    size = max(1, min(count, _MAX_COUNT))
    page = 1
    while True:
        items = await list_templates(
            client, q=q, tags=tags, folder_uuid=folder_uuid, page=page, count=size
        )
        for item in items:
            yield item
        if len(items) < size:
            return
        page += 1


async def get_template_details(client: PandaDocIntegration, template_id: str) -> TemplateDetails:
    """The template's roles (recipients are created for them), tokens (variables), fields
    and pricing; NotFoundError for an unknown or deleted template."""
    response = await client.request(
        "GET", f"{TEMPLATES}/{quote_segment(template_id)}/details", operation="get_template_details"
    )
    return read_model(response, TemplateDetails)
