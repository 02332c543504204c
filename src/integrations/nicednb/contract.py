"""The assumed NICE D&B contract, every path and field name of it configuration.

NICE D&B publishes no API contract: its developer portal is closed, and the product
endpoints are set per customer agreement. What is below are the assumptions found in
third-party integration code (OAuth2 client credentials at `/nice/oauth/v1.0/accesstoken`
with `{appKey, appSecret, grantType, scope}` → `{accessToken, expiresIn}`; answers shaped
`{dataHeader, dataBody}` with fields such as `bizNo, cmpNm, cmpEnm, ceoNm, addr, indNm,
estbDt, crcdGrade`) plus our own guesses for the search paths and parameters. Each is a
default that `NICEDNB_CONTRACT` (a JSON object of any fields below) or the single
`NICEDNB_*_PATH` variables replace, so the agreed contract needs no code change.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass

from integrations.errors import ConfigError

__all__ = ["NiceContract", "contract_from_env"]


@dataclass(frozen=True, slots=True)
class NiceContract:
    """Where NICE D&B's endpoints are and what its fields are called (all assumptions)."""

    token_path: str = "/nice/oauth/v1.0/accesstoken"  # noqa: S105 (a name)
    token_key_field: str = "appKey"  # noqa: S105 (a name)
    token_secret_field: str = "appSecret"  # noqa: S105 (a name)
    token_scope: str = "oob"  # noqa: S105 (a name)
    token_field: str = "accessToken"  # noqa: S105 (a name)
    token_expires_field: str = "expiresIn"  # noqa: S105 (a name; its value in seconds)
    company_path: str = "/nice/api/v1.0/companies"
    representative_path: str = "/nice/api/v1.0/representatives"
    business_number_param: str = "bizNo"
    company_name_param: str = "cmpNm"
    representative_name_param: str = "ceoNm"
    birth_param: str = "birthDt"  # YYYYMMDD
    result_code_path: str = "dataHeader.resultCode"
    ok_codes: tuple[str, ...] = ("0000",)
    records_path: str = "dataBody.list"
    business_number_field: str = "bizNo"
    name_field: str = "cmpNm"
    name_en_field: str = "cmpEnm"
    representative_field: str = "ceoNm"
    address_field: str = "addr"
    industry_field: str = "indNm"
    established_field: str = "estbDt"
    credit_grade_field: str = "crcdGrade"


_PATH_VARS = {
    "NICEDNB_TOKEN_PATH": "token_path",
    "NICEDNB_COMPANY_PATH": "company_path",
    "NICEDNB_REPRESENTATIVE_PATH": "representative_path",
}


def contract_from_env(env: Mapping[str, str]) -> NiceContract:
    """The default contract with `NICEDNB_CONTRACT` (JSON) and `NICEDNB_*_PATH` applied.

    Raises:
        ConfigError: the JSON does not parse, or names a field the contract does not have.
    """
    changes: dict[str, object] = {}
    if env.get("NICEDNB_CONTRACT"):
        try:
            loaded = json.loads(env["NICEDNB_CONTRACT"])
        except ValueError as exc:
            raise ConfigError(
                f"NICEDNB_CONTRACT is not JSON: {exc}", integration="nicednb"
            ) from None
        if not isinstance(loaded, dict):
            raise ConfigError("NICEDNB_CONTRACT must be a JSON object", integration="nicednb")
        changes.update(loaded)
    changes |= {field: env[var] for var, field in _PATH_VARS.items() if env.get(var)}
    known = {f.name for f in dataclasses.fields(NiceContract)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise ConfigError(
            f"NICEDNB_CONTRACT: unknown fields {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}",
            integration="nicednb",
        )
    if "ok_codes" in changes:
        changes["ok_codes"] = tuple(str(c) for c in changes["ok_codes"])  # type: ignore[attr-defined]
    return dataclasses.replace(NiceContract(), **changes)  # type: ignore[arg-type]
