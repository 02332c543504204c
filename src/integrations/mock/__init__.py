"""The mock connector: the whole pipeline against an in-process mock vendor."""

from integrations.mock.client import MockIntegration
from integrations.mock.models import Item, ItemCreate, ItemList

__all__ = ["Item", "ItemCreate", "ItemList", "MockIntegration"]
