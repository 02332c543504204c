"""The NICE D&B simulator: the *assumed* contract, since no vendor contract is public.

What third-party integration code suggests, plus our guesses for the search routes (the
connector's defaults; a deployment configures the real ones):

- `POST /nice/oauth/v1.0/accesstoken` JSON `{appKey, appSecret, grantType:
  "client_credentials", scope: "oob"}` → `{accessToken, expiresIn, tokenType}`; wrong
  credentials → 401, a grant type other than client_credentials → 400. Tokens expire after
  `token_lifetime` seconds of simulated time (`advance()` moves it).
- `GET /nice/api/v1.0/companies?bizNo=` (exact, dashes ignored) or `?cmpNm=` (contains)
- `GET /nice/api/v1.0/representatives?ceoNm=` (exact) `[&birthDt=YYYYMMDD]`
  Both need `Authorization: Bearer <token>` (401 otherwise) and answer
  `{dataHeader: {resultCode: "0000", resultMessage}, dataBody: {totalCount, list: [...]}}`
  with `bizNo, cmpNm, cmpEnm, ceoNm, addr, indNm, estbDt, crcdGrade` per record. A search
  without its parameter answers HTTP 200 with `resultCode` "1001".

The data set is 200 seeded companies (`datagen_ko`), some sharing a representative's name.
Credentials: `app_keys` maps app key → secret; empty (the default) accepts any pair.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from integrations.simulators.datagen_ko import (
    business_number,
    korean_address,
    korean_company,
    korean_name,
)
from integrations.simulators.kit import Simulator

__all__ = ["SEEDED_COMPANIES", "NiceDnbSimulator", "SimCompany", "create_simulator"]

SEEDED_COMPANIES = 200
_INDUSTRIES = ("소프트웨어 개발", "도매업", "건설업", "식품 제조", "물류", "경영 컨설팅")
_GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC")


@dataclass(frozen=True, slots=True)
class SimCompany:
    """One seeded company record, in the field names of the assumed contract."""

    record: dict[str, str]
    ceo_birth: str


def seeded_companies(seed: int, count: int = SEEDED_COMPANIES) -> list[SimCompany]:
    """`count` companies with distinct business numbers; every fifth shares a CEO name."""
    rng = random.Random(f"nicednb-{seed}")
    found: dict[str, SimCompany] = {}
    while len(found) < count:
        number = business_number(rng).replace("-", "")
        if number in found:
            continue
        name = korean_company(rng)
        earlier = list(found.values())
        if earlier and len(found) % 5 == 0:  # a representative of several companies
            twin = rng.choice(earlier)
            ceo, birth = twin.record["ceoNm"], twin.ceo_birth
        else:
            ceo = korean_name(rng)
            birth = f"{rng.randint(1950, 1995)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        record = {
            "bizNo": number,
            "cmpNm": name,
            "cmpEnm": f"Company {number[-5:]} Co., Ltd.",
            "ceoNm": ceo,
            "addr": korean_address(rng).road_address,
            "indNm": rng.choice(_INDUSTRIES),
            "estbDt": f"{rng.randint(1980, 2023)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
            "crcdGrade": rng.choice(_GRADES),
        }
        found[number] = SimCompany(record, birth)
    return list(found.values())


class NiceDnbSimulator(Simulator):
    """Seeded companies, issued tokens and their expiry."""

    def __init__(self, *, seed: int = 0, token_lifetime: float = 3600.0) -> None:
        super().__init__("nicednb", seed=seed)
        self.companies = seeded_companies(seed)
        self.token_lifetime = token_lifetime
        self.app_keys: dict[str, str] = {}
        self.tokens: dict[str, float] = {}  # token → expiry (simulated time)
        self.on_reset.append(self.tokens.clear)

    def token_error(self, request: Request) -> JSONResponse | None:
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        expires = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if expires is None or expires <= self.clock.now():
            why = "access token expired" if expires is not None else "invalid access token"
            return _answer("1401", why, status=401)
        return None

    def issue(self, body: Any) -> JSONResponse:
        if not isinstance(body, dict) or body.get("grantType") != "client_credentials":
            return _answer("1400", "grantType must be client_credentials", status=400)
        key, secret = str(body.get("appKey") or ""), str(body.get("appSecret") or "")
        known = self.app_keys.get(key) == secret if self.app_keys else bool(key and secret)
        if not known:
            return _answer("1401", "invalid appKey or appSecret", status=401)
        token = secrets.token_urlsafe(24)
        self.tokens[token] = self.clock.now() + self.token_lifetime
        body = {"accessToken": token, "expiresIn": int(self.token_lifetime), "tokenType": "Bearer"}
        return JSONResponse(body)


def _answer(
    code: str, message: str, records: list[dict[str, str]] | None = None, *, status: int = 200
) -> JSONResponse:
    header = {"resultCode": code, "resultMessage": message}
    body: dict[str, Any] = {"dataHeader": header}
    if records is not None:
        body["dataBody"] = {"totalCount": str(len(records)), "list": records}
    return JSONResponse(body, status_code=status)


def create_simulator(seed: int = 0, *, token_lifetime: float = 3600.0) -> NiceDnbSimulator:
    """The NICE D&B simulator app with its token and search routes."""
    sim = NiceDnbSimulator(seed=seed, token_lifetime=token_lifetime)

    @sim.app.post("/nice/oauth/v1.0/accesstoken", include_in_schema=False)
    async def access_token(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        return sim.issue(body)

    @sim.app.get("/nice/api/v1.0/companies", include_in_schema=False)
    async def companies(request: Request) -> JSONResponse:
        refused = sim.token_error(request)
        if refused is not None:
            return refused
        number = (request.query_params.get("bizNo") or "").replace("-", "").strip()
        name = (request.query_params.get("cmpNm") or "").strip()
        if not number and not name:
            return _answer("1001", "bizNo or cmpNm is required")
        found = [
            c.record
            for c in sim.companies
            if (number and c.record["bizNo"] == number) or (name and name in c.record["cmpNm"])
        ]
        return _answer("0000", "정상", found)

    @sim.app.get("/nice/api/v1.0/representatives", include_in_schema=False)
    async def representatives(request: Request) -> JSONResponse:
        refused = sim.token_error(request)
        if refused is not None:
            return refused
        name = (request.query_params.get("ceoNm") or "").strip()
        birth = (request.query_params.get("birthDt") or "").strip()
        if not name:
            return _answer("1001", "ceoNm is required")
        found = [
            c.record
            for c in sim.companies
            if c.record["ceoNm"] == name and (not birth or c.ceo_birth == birth)
        ]
        return _answer("0000", "정상", found)

    return sim
