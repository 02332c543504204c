"""NICE D&B searches with the manual-entry fallback: what the actions, CLI and MCP run.

The client answers from NICE D&B, its cache, or its last good answer (stale). When it still
fails, or NICE D&B finds nothing, the operator-entered records for the same search term
answer instead, flagged `source=manual`; without any, the failure (or the empty answer)
stands. A refused argument (a mistyped business number) is never covered up.
"""

from __future__ import annotations

from integrations.errors import BadRequestError, IntegrationError
from integrations.logging import get_logger
from integrations.nicednb.business_number import normalise_business_number
from integrations.nicednb.client import NiceDnbIntegration
from integrations.nicednb.manual_entries import find_manual_entries
from integrations.nicednb.models import CompanySearch
from integrations.storage.db import Database

__all__ = ["search_company", "search_representative"]

_log = get_logger()


async def _with_manual(
    db: Database | None, found: CompanySearch | IntegrationError, terms: dict[str, str]
) -> CompanySearch:
    if isinstance(found, CompanySearch) and found.companies:
        return found
    manual = await find_manual_entries(db, **terms) if db is not None else []
    if manual:
        _log.info(
            "nicednb.manual_served",
            count=len(manual),
            vendor_failed=not isinstance(found, CompanySearch),
        )
        return CompanySearch(query=terms, companies=manual, source="manual")
    if isinstance(found, IntegrationError):
        raise found
    return found


async def search_company(
    client: NiceDnbIntegration,
    db: Database | None,
    *,
    business_number: str | None = None,
    name: str | None = None,
) -> CompanySearch:
    """`client.search_company`, with the manual entries as the fallback."""
    try:
        found: CompanySearch | IntegrationError = await client.search_company(
            business_number=business_number, name=name
        )
    except BadRequestError:
        raise
    except IntegrationError as exc:
        found = exc
    if business_number is not None:
        terms = {"business_number": normalise_business_number(business_number)}
    else:
        terms = {"name": " ".join(str(name).split())}
    return await _with_manual(db, found, terms)


async def search_representative(
    client: NiceDnbIntegration, db: Database | None, *, name: str, birth: str | None = None
) -> CompanySearch:
    """`client.search_representative`, with the manual entries as the fallback (manual
    entries hold no birth date, so they match on the name alone)."""
    try:
        found: CompanySearch | IntegrationError = await client.search_representative(name, birth)
    except BadRequestError:
        raise
    except IntegrationError as exc:
        found = exc
    return await _with_manual(db, found, {"representative": " ".join(name.split())})
