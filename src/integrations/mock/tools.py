"""The mock connector's operations as MCP tools (read: get, list; write: create)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from integrations.core.client import BaseIntegration
from integrations.mcp.tools import ToolSpec
from integrations.mock import operations
from integrations.mock.client import MockIntegration
from integrations.mock.models import Item, ItemList

__all__ = ["TOOLS", "CreateItemInput", "GetItemInput", "ListItemsInput"]


class GetItemInput(BaseModel):
    """Arguments of `mock_get_item`."""

    model_config = ConfigDict(extra="forbid")

    item_id: str = Field(min_length=1, max_length=200, description="the item's id")


class ListItemsInput(BaseModel):
    """Arguments of `mock_list_items`."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(default=10, ge=0, le=1000, description="how many items to return")
    prefix: str = Field(default="item", min_length=1, max_length=50, description="id prefix")


class CreateItemInput(BaseModel):
    """Arguments of `mock_create_item`."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="the new item's name")
    size: int | None = Field(default=None, ge=0, description="optional size")


def _mock(client: BaseIntegration) -> MockIntegration:
    assert isinstance(client, MockIntegration), "the mock tools need the mock client"
    return client


async def _get_item(client: BaseIntegration, arguments: GetItemInput) -> Item:
    return await operations.get_item(_mock(client), arguments.item_id)


async def _list_items(client: BaseIntegration, arguments: ListItemsInput) -> ItemList:
    return await operations.list_items(_mock(client), arguments.count, prefix=arguments.prefix)


async def _create_item(client: BaseIntegration, arguments: CreateItemInput) -> Item:
    extra: dict[str, Any] = {} if arguments.size is None else {"size": arguments.size}
    return await operations.create_item(_mock(client), arguments.name, **extra)


TOOLS: list[ToolSpec] = [
    ToolSpec(
        name="mock_get_item",
        description="Read one item of the mock vendor by id.",
        input_model=GetItemInput,
        writes=False,
        run=_get_item,
        integration="mock",
    ),
    ToolSpec(
        name="mock_list_items",
        description="List generated items of the mock vendor (0-1000).",
        input_model=ListItemsInput,
        writes=False,
        run=_list_items,
        integration="mock",
    ),
    ToolSpec(
        name="mock_create_item",
        description="Create an item at the mock vendor.",
        input_model=CreateItemInput,
        writes=True,
        run=_create_item,
        integration="mock",
    ),
]
