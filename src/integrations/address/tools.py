"""Address operations, declared once (`TOOLS`): REST actions, `integrations call`, MCP tools.

Both are reads: nothing changes at the vendor, so MCP offers them without an allow-list.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from integrations.actions.declaration import ActionContext, OperationSpec
from integrations.address.client import AddressIntegration
from integrations.address.models import AddressDetails, AddressPage

__all__ = ["TOOLS", "AddressIdInput", "SearchAddressInput"]


class SearchAddressInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keyword: str = Field(
        min_length=1, max_length=200, description="road, building or 지번, e.g. 테헤란로 152"
    )
    page: int = Field(default=1, ge=1, le=1000)
    per_page: int = Field(default=10, ge=1, le=100, description="juso: up to 100; Kakao: 30")


class AddressIdInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        pattern=r"^[A-Za-z0-9_\-]{8,1000}$", description="an address id from search_address"
    )


async def _search(context: ActionContext, args: SearchAddressInput) -> AddressPage:
    client = context.client_as(AddressIntegration)
    return await client.search_address(args.keyword, args.page, args.per_page)


async def _details(context: ActionContext, args: AddressIdInput) -> AddressDetails:
    return await context.client_as(AddressIntegration).get_address_details(args.id)


# A simulator address (seed 0): its road address pins exactly one building.
_EXAMPLE_ID = (
    "WyJqdXNvIiwi7ISc7Jq47Yq567OE7IucIOqwleuCqOq1rCDthYztl6TrnoDroZwgMTIiLCIx"
    "MTY4MDEwMTAwMDAwNDAwMDAwMDk1ODI3Il0"
)

TOOLS: list[OperationSpec] = [
    OperationSpec(
        "address",
        "search_address",
        "Search Korean addresses (road, building or 지번): zip, road/jibun/English forms, "
        "region parts, codes; paged.",
        SearchAddressInput,
        AddressPage,
        False,
        _search,
        example={"keyword": "테헤란로", "per_page": 5},
    ),
    OperationSpec(
        "address",
        "get_address_details",
        "One address by the id a search returned.",
        AddressIdInput,
        AddressDetails,
        False,
        _details,
        example={"id": _EXAMPLE_ID},
    ),
]
