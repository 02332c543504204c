"""PracticePanther reads, one typed function per endpoint (swagger paths and parameters).

Lists take OData `$top`/`$skip` (BRIEF §3.1: not in the swagger, supported by the API) and
the swagger's own filters; times are sent as ISO-8601 with an offset, since the API answers
400 to a time without one. Reads are never cached: a sync and an operator want live data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

from integrations.core.payloads import read_json, read_model
from integrations.core.urls import api_path
from integrations.practicepanther.client import PracticePantherIntegration
from integrations.practicepanther.models import Contact, Matter, Task, User
from integrations.practicepanther.spec import API_ROOT

__all__ = [
    "MAX_PAGE",
    "get_contact",
    "get_current_user",
    "get_matter",
    "get_task",
    "iso_with_offset",
    "list_contacts",
    "list_matters",
    "list_params",
    "list_tasks",
]

MAX_PAGE = 1000
M = TypeVar("M", bound=BaseModel)


def iso_with_offset(moment: dt.datetime) -> str:
    """`moment` as ISO-8601 with an offset (a naive time is taken as UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.isoformat()


def list_params(
    *, top: int, skip: int, updated_since: dt.datetime | None = None, **filters: str | None
) -> dict[str, str]:
    """The query of a list call: paging, `updated_since`, and the filters that are set."""
    params = {"$top": str(min(max(top, 1), MAX_PAGE)), "$skip": str(max(skip, 0))}
    if updated_since is not None:
        params["updated_since"] = iso_with_offset(updated_since)
    params.update({k: v for k, v in filters.items() if v})
    return params


async def _list(
    client: PracticePantherIntegration, kind: str, model: type[M], params: dict[str, str]
) -> list[M]:
    response = await client.request(
        "GET", f"{API_ROOT}/{kind}", operation=f"list_{kind}", params=params, cache_ttl=0
    )
    adapter: TypeAdapter[list[Any]] = TypeAdapter(list[model])  # type: ignore[valid-type]
    items: list[M] = adapter.validate_python(read_json(response))
    return items


async def _get(client: PracticePantherIntegration, kind: str, model: type[M], record_id: str) -> M:
    path = api_path(f"{API_ROOT}/{kind}/{{id}}", id=record_id)
    response = await client.request("GET", path, operation=f"get_{kind[:-1]}", cache_ttl=0)
    return read_model(response, model)


async def get_current_user(client: PracticePantherIntegration) -> User:
    """The user the access token belongs to (`GET /api/v2/users/me`)."""
    response = await client.request(
        "GET", f"{API_ROOT}/users/me", operation="get_current_user", cache_ttl=0
    )
    return read_model(response, User)


async def list_contacts(
    client: PracticePantherIntegration,
    *,
    top: int = 100,
    skip: int = 0,
    updated_since: dt.datetime | None = None,
    account_id: str | None = None,
    search_text: str | None = None,
) -> list[Contact]:
    """One page of contacts."""
    params = list_params(
        top=top, skip=skip, updated_since=updated_since, account_id=account_id,
        search_text=search_text,
    )  # fmt: skip
    return await _list(client, "contacts", Contact, params)


async def list_matters(
    client: PracticePantherIntegration,
    *,
    top: int = 100,
    skip: int = 0,
    updated_since: dt.datetime | None = None,
    account_id: str | None = None,
    status: str | None = None,
) -> list[Matter]:
    """One page of matters."""
    params = list_params(
        top=top, skip=skip, updated_since=updated_since, account_id=account_id, status=status
    )
    return await _list(client, "matters", Matter, params)


async def list_tasks(
    client: PracticePantherIntegration,
    *,
    top: int = 100,
    skip: int = 0,
    updated_since: dt.datetime | None = None,
    matter_id: str | None = None,
    status: str | None = None,
) -> list[Task]:
    """One page of tasks."""
    params = list_params(
        top=top, skip=skip, updated_since=updated_since, matter_id=matter_id, status=status
    )
    return await _list(client, "tasks", Task, params)


async def get_contact(client: PracticePantherIntegration, contact_id: str) -> Contact:
    """One contact; NotFoundError when there is none with this id."""
    return await _get(client, "contacts", Contact, contact_id)


async def get_matter(client: PracticePantherIntegration, matter_id: str) -> Matter:
    """One matter; NotFoundError when there is none with this id."""
    return await _get(client, "matters", Matter, matter_id)


async def get_task(client: PracticePantherIntegration, task_id: str) -> Task:
    """One task; NotFoundError when there is none with this id."""
    return await _get(client, "tasks", Task, task_id)
