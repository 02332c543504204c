"""PandaDoc's error shapes mapped onto our error tree, and the connector's own errors.

PandaDoc answers `{type, detail}` where `detail` is a sentence or, for 400, a mapping
`{field: [messages]}` (`non_field_errors` for the body as a whole); 409 is `{id, status,
info_message}` (the document is not in a state that allows the call, usually still
`document.uploaded`), 423 `{type: "document_locked", detail, locked_by_user_id, expires_at}`
(BRIEF §1.7). The v2 endpoints and the OAuth token endpoint use `{code, details}` and
`{error}`; those are read too.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2

from integrations.core.errormap import ErrorMap
from integrations.errors import (
    AuthError,
    ConflictError,
    IntegrationError,
    LockedError,
    ProviderError,
)

__all__ = [
    "DocumentLockedError",
    "DocumentNotReadyError",
    "DocumentProcessingError",
    "DocumentStateError",
    "DocumentWaitTimeoutError",
    "PandaDocErrorMap",
    "TokenRefreshError",
]


class DocumentStateError(ConflictError):
    """409: the document's status does not allow the call (e.g. send from `document.sent`).

    Args:
        document_id: the document, as PandaDoc named it in the answer.
        document_status: its status at that moment (`document.uploaded`, ...).
    """

    code = "document_state"

    def __init__(
        self,
        message: str,
        *,
        document_id: str | None = None,
        document_status: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.document_id = document_id
        self.document_status = document_status

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body.update({"document_id": self.document_id, "document_status": self.document_status})
        return body


class DocumentNotReadyError(DocumentStateError):
    """409 while the document is still `document.uploaded` (processing, typically 3-5 s)."""

    retryable = True
    code = "document_not_ready"


class DocumentLockedError(LockedError):
    """423: someone has the document open for editing until `expires_at`."""

    code = "document_locked"

    def __init__(
        self,
        message: str,
        *,
        locked_by: str | None = None,
        expires_at: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.locked_by = locked_by
        self.expires_at = expires_at

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body.update({"locked_by": self.locked_by, "expires_at": self.expires_at})
        return body


class DocumentProcessingError(IntegrationError):
    """The document ended in `document.error`: PandaDoc could not process its source."""

    http_status = 502
    code = "document_processing_failed"

    def __init__(self, message: str, *, document_id: str) -> None:
        super().__init__(message, integration="pandadoc")
        self.document_id = document_id


class DocumentWaitTimeoutError(IntegrationError):
    """A document did not reach the awaited status (or its PDF was not ready) in time.

    Args:
        document_id: the document waited for.
        last_status: the last status seen.
        waited_seconds: how long we waited (client clock).
    """

    http_status = 504
    code = "document_wait_timeout"

    def __init__(
        self, message: str, *, document_id: str, last_status: str | None, waited_seconds: float
    ) -> None:
        super().__init__(message, integration="pandadoc")
        self.document_id = document_id
        self.last_status = last_status
        self.waited_seconds = waited_seconds

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body.update(
            {
                "document_id": self.document_id,
                "last_status": self.last_status,
                "waited_seconds": round(self.waited_seconds, 3),
            }
        )
        return body


class TokenRefreshError(AuthError):
    """The OAuth refresh was refused (`invalid_grant`): the user must authorize again."""

    code = "token_refresh_failed"


def _join(messages: Any) -> str:
    if isinstance(messages, list):
        return "; ".join(str(m) for m in messages)
    return str(messages)


def _parse(response: httpx2.Response) -> Any:
    try:
        return json.loads(response.content) if response.content else None
    except ValueError:
        return None


class PandaDocErrorMap(ErrorMap):
    """Reads `detail` (sentence or field mapping), 409/423 bodies, v2 and OAuth errors."""

    def details(self, body: Any) -> tuple[str | None, dict[str, str]]:
        if not isinstance(body, dict):
            return None, {}
        detail = body.get("detail")
        if isinstance(detail, dict):
            fields = {str(k): _join(v) for k, v in detail.items()}
            summary = "; ".join(
                v if k == "non_field_errors" else f"{k}: {v}" for k, v in fields.items()
            )
            return summary or None, fields
        if isinstance(body.get("details"), list):  # v2: {code, details: [{code, pointer}]}
            fields = {
                str(d.get("pointer") or d.get("code")): str(d.get("code") or d.get("data"))
                for d in body["details"]
                if isinstance(d, dict)
            }
            return str(body.get("code") or "") or None, fields
        if isinstance(detail, str):
            return detail, {}
        if "info_message" in body or "status" in body:  # 409: {id, status, info_message}
            parts = [str(body[k]) for k in ("status", "info_message") if body.get(k)]
            return ": ".join(parts) or None, {}
        return super().details(body)

    def to_error(self, response: httpx2.Response, *, now: float) -> ProviderError:
        error = super().to_error(response, now=now)
        body = _parse(response)
        if not isinstance(body, dict):
            return error
        common: dict[str, Any] = {
            "provider": error.provider,
            "status": error.status,
            "request_id": error.request_id,
            "body": error.body,
            "headers": error.headers,
        }
        if isinstance(error, ConflictError) and "status" in body:
            status = str(body.get("status") or "") or None
            cls = DocumentNotReadyError if status == "document.uploaded" else DocumentStateError
            return cls(
                error.message, document_id=body.get("id") or None, document_status=status, **common
            )
        if isinstance(error, LockedError):
            return DocumentLockedError(
                error.message,
                locked_by=body.get("locked_by_user_id"),
                expires_at=body.get("expires_at"),
                **common,
            )
        return error
