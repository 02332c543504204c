"""`NiceDnbIntegration`: Korean company and representative search at NICE D&B.

Credentials: `app_key` / `app_secret` in the runtime configuration, else `NICEDNB_APP_KEY` /
`NICEDNB_APP_SECRET` in the environment or `./.env`. They are exchanged for a bearer token
(OAuth2 client credentials) before the first search and again when it nears expiry or a
search answers 401. Paths and field names come from `NiceContract` (all assumptions).

Caching is by the search itself, not by the HTTP request: a request carries the bearer
token, which changes on every refresh, so a request-keyed cache would miss after each one.
An answer is kept in the response cache's store under `cache:nicednb:<hash of the query>`
for `cache_ttl_seconds` (a day) and as the query's last good answer (`core.last_good`);
when NICE D&B fails, that answer comes back marked `stale` with its age.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.last_good import DEFAULT_KEEP_SECONDS, LastGoodAnswers
from integrations.core.payloads import read_json
from integrations.core.spec import ProviderSpec
from integrations.environment import load_prefixed
from integrations.errors import AuthError, ConfigError, ProviderError
from integrations.logging import get_logger, register_secret
from integrations.nicednb.business_number import (
    business_number_problem,
    normalise_business_number,
)
from integrations.nicednb.contract import NiceContract, contract_from_env
from integrations.nicednb.errors import OUTAGES, invalid_query
from integrations.nicednb.models import Company, CompanySearch
from integrations.nicednb.records import companies_from
from integrations.nicednb.spec import NICEDNB_SPEC

__all__ = ["NiceDnbIntegration"]

_log = get_logger()
_REFRESH_MARGIN_S = 60.0  # a token this close to expiry is replaced before use


class NiceDnbIntegration(BaseIntegration):
    """The NICE D&B connector: `search_company` and `search_representative`."""

    SPEC = NICEDNB_SPEC

    def __init__(
        self,
        spec: ProviderSpec | None = None,
        *,
        credentials: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        dotenv: Path | None = Path(".env"),
        contract: NiceContract | None = None,
        stale_keep_seconds: float = DEFAULT_KEEP_SECONDS,
        **kw: Any,
    ) -> None:
        env = load_prefixed("NICEDNB_", environ, dotenv)
        spec = spec or NICEDNB_SPEC
        if spec.base_url == NICEDNB_SPEC.base_url and env.get("NICEDNB_BASE_URL"):
            spec = dataclasses.replace(spec, base_url=env["NICEDNB_BASE_URL"].rstrip("/"))
        creds = {k: str(v) for k, v in (credentials or {}).items() if v not in (None, "")}
        for name in ("app_key", "app_secret"):
            if not creds.get(name) and env.get(f"NICEDNB_{name.upper()}"):
                creds[name] = env[f"NICEDNB_{name.upper()}"]
            elif not creds.get(name) and kw.get("is_mock"):
                creds[name] = f"simulator-{name}"
        missing = [n for n in ("app_key", "app_secret") if not creds.get(n)]
        if missing:
            raise ConfigError(
                f"nicednb has no {' or '.join(missing)}: set them (NICEDNB_APP_KEY, "
                "NICEDNB_APP_SECRET) in the runtime configuration, the environment or .env",
                integration="nicednb",
            )
        self.contract = contract or contract_from_env(env)
        super().__init__(spec, credentials=creds, **kw)
        self._token_expires_at = 0.0
        self._token_lock = asyncio.Lock()
        self.last_good = LastGoodAnswers(
            "nicednb", self.store, self.clock, keep_seconds=stale_keep_seconds
        )

    async def health_check(self) -> HealthResult:
        """A token exchange: proves host and credentials without spending a search."""
        started = self.clock.now()
        await self._ensure_token(force=True)
        return HealthResult(True, (self.clock.now() - started) * 1000, "token issued")

    async def search_company(
        self, *, business_number: str | None = None, name: str | None = None
    ) -> CompanySearch:
        """Companies with this business number (exact) or whose name contains `name`.

        Raises:
            BadRequestError: neither or both given, or a business number that fails its check.
            IntegrationError: NICE D&B failed and no earlier answer is kept.
        """
        if (business_number is None) == (name is None):
            raise invalid_query("business_number", "give either business_number or name")
        c = self.contract
        if business_number is not None:
            problem = business_number_problem(business_number)
            if problem:
                raise invalid_query("business_number", problem)
            number = normalise_business_number(business_number)
            query, params = {"business_number": number}, {c.business_number_param: number}
        else:
            text = " ".join(str(name).split())
            query, params = {"name": text}, {c.company_name_param: text}
        return await self._search("search_company", c.company_path, query, params)

    async def search_representative(self, name: str, birth: str | None = None) -> CompanySearch:
        """Companies whose representative is `name` (born on `birth`, YYYYMMDD, if given)."""
        c = self.contract
        query = {"representative": " ".join(name.split())}
        params = {c.representative_name_param: query["representative"]}
        if birth:
            query["birth"] = params[c.birth_param] = birth
        return await self._search("search_representative", c.representative_path, query, params)

    async def _search(
        self, operation: str, path: str, query: dict[str, str], params: dict[str, str]
    ) -> CompanySearch:
        parts = [operation, *(f"{k}={v}" for k, v in sorted(query.items()))]
        cache_key = "cache:nicednb:" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()
        ttl = self.spec.cache_ttl_seconds
        if ttl > 0 and (cached := await self.cache.get(self.name, cache_key)) is not None:
            return CompanySearch.model_validate_json(cached).model_copy(update={"source": "cache"})
        try:
            companies = await self._fetch(operation, path, params)
        except OUTAGES as exc:
            stale = await self.last_good.load(self.last_good.key(*parts))
            if stale is None:
                raise
            _log.warning(
                "nicednb.stale_served",
                operation=operation,
                age_seconds=round(stale.age_seconds, 1),
                error=type(exc).__name__,
            )
            found = CompanySearch.model_validate_json(stale.body)
            update = {"source": "stale", "stale": True, "stale_age_seconds": stale.age_seconds}
            return found.model_copy(update=update)
        answer = CompanySearch(query=query, companies=companies)
        body = answer.model_dump_json().encode()
        await self.cache.set(cache_key, body, ttl)
        await self.last_good.save(self.last_good.key(*parts), body)
        return answer

    async def _fetch(self, operation: str, path: str, params: dict[str, str]) -> list[Company]:
        await self._ensure_token()
        try:
            response = await self.request("GET", path, operation=operation, params=params)
        except AuthError:  # revoked or expired early: one fresh token, one more try
            await self._ensure_token(force=True)
            response = await self.request("GET", path, operation=operation, params=params)
        return companies_from(read_json(response), self.contract)

    async def _ensure_token(self, *, force: bool = False) -> None:
        async with self._token_lock:
            fresh = self.clock.now() < self._token_expires_at - _REFRESH_MARGIN_S
            if fresh and not force and self.credentials.get("access_token"):
                return
            c = self.contract
            body = {
                c.token_key_field: self.credentials["app_key"],
                c.token_secret_field: self.credentials["app_secret"],
                "grantType": "client_credentials",
                "scope": c.token_scope,
            }
            self.credentials.pop("access_token", None)  # never send the old one along
            response = await self.request("POST", c.token_path, operation="fetch_token", json=body)
            answer = response.json()
            token = answer.get(c.token_field) if isinstance(answer, dict) else None
            if not isinstance(token, str) or not token:
                raise ProviderError(
                    f"the token answer has no {c.token_field!r}", provider=self.name, status=200
                )
            register_secret(token)
            self.credentials["access_token"] = token
            expires = float(answer.get(c.token_expires_field) or 3600)
            self._token_expires_at = self.clock.now() + expires
            _log.info("nicednb.token_issued", expires_in=expires)
