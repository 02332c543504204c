"""Mock API operations: one typed async function each."""

from __future__ import annotations

from typing import Any

from integrations.core.payloads import read_model
from integrations.core.urls import quote_segment
from integrations.mock.client import MockIntegration
from integrations.mock.models import Item, ItemCreate, ItemList

__all__ = ["create_item", "get_item", "list_items"]


async def get_item(client: MockIntegration, item_id: str) -> Item:
    """Read one item; the answer echoes `item_id`."""
    response = await client.request("GET", f"/items/{quote_segment(item_id)}", operation="get_item")
    return read_model(response, Item)


async def list_items(client: MockIntegration, count: int = 10, *, prefix: str = "item") -> ItemList:
    """Read `count` generated items (0-1000)."""
    response = await client.request(
        "GET", "/items", operation="list_items", params={"count": count, "prefix": prefix}
    )
    return read_model(response, ItemList)


async def create_item(client: MockIntegration, name: str, **fields: Any) -> Item:
    """Create an item; the answer echoes the fields with a new id."""
    body = ItemCreate(name=name, **fields).model_dump(mode="json")
    response = await client.request("POST", "/items", operation="create_item", json=body)
    return read_model(response, Item)
