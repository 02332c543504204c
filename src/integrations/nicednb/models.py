"""Company records as NICE D&B (or an operator, by manual entry) describes them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Company", "CompanySearch", "SearchSource"]

# live: NICE D&B answered now; cache: within the cache TTL; stale: NICE D&B failed and this
# is the last good answer, `stale_age_seconds` old; manual: NICE D&B failed or found nothing,
# and these are operator-entered records.
SearchSource = Literal["live", "cache", "stale", "manual"]


class Company(BaseModel):
    """One company record."""

    model_config = ConfigDict(extra="ignore")

    business_number: str = Field(description="사업자등록번호, 10 digits without dashes")
    name: str
    name_en: str | None = None
    representative: str | None = None
    address: str | None = None
    industry: str | None = None
    established: str | None = Field(default=None, description="YYYYMMDD as the source gives it")
    credit_grade: str | None = None
    source: Literal["nicednb", "manual"] = "nicednb"


class CompanySearch(BaseModel):
    """The answer to one search: the companies, and how fresh they are."""

    query: dict[str, str]
    companies: list[Company]
    source: SearchSource = "live"
    stale: bool = False
    stale_age_seconds: float | None = None
