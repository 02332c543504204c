"""NICE D&B answers → `Company` records, through the configured field names."""

from __future__ import annotations

from typing import Any

from integrations.nicednb.contract import NiceContract
from integrations.nicednb.errors import NiceDnbResultError
from integrations.nicednb.models import Company

__all__ = ["companies_from", "dig"]


def dig(body: Any, path: str) -> Any:
    """The value at a dotted `path` ("dataBody.list") in a parsed body, or None."""
    value = body
    for part in path.split(".") if path else []:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _text(record: dict[str, Any], field: str) -> str | None:
    value = record.get(field)
    return str(value).strip() or None if value not in (None, "") else None


def companies_from(body: Any, contract: NiceContract) -> list[Company]:
    """The companies in one search answer.

    Raises:
        NiceDnbResultError: the answer's result code is not one of `contract.ok_codes`.
    """
    code = dig(body, contract.result_code_path)
    if code is not None and str(code) not in contract.ok_codes:
        raise NiceDnbResultError(
            f"NICE D&B answered result code {code}", provider="nicednb", status=200
        )
    records = dig(body, contract.records_path) or []
    c = contract
    return [
        Company(
            business_number=(_text(r, c.business_number_field) or "").replace("-", ""),
            name=_text(r, c.name_field) or "",
            name_en=_text(r, c.name_en_field),
            representative=_text(r, c.representative_field),
            address=_text(r, c.address_field),
            industry=_text(r, c.industry_field),
            established=_text(r, c.established_field),
            credit_grade=_text(r, c.credit_grade_field),
        )
        for r in records
        if isinstance(r, dict)
    ]
