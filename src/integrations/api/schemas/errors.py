"""The one error body every route answers with, and the OpenAPI entries that document it.

`integrations.api.errors` writes it; `error_responses(401, 404, ...)` puts it, with a line
saying when each status happens, in an operation's `responses`, so the OpenAPI document
shows the body the API really returns instead of FastAPI's default `{"detail": [...]}`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["ErrorBody", "ErrorDetail", "FieldProblem", "error_responses"]


class FieldProblem(BaseModel):
    """One invalid field: where it is (`retry.base_seconds`, `received_from`) and why."""

    field: str
    reason: str
    type: str | None = None


class ErrorDetail(BaseModel):
    """What went wrong: a stable `code`, a sentence, and the request's trace id.

    `errors` lists every invalid field of a 422. Some errors add fields of their own, such
    as `integration` or `retry_after`.
    """

    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    trace_id: str | None = None
    errors: list[FieldProblem] | None = None


class ErrorBody(BaseModel):
    """Every error answer of the API: `{"error": {"code", "message", "trace_id", ...}}`."""

    error: ErrorDetail


_WHEN: dict[int, str] = {
    400: "The body could not be read or decoded (`invalid_request`, `invalid_event_type`)",
    401: "Missing, unknown or revoked credentials (`unauthorized`); webhooks: signature",
    404: "No such resource (`unknown_integration`, `not_found`)",
    409: "The resource is in a state that refuses this (`conflict`); the integration is "
    "disabled (`integration_disabled`): webhooks are refused, nothing stored",
    413: "The body is larger than the limit (`payload_too_large`)",
    422: "Invalid parameters or body (`validation_error`, `config_error`); `errors` names each",
    431: "Too many request header fields, or too many header bytes "
    "(`request_header_fields_too_large`)",
    503: "The database did not answer in time (`database_unavailable`); see `Retry-After`",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for `statuses`, each with the error body and when it
    happens."""
    return {status: {"model": ErrorBody, "description": _WHEN[status]} for status in statuses}
