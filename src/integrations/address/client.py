"""`AddressIntegration`: Korean address search through juso.go.kr or Kakao Local.

The provider is configuration: credential `provider` in the runtime configuration, else
`ADDRESS_PROVIDER` in the environment or `./.env` (default `juso`). Keys: credential
`juso_key` / `kakao_key`, else `ADDRESS_JUSO_KEY` / `ADDRESS_KAKAO_KEY`.

Reads go through the whole pipeline and its response cache (a day by default). Each good
answer is also kept as the query's last good answer (`core.last_good`); when the vendor
fails (outage, 5xx, juso -999, timeouts, an open breaker, a refused or expired key, a spent
quota) that answer is returned marked `stale` with its age, and only without one does the
error reach the caller. A rejected keyword is never covered up: it is the caller's to fix.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx2

from integrations.address.exceptions import (
    AddressErrorMap,
    AddressKeyError,
    AddressNotFoundError,
    AddressQuotaExceededError,
    JusoStatusTransport,
)
from integrations.address.mapping import decode_id, from_juso, from_kakao, native_id
from integrations.address.models import AddressDetails, AddressPage
from integrations.address.spec import (
    ADDRESS_SPEC,
    JUSO_PATH,
    KAKAO_PATH,
    PROVIDERS,
    Provider,
    spec_for_provider,
)
from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.context import call_context
from integrations.core.last_good import DEFAULT_KEEP_SECONDS, LastGoodAnswers
from integrations.core.payloads import read_json
from integrations.core.spec import ProviderSpec
from integrations.environment import load_prefixed
from integrations.errors import (
    BadRequestError,
    CircuitOpenError,
    ConfigError,
    InvalidResponseError,
    ProviderServerError,
    RateLimitedError,
    TransportError,
)
from integrations.logging import get_logger

__all__ = ["KAKAO_MAX_PER_PAGE", "AddressIntegration"]

KAKAO_MAX_PER_PAGE = 30
_DETAIL_PAGE = {"juso": 100, "kakao": KAKAO_MAX_PER_PAGE}
# Failures a stale answer may stand in for: the vendor's, never the caller's keyword.
_OUTAGES = (
    TransportError,
    ProviderServerError,
    CircuitOpenError,
    RateLimitedError,
    InvalidResponseError,
    AddressKeyError,
    AddressQuotaExceededError,
)
_log = get_logger()


class AddressIntegration(BaseIntegration):
    """The address connector: `search_address` and `get_address_details` on either vendor."""

    SPEC = ADDRESS_SPEC

    def __init__(
        self,
        spec: ProviderSpec | None = None,
        *,
        credentials: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        dotenv: Path | None = Path(".env"),
        stale_keep_seconds: float = DEFAULT_KEEP_SECONDS,
        **kw: Any,
    ) -> None:
        env = load_prefixed("ADDRESS_", environ, dotenv)
        creds = {k: str(v) for k, v in (credentials or {}).items() if v not in (None, "")}
        chosen = creds.pop("provider", None) or env.get("ADDRESS_PROVIDER", "juso")
        if chosen not in PROVIDERS:
            raise ConfigError(
                f"address: provider {chosen!r} is not one of {', '.join(PROVIDERS)}",
                integration="address",
            )
        self.provider: Provider = chosen
        spec = spec or ADDRESS_SPEC
        if spec.base_url == ADDRESS_SPEC.base_url and env.get("ADDRESS_BASE_URL"):
            spec = dataclasses.replace(spec, base_url=env["ADDRESS_BASE_URL"].rstrip("/"))
        spec = spec_for_provider(spec, self.provider)
        key = f"{self.provider}_key"
        if not creds.get(key):
            if env.get(f"ADDRESS_{key.upper()}"):
                creds[key] = env[f"ADDRESS_{key.upper()}"]
            elif kw.get("is_mock"):
                creds[key] = "simulator-key"
            else:
                raise ConfigError(
                    f"address has no {self.provider} key: set {key} (ADDRESS_{key.upper()}) in "
                    "the runtime configuration, the environment or .env",
                    integration="address",
                )
        super().__init__(spec, credentials={key: creds[key]}, **kw)
        self.errors = AddressErrorMap(spec)
        self.last_good = LastGoodAnswers(
            "address", self.store, self.clock, keep_seconds=stale_keep_seconds
        )

    def wrap_transport(self, bottom: httpx2.AsyncBaseTransport) -> httpx2.AsyncBaseTransport:
        return JusoStatusTransport(bottom)

    async def health_check(self) -> HealthResult:
        """One uncached search for a known road; any answer but an error is healthy."""
        started = time.perf_counter()
        await self._fetch("세종대로", 1, 1, cache_ttl=0)
        return HealthResult(True, (time.perf_counter() - started) * 1000, "address answered")

    async def search_address(self, keyword: str, page: int = 1, per_page: int = 10) -> AddressPage:
        """One page of addresses matching `keyword`.

        Args:
            keyword: road name, building name, 지번 or a mix ("테헤란로 152").
            page: 1-based page number.
            per_page: results per page (juso: at most 100; Kakao: at most 30).

        Raises:
            AddressKeywordError, AddressTooManyResultsError: the keyword cannot be searched.
            IntegrationError: the vendor failed and no earlier answer is kept.
        """
        keyword = " ".join(keyword.split())
        if self.provider == "kakao" and per_page > KAKAO_MAX_PER_PAGE:
            problem = f"Kakao returns at most {KAKAO_MAX_PER_PAGE} results per page"
            raise BadRequestError(problem, provider=self.name, field_errors={"per_page": problem})
        key = self.last_good.key(self.provider, keyword, str(page), str(per_page))
        try:
            answer = await self._fetch(keyword, page, per_page)
        except _OUTAGES as exc:
            stale = await self.last_good.load(key)
            if stale is None:
                raise
            _log.warning(
                "address.stale_served",
                provider=self.provider,
                age_seconds=round(stale.age_seconds, 1),
                error=type(exc).__name__,
            )
            page_ = AddressPage.model_validate_json(stale.body)
            return page_.model_copy(
                update={"source": "stale", "stale": True, "stale_age_seconds": stale.age_seconds}
            )
        if answer.source == "live":
            await self.last_good.save(key, answer.model_dump_json().encode())
        return answer

    async def get_address_details(self, address_id: str) -> AddressDetails:
        """The address an id from `search_address` names (searched again, usually cached).

        Raises:
            AddressNotFoundError: the id is not one of ours, or the vendor no longer has it.
        """
        decoded = decode_id(address_id)
        if decoded is None or decoded[0] != self.provider:
            raise AddressNotFoundError(
                f"no {self.provider} address has this id (ids come from search_address)",
                provider=self.name,
                status=404,
            )
        _, keyword, native = decoded
        found = await self.search_address(keyword, 1, _DETAIL_PAGE[self.provider])
        for address in found.results:
            if native_id(address) == native:
                return AddressDetails(
                    address=address,
                    source=found.source,
                    stale=found.stale,
                    stale_age_seconds=found.stale_age_seconds,
                )
        raise AddressNotFoundError(
            f"{self.provider} no longer returns this address", provider=self.name, status=404
        )

    async def _fetch(
        self, keyword: str, page: int, per_page: int, *, cache_ttl: float | None = None
    ) -> AddressPage:
        if self.provider == "juso":
            params: dict[str, Any] = {
                "keyword": keyword,
                "currentPage": page,
                "countPerPage": per_page,
                "resultType": "json",
            }
            path = JUSO_PATH
        else:
            params, path = {"query": keyword, "page": page, "size": per_page}, KAKAO_PATH
        response = await self.request(
            "GET", path, operation="search_address", params=params, cache_ttl=cache_ttl
        )
        source = "cache" if call_context(response.request).cache_hit else "live"
        body = read_json(response)
        if self.provider == "juso":
            return _juso_page(body, keyword, page, per_page, source)
        return _kakao_page(body, keyword, page, per_page, source)


def _juso_page(body: Any, keyword: str, page: int, per_page: int, source: str) -> AddressPage:
    results = body.get("results") or {}
    common = results.get("common") or {}
    rows = results.get("juso") or []
    total = int(str(common.get("totalCount") or "0"))
    return AddressPage.model_validate(
        {
            "provider": "juso",
            "keyword": keyword,
            "page": page,
            "per_page": per_page,
            "total_count": total,
            "is_end": page * per_page >= total,
            "results": [from_juso(r) for r in rows],
            "source": source,
        }
    )


def _kakao_page(body: Any, keyword: str, page: int, per_page: int, source: str) -> AddressPage:
    meta = body.get("meta") or {}
    return AddressPage.model_validate(
        {
            "provider": "kakao",
            "keyword": keyword,
            "page": page,
            "per_page": per_page,
            "total_count": int(meta.get("total_count") or 0),
            "is_end": bool(meta.get("is_end", True)),
            "results": [from_kakao(d) for d in body.get("documents") or []],
            "source": source,
        }
    )
