"""The mock connector's operations, declared once (read: get, list; write: create)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from integrations.actions.declaration import ID_PATTERN, ActionContext, OperationSpec
from integrations.mock import operations
from integrations.mock.client import MockIntegration
from integrations.mock.models import Item, ItemList

__all__ = ["TOOLS", "CreateItemInput", "GetItemInput", "ListItemsInput"]


class GetItemInput(BaseModel):
    """Arguments of `get_item`."""

    model_config = ConfigDict(extra="forbid")

    item_id: str = Field(pattern=ID_PATTERN, description="the item's id")


class ListItemsInput(BaseModel):
    """Arguments of `list_items`."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(default=10, ge=0, le=1000, description="how many items to return")
    prefix: str = Field(default="item", min_length=1, max_length=50, description="id prefix")


class CreateItemInput(BaseModel):
    """Arguments of `create_item`."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="the new item's name")
    size: int | None = Field(default=None, ge=0, description="optional size")


def _mock(context: ActionContext) -> MockIntegration:
    return context.client_as(MockIntegration)


async def _get_item(context: ActionContext, arguments: GetItemInput) -> Item:
    return await operations.get_item(_mock(context), arguments.item_id)


async def _list_items(context: ActionContext, arguments: ListItemsInput) -> ItemList:
    return await operations.list_items(_mock(context), arguments.count, prefix=arguments.prefix)


async def _create_item(context: ActionContext, arguments: CreateItemInput) -> Item:
    extra: dict[str, Any] = {} if arguments.size is None else {"size": arguments.size}
    return await operations.create_item(_mock(context), arguments.name, **extra)


TOOLS: list[OperationSpec] = [
    OperationSpec(
        integration="mock",
        action="get_item",
        description="Read one item of the mock vendor by id.",
        input_model=GetItemInput,
        output_model=Item,
        writes=False,
        run=_get_item,
        example={"item_id": "itm-42"},
    ),
    OperationSpec(
        integration="mock",
        action="list_items",
        description="List generated items of the mock vendor (0-1000).",
        input_model=ListItemsInput,
        output_model=ItemList,
        writes=False,
        run=_list_items,
        example={"count": 3, "prefix": "p"},
    ),
    OperationSpec(
        integration="mock",
        action="create_item",
        description="Create an item at the mock vendor.",
        input_model=CreateItemInput,
        output_model=Item,
        writes=True,
        run=_create_item,
        example={"name": "Invoice", "size": 7},
    ),
]
