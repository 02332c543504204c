"""Reading a vendor's success body: JSON that parses and matches its model, or a typed error.

A 200 whose body is truncated, malformed, or shaped unlike the vendor's documented answer is
a vendor failure, not a bug in the caller: it becomes `InvalidResponseError` with a redacted
preview of the body, so an API client, the CLI and an MCP agent all get the same readable
error instead of a `JSONDecodeError` or a pydantic traceback.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel, ValidationError

from integrations.core.context import EXTENSION, CallContext
from integrations.errors import InvalidResponseError
from integrations.logging import redact_text

__all__ = ["JSON_TYPES", "PARSED_JSON", "invalid_response", "is_json", "read_json", "read_model"]

ModelT = TypeVar("ModelT", bound=BaseModel)
JSON_TYPES = ("application/json", "+json")
PARSED_JSON = "integrations.parsed_json"  # response extension: the body, parsed once below
_PREVIEW = 200


def is_json(response: httpx2.Response) -> bool:
    """Whether the response says its body is JSON (`application/json`, `...+json`)."""
    kind = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind == JSON_TYPES[0] or kind.endswith(JSON_TYPES[1])


def invalid_response(
    response: httpx2.Response, why: str, *, provider: str | None = None
) -> InvalidResponseError:
    """The error for `response`, with `why` and a redacted preview of its body."""
    preview = redact_text(response.content[:_PREVIEW].decode("utf-8", "replace"))
    return InvalidResponseError(
        f"the vendor's answer could not be read: {why}",
        provider=provider or _provider(response),
        status=response.status_code,
        body=preview,
    )


def read_json(response: httpx2.Response) -> Any:
    """The parsed JSON body of `response` (parsed once: the pipeline's check keeps it).

    Raises:
        InvalidResponseError: the body is not valid JSON.
    """
    if PARSED_JSON in response.extensions:
        return response.extensions[PARSED_JSON]
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid_response(response, f"malformed JSON ({exc})") from None


def read_model(response: httpx2.Response, model: type[ModelT]) -> ModelT:
    """The body of `response` validated as `model`.

    Raises:
        InvalidResponseError: the body is not JSON, or not the shape `model` describes (the
            message names the first fields that differ).
    """
    data = read_json(response)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) or "(body)" for e in exc.errors()[:3])
        raise invalid_response(response, f"unexpected {model.__name__} ({fields})") from None


def _provider(response: httpx2.Response) -> str:
    try:
        ctx = response.request.extensions.get(EXTENSION)
    except RuntimeError:  # a response built without a request
        return "unknown"
    return ctx.integration if isinstance(ctx, CallContext) else "unknown"
