"""`POST /api/v1/integrations/nicednb/manual-entries`: company data entered by hand.

NICE D&B's fallback when it fails with nothing cached, or finds nothing: an operator enters
the company from its business registration certificate, and searches for its number, name
or representative return it flagged `source=manual`. The business number must be 10 digits
with a correct check digit (422 naming `business_number` otherwise); a second entry for the
same number replaces the first (`replaced: true`). Nothing is sent to NICE D&B.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep
from integrations.nicednb.manual_entries import ManualEntryCreate, save_manual_entry

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"], route_class=AdminRoute)


@router.post(
    "/nicednb/manual-entries",
    summary="Enter a company by hand (NICE D&B fallback)",
    status_code=status.HTTP_201_CREATED,
)
async def create_manual_entry(
    entry: ManualEntryCreate, services: ServicesDep, principal: AdminPrincipal
) -> dict[str, Any]:
    """Store `entry`; answers the company as searches will return it, and whether an
    earlier entry for the same business number was replaced."""
    company, replaced = await save_manual_entry(services.db, entry, entered_by=principal)
    return {"company": company.model_dump(), "replaced": replaced}
