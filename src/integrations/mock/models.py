"""Payload models of the mock API (pydantic at the boundary, unknown fields ignored)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Item", "ItemCreate", "ItemList"]


class Item(BaseModel):
    """One item of the mock API."""

    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    created_at: dt.datetime
    size: int = Field(ge=0)


class ItemList(BaseModel):
    """A page of items."""

    model_config = ConfigDict(extra="ignore")

    items: list[Item]
    count: int = Field(ge=0)


class ItemCreate(BaseModel):
    """What `create_item` sends."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1, max_length=200)
