"""NICE D&B operations, declared once (`TOOLS`): REST actions, `integrations call`, MCP tools.

Both are reads. With the database at hand (the server, the CLI), they fall back to the
manual entries; without it, to the client's cache and last good answers only.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from integrations.actions.declaration import ActionContext, OperationSpec
from integrations.nicednb import operations as ops
from integrations.nicednb.client import NiceDnbIntegration
from integrations.nicednb.models import CompanySearch
from integrations.storage.db import Database

__all__ = ["TOOLS", "SearchCompanyInput", "SearchRepresentativeInput"]


class SearchCompanyInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    business_number: str | None = Field(
        default=None, pattern=r"^[0-9\- ]{10,14}$", description="사업자등록번호 (exact)"
    )
    name: str | None = Field(
        default=None, min_length=1, max_length=200, description="part of the company name"
    )

    @model_validator(mode="after")
    def _one_term(self) -> SearchCompanyInput:
        if (self.business_number is None) == (self.name is None):
            raise ValueError("give exactly one of business_number and name")
        return self


class SearchRepresentativeInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="the representative's name")
    birth: str | None = Field(default=None, pattern=r"^\d{8}$", description="YYYYMMDD")


def _db(context: ActionContext) -> Database | None:
    return context.services.db if context.services is not None else None


async def _company(context: ActionContext, args: SearchCompanyInput) -> CompanySearch:
    client = context.client_as(NiceDnbIntegration)
    return await ops.search_company(
        client, _db(context), business_number=args.business_number, name=args.name
    )


async def _representative(context: ActionContext, args: SearchRepresentativeInput) -> CompanySearch:
    client = context.client_as(NiceDnbIntegration)
    return await ops.search_representative(client, _db(context), name=args.name, birth=args.birth)


TOOLS: list[OperationSpec] = [
    OperationSpec(
        "nicednb",
        "search_company",
        "Find Korean companies by business registration number (exact) or name (part): "
        "name, representative, address, industry, founding date, credit grade.",
        SearchCompanyInput,
        CompanySearch,
        False,
        _company,
        example={"name": "테크"},
    ),
    OperationSpec(
        "nicednb",
        "search_representative",
        "Find the companies a person represents, by name (and birth date, YYYYMMDD).",
        SearchRepresentativeInput,
        CompanySearch,
        False,
        _representative,
        example={"name": "오지안"},
    ),
]
