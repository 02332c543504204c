"""The one address model both providers map into, and the pages and lookups that carry it.

Both vendors send every number as a string (juso even `totalCount`); here they are ints and
floats, except postal codes and administrative codes, which are identifiers with meaningful
leading zeros and stay strings. A field a provider does not give is None: juso's search API
gives no coordinates and Kakao no English address (see the README's context gaps).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Address", "AddressDetails", "AddressPage", "Source"]

# live: the vendor answered now; cache: the response cache answered (within its TTL);
# stale: the vendor failed and this is the last good answer, `stale_age_seconds` old.
Source = Literal["live", "cache", "stale"]


class Address(BaseModel):
    """One Korean address: road and jibun forms, region parts, codes, coordinates."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(description="opaque id for get_address_details")
    provider: Literal["juso", "kakao"]
    zip_code: str = Field(description="5-digit postal code (국가기초구역번호)")
    road_address: str = Field(description="도로명주소, without the reference part")
    road_address_reference: str = Field(default="", description="참고항목, e.g. (역삼동, 빌딩)")
    jibun_address: str = Field(description="지번주소")
    english_address: str | None = Field(default=None, description="juso only")
    building_name: str | None = None
    sido: str = Field(description="시/도")
    sigungu: str = Field(description="시/군/구")
    eupmyeondong: str = Field(description="읍/면/동 (법정동)")
    road_name: str
    building_main_no: int
    building_sub_no: int = 0
    underground: bool = False
    legal_dong_code: str = Field(description="10-digit 법정동 code (juso admCd, Kakao b_code)")
    admin_dong_code: str | None = Field(default=None, description="행정동 code (Kakao h_code)")
    road_name_code: str | None = Field(default=None, description="juso rnMgtSn")
    building_code: str | None = Field(default=None, description="25-digit juso bdMgtSn")
    longitude: float | None = Field(default=None, description="WGS84, Kakao only")
    latitude: float | None = Field(default=None, description="WGS84, Kakao only")


class _Freshness(BaseModel):
    source: Source = "live"
    stale: bool = False
    stale_age_seconds: float | None = None


class AddressPage(_Freshness):
    """One page of search results, with where it came from."""

    provider: Literal["juso", "kakao"]
    keyword: str
    page: int
    per_page: int
    total_count: int
    is_end: bool
    results: list[Address]


class AddressDetails(_Freshness):
    """One address looked up by id."""

    address: Address
