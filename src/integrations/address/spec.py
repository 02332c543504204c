"""Korean address search as data: juso.go.kr by default, Kakao Local by configuration.

Both vendors answer reads that rarely change, so answers are cached for a day by default
(`cache_ttl_seconds`, runtime-configurable). juso takes its key as the `confmKey` query
parameter; Kakao as `Authorization: KakaoAK <key>`: `spec_for_provider` swaps the auth and,
unless a base URL was configured, the host.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from integrations.core.spec import AuthSpec, ProviderSpec, RetrySpec

__all__ = [
    "ADDRESS_SPEC",
    "JUSO_BASE_URL",
    "JUSO_PATH",
    "KAKAO_BASE_URL",
    "KAKAO_PATH",
    "PROVIDERS",
    "Provider",
    "spec_for_provider",
]

Provider = Literal["juso", "kakao"]
PROVIDERS: tuple[Provider, ...] = ("juso", "kakao")
JUSO_BASE_URL = "https://business.juso.go.kr"
JUSO_PATH = "/addrlink/addrLinkApi.do"
KAKAO_BASE_URL = "https://dapi.kakao.com"
KAKAO_PATH = "/v2/local/search/address.json"

_JUSO_AUTH = AuthSpec(scheme="query", name="confmKey", credential="juso_key")
_KAKAO_AUTH = AuthSpec(
    scheme="header", name="Authorization", prefix="KakaoAK ", credential="kakao_key"
)

ADDRESS_SPEC = ProviderSpec(
    name="address",
    base_url=JUSO_BASE_URL,
    auth=_JUSO_AUTH,
    retry=RetrySpec(),
    pagination="page",
    cache_ttl_seconds=86_400.0,
    timeout_seconds=10.0,
    deadline_seconds=30.0,
    # The keys go to the two vendors' hosts only (loopback aside, for the simulator).
    allowed_hosts=("business.juso.go.kr", "www.juso.go.kr", "dapi.kakao.com"),
)


def spec_for_provider(spec: ProviderSpec, provider: Provider) -> ProviderSpec:
    """`spec` with `provider`'s auth, and its host unless a base URL was configured."""
    if provider == "juso":
        return dataclasses.replace(spec, auth=_JUSO_AUTH)
    base_url = KAKAO_BASE_URL if spec.base_url == JUSO_BASE_URL else spec.base_url
    return dataclasses.replace(spec, auth=_KAKAO_AUTH, base_url=base_url)
