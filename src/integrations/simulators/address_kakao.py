"""Kakao Local's address search, as the address simulator answers it.

`GET /v2/local/search/address.json?query=&page=&size=` with `Authorization: KakaoAK <key>`.

- No or wrong key: 401 `{"errorType": "AccessDeniedError", "message": ...}`; a key in
  `sim.kakao_keys` is required when that set is not empty (empty: any key).
- Missing `query`: 400 `MissingParameter`; `page` outside 1-45 or `size` outside 1-30:
  400 `InvalidArgument`.
- Quota: after `sim.kakao_quota` calls (None: unlimited) every call answers Kakao's platform
  error, 400 `{"code": -10, "msg": "API limit has been exceeded."}`.
- Answer: `{meta: {total_count, pageable_count, is_end}, documents: [...]}` with `x`/`y`
  coordinates as strings; `pageable_count` stops at 45 pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import JSONResponse

from integrations.simulators.address_data import SimAddress, search

if TYPE_CHECKING:
    from integrations.simulators.address import AddressSimulator

__all__ = ["KAKAO_PATH", "install_kakao"]

KAKAO_PATH = "/v2/local/search/address.json"
_MAX_PAGE, _MAX_SIZE = 45, 30


def _error(status: int, error_type: str, message: str) -> JSONResponse:
    return JSONResponse({"errorType": error_type, "message": message}, status_code=status)


def _document(a: SimAddress) -> dict[str, Any]:
    b = a.base
    jibun = {
        "address_name": b.jibun_address,
        "region_1depth_name": b.sido,
        "region_2depth_name": b.sigungu,
        "region_3depth_name": b.emd,
        "region_3depth_h_name": f"{b.emd}",
        "h_code": f"{b.adm_code[:8]}00",
        "b_code": b.adm_code,
        "mountain_yn": "N",
        "main_address_no": str(a.jibun_main),
        "sub_address_no": str(a.jibun_sub) if a.jibun_sub else "",
        "x": a.longitude,
        "y": a.latitude,
    }
    road = {
        "address_name": b.road_address,
        "region_1depth_name": b.sido,
        "region_2depth_name": b.sigungu,
        "region_3depth_name": b.emd,
        "road_name": b.road_name,
        "underground_yn": "N",
        "main_building_no": str(a.building_main),
        "sub_building_no": str(a.building_sub) if a.building_sub else "",
        "building_name": b.building_name,
        "zone_no": b.zip_code,
        "x": a.longitude,
        "y": a.latitude,
    }
    return {
        "address_name": b.road_address,
        "address_type": "ROAD_ADDR",
        "x": a.longitude,
        "y": a.latitude,
        "address": jibun,
        "road_address": road,
    }


def _int(value: str | None, default: int) -> int | None:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return None


def answer(sim: AddressSimulator, request: Request) -> JSONResponse:
    """Kakao's answer to one address search request."""
    scheme, _, key = (request.headers.get("authorization") or "").partition(" ")
    if scheme != "KakaoAK" or not key.strip():
        return _error(401, "AccessDeniedError", "cannot find appkey")
    if sim.kakao_keys and key.strip() not in sim.kakao_keys:
        return _error(401, "AccessDeniedError", f"wrong appKey({key.strip()[:4]}...) format")
    if sim.kakao_quota is not None:
        if sim.kakao_quota <= 0:
            body = {"code": -10, "msg": "API limit has been exceeded."}
            return JSONResponse(body, status_code=400)
        sim.kakao_quota -= 1
    query = request.query_params.get("query", "").strip()
    if not query:
        return _error(400, "MissingParameter", "query parameter required")
    page = _int(request.query_params.get("page"), 1)
    size = _int(request.query_params.get("size"), 10)
    if page is None or not 1 <= page <= _MAX_PAGE:
        return _error(400, "InvalidArgument", f"page is more than max ({_MAX_PAGE})")
    if size is None or not 1 <= size <= _MAX_SIZE:
        return _error(400, "InvalidArgument", f"size is more than max ({_MAX_SIZE})")
    found = search(sim.addresses, query)
    pageable = min(len(found), _MAX_PAGE * size)
    documents = [_document(a) for a in found[(page - 1) * size : page * size]]
    meta = {
        "total_count": len(found),
        "pageable_count": pageable,
        "is_end": page * size >= pageable,
    }
    return JSONResponse({"meta": meta, "documents": documents})


def install_kakao(sim: AddressSimulator) -> None:
    """Add Kakao's address search route to `sim.app`."""

    @sim.app.get(KAKAO_PATH, include_in_schema=False)
    async def search_address(request: Request) -> JSONResponse:
        return answer(sim, request)
