"""`POST /api/v1/webhooks/{integration}`: the public, signature-verified receiver."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from integrations.api.deps import get_webhooks
from integrations.api.schemas.errors import error_responses
from integrations.errors import IntegrationError

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


class PayloadTooLargeError(IntegrationError):
    """The delivery's body exceeds the configured limit."""

    http_status = 413
    code = "payload_too_large"


def _first_values(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    # What `dict(request.headers)` gives (the first value of each name) in one pass: that
    # call looks every name up again in the list, quadratic in the number of headers.
    headers: dict[str, str] = {}
    for name, value in raw:
        headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return headers


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"body larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"body larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/{integration}",
    summary="Receive a webhook delivery (signature-verified)",
    responses=error_responses(400, 401, 404, 409, 413, 422, 503),
)
async def receive_webhook(integration: str, request: Request) -> JSONResponse:
    """200 once the delivery is durably stored (or is a duplicate); 401 when it does not
    verify; 404 for an unknown integration; 409 `integration_disabled` while the integration
    is disabled (nothing is stored; the vendor retries later); 413 over the size limit."""
    # Called directly, not as a dependency: FastAPI runs a plain-function dependency in its
    # thread pool, and that hop per request costs more than the rest of the receiving.
    webhooks = get_webhooks(request)
    body = await _read_limited(request, webhooks.receiver.settings.max_body_bytes)
    receipt = await webhooks.receiver.receive(
        integration, body, _first_values(request.headers.raw), dict(request.query_params)
    )
    content: dict[str, Any] = {
        "status": "duplicate" if receipt.duplicate else "accepted",
        "event_id": receipt.event_id,
    }
    return JSONResponse(content)
