"""juso.go.kr's road-name address search API, as the address simulator answers it.

`GET|POST /addrlink/addrLinkApi.do` with `confmKey`, `keyword`, `currentPage`, `countPerPage`,
`resultType=json`. Every answer is HTTP 200; failures are an `errorCode` in the body:

| code | when |
|---|---|
| `0` | 정상 |
| `-999` | a system error (`sim.juso_system_errors` > 0 answers it that many times) |
| `E0001` | missing key, or one in `sim.unapproved_keys` |
| `E0005` | empty keyword |
| `E0006` | the keyword is only a 시/도 name |
| `E0008` | a one-character keyword |
| `E0009` | digits only |
| `E0010` | longer than 80 characters (40 with Hangul) |
| `E0011` | a number of more than 10 digits |
| `E0012` | special characters and digits only |
| `E0013` | SQL words or `% = > < [ ]` |
| `E0014` | a key in `sim.expired_keys` (expired development key) |
| `E0015` | more than `sim.max_results` (9,000) matches |

Every number in the body is a string, as at juso.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import JSONResponse

from integrations.simulators.address_data import SimAddress, search

if TYPE_CHECKING:
    from integrations.simulators.address import AddressSimulator

__all__ = ["JUSO_MESSAGES", "JUSO_PATH", "install_juso", "keyword_error"]

JUSO_PATH = "/addrlink/addrLinkApi.do"
MAX_PER_PAGE = 100
JUSO_MESSAGES = {
    "0": "정상",
    "-999": "시스템에러",
    "E0001": "승인되지 않은 KEY 입니다.",
    "E0005": "검색어가 입력되지 않았습니다.",
    "E0006": "주소를 상세히 입력해 주시기 바랍니다.",
    "E0008": "검색어는 두글자 이상 입력되어야 합니다.",
    "E0009": "검색어는 문자와 숫자 같이 입력되어야 합니다.",
    "E0010": "검색어가 너무 깁니다. (한글40자, 영문,숫자 80자 이하)",
    "E0011": "검색어에 너무 긴 숫자가 포함되어 있습니다. (숫자10자 이하)",
    "E0012": "특수문자+숫자만으로는 검색이 불가능 합니다.",
    "E0013": "검색어에 SQL 예약어 또는 특수문자(%,=,>,<,[,])는 입력될 수 없습니다.",
    "E0014": "개발승인키 기간이 만료되어 서비스를 이용하실 수 없습니다.",
    "E0015": "검색 범위를 초과하였습니다.",
}
_SIDO_ONLY = {
    "서울", "서울시", "서울특별시", "부산", "부산광역시", "대구", "대구광역시", "인천",
    "인천광역시", "광주", "광주광역시", "대전", "대전광역시", "울산", "울산광역시", "세종",
    "세종특별자치시", "경기", "경기도", "강원", "강원도", "충북", "충청북도", "충남",
    "충청남도", "전북", "전라북도", "전남", "전라남도", "경북", "경상북도", "경남",
    "경상남도", "제주", "제주도", "제주특별자치도",
}  # fmt: skip
_SQL = re.compile(r"\b(select|insert|update|delete|drop|union|exec|or\s+1\s*=\s*1)\b", re.I)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def keyword_error(keyword: str) -> str | None:
    """The E-code juso gives `keyword`, or None when it may be searched."""
    text = keyword.strip()
    if not text:
        return "E0005"
    if _SQL.search(text) or any(c in text for c in "%=><[]"):
        return "E0013"
    if len(text) > (40 if _HANGUL.search(text) else 80):
        return "E0010"
    if len(text) == 1:
        return "E0008"
    if text.isdigit():
        return "E0009"
    if any(len(run) > 10 for run in re.findall(r"\d+", text)):
        return "E0011"
    if not re.search(r"[A-Za-z\uac00-\ud7a3]", text):
        return "E0012"
    if text in _SIDO_ONLY:
        return "E0006"
    return None


def _row(a: SimAddress) -> dict[str, str]:
    b = a.base
    road_part1 = b.road_address
    return {
        "roadAddr": a.road_full,
        "roadAddrPart1": road_part1,
        "roadAddrPart2": a.road_full[len(road_part1) :].strip(),
        "jibunAddr": f"{b.jibun_address} {b.building_name}".strip(),
        "engAddr": b.eng_address,
        "zipNo": b.zip_code,
        "admCd": b.adm_code,
        "rnMgtSn": f"{b.adm_code[:5]}3{a.building_main % 1000:03d}{a.jibun_main % 1000:03d}",
        "bdMgtSn": b.building_mgmt_no,
        "detBdNmList": "",
        "bdNm": b.building_name,
        "bdKdcd": "1" if b.building_name.endswith("아파트") else "0",
        "siNm": b.sido,
        "sggNm": b.sigungu,
        "emdNm": b.emd,
        "liNm": "",
        "rn": b.road_name,
        "udrtYn": "0",
        "buldMnnm": str(a.building_main),
        "buldSlno": str(a.building_sub),
        "mtYn": "0",
        "lnbrMnnm": str(a.jibun_main),
        "lnbrSlno": str(a.jibun_sub),
        "emdNo": "01",
    }


def _body(code: str, juso: list[dict[str, str]] | None, total: int, page: int, per: int) -> Any:
    common = {
        "totalCount": str(total),
        "currentPage": str(page),
        "countPerPage": str(per),
        "errorCode": code,
        "errorMessage": JUSO_MESSAGES[code],
    }
    return {"results": {"common": common, "juso": juso}}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def answer(sim: AddressSimulator, params: dict[str, str]) -> Any:
    """The body juso gives for these parameters (always sent with HTTP 200)."""
    page = max(1, _int(params.get("currentPage"), 1))
    per = min(MAX_PER_PAGE, max(1, _int(params.get("countPerPage"), 10)))
    key = params.get("confmKey", "")
    code: str | None = None
    if not key or key in sim.unapproved_keys:
        code = "E0001"
    elif key in sim.expired_keys:
        code = "E0014"
    elif sim.juso_system_errors > 0:
        sim.juso_system_errors -= 1
        code = "-999"
    else:
        code = keyword_error(params.get("keyword", ""))
    if code is not None:
        return _body(code, None, 0, page, per)
    found = search(sim.addresses, params["keyword"])
    if len(found) > sim.max_results:
        return _body("E0015", None, 0, page, per)
    rows = [_row(a) for a in found[(page - 1) * per : page * per]]
    return _body("0", rows, len(found), page, per)


def install_juso(sim: AddressSimulator) -> None:
    """Add juso's search route (GET with a query, or POST with a form) to `sim.app`."""

    @sim.app.api_route(JUSO_PATH, methods=["GET", "POST"], include_in_schema=False)
    async def addr_link(request: Request) -> JSONResponse:
        params = dict(request.query_params)
        if request.method == "POST":
            form = await request.form()
            params |= {k: str(v) for k, v in form.items()}
        return JSONResponse(answer(sim, params))
