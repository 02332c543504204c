"""Error answers → the error tree, with the vendor's detail kept short and redacted.

The default map reads the common JSON shapes (`detail`, `message`, `error`, `description`,
`errors`); a connector subclasses it only for shapes data cannot describe.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx2

from integrations.core.backoff import server_wait
from integrations.core.spec import ProviderSpec
from integrations.errors import ProviderError, error_for_status
from integrations.logging import redact, redact_text

__all__ = ["ErrorMap"]

_DETAIL_KEYS = ("detail", "message", "error_description", "description", "error", "type", "code")


class ErrorMap:
    """Maps an error response to its `ProviderError`.

    Args:
        spec: the provider (name, request id header).
    """

    def __init__(self, spec: ProviderSpec) -> None:
        self.spec = spec

    def details(self, body: Any) -> tuple[str | None, dict[str, str]]:
        """The vendor's one-line detail and per-field errors from a parsed JSON body."""
        if not isinstance(body, dict):
            return None, {}
        detail = next((str(body[k]) for k in _DETAIL_KEYS if isinstance(body.get(k), str)), None)
        fields: dict[str, str] = {}
        errors = body.get("errors") or body.get("fields")
        if isinstance(errors, dict):
            fields = {str(k): str(v) for k, v in errors.items()}
        elif isinstance(errors, list):
            for item in errors:
                if isinstance(item, dict) and ("field" in item or "name" in item):
                    fields[str(item.get("field", item.get("name")))] = str(
                        item.get("message", item.get("description", item))
                    )
        return detail, fields

    def to_error(self, response: httpx2.Response, *, now: float) -> ProviderError:
        """The error for a >= 400 response."""
        text = response.text if response.content else ""
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        detail, fields = self.details(parsed)
        status = response.status_code
        message = None
        if detail:
            message = f"{_generic(status)}: {redact_text(detail)[:200]}"
        wait = server_wait(response.headers, now)
        return error_for_status(
            status,
            provider=self.spec.name,
            message=message,
            request_id=response.headers.get(self.spec.request_id_header),
            body=redact_text(text),
            headers=redact(dict(response.headers)),
            retry_after=wait,
            retry_at=dt.datetime.fromtimestamp(now + wait, dt.UTC) if wait is not None else None,
            field_errors={k: redact_text(v)[:200] for k, v in fields.items()},
        )


def _generic(status: int) -> str:
    err = error_for_status(status, provider="-")
    return err.message
