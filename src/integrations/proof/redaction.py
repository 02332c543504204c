"""What a proof file never holds: credentials, and anything that would work as one.

Masked (the value becomes `REDACTED`, the name stays, so a reader sees what was sent):

- headers named like a credential (Authorization, API keys, cookies, signatures);
- query and form fields named so, plus OAuth's one-time `code`, also inside a `Location`;
- JSON fields named so at any depth (`access_token`, `refresh_token`, `client_secret`).

Redaction is a pure function of what is redacted, so a replay compares its own request,
redacted the same way, with the recorded one: a request that carried a secret still matches.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["REDACTED", "is_secret_name", "redact_body", "redact_headers", "redact_query"]

REDACTED = "REDACTED"
_SECRET_WORDS = (
    "authorization",
    "api-key",
    "api_key",
    "apikey",
    "token",
    "secret",
    "password",
    "cookie",
    "signature",
)
_FIELD_NAMES = frozenset({"code"})  # in a query or form: OAuth's authorization code
# Framing the recording does not keep: bodies are stored decoded and whole.
_FRAMING = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def is_secret_name(name: str, *, field: bool = False) -> bool:
    """Whether a value under `name` is a credential (`field`: a query or form field)."""
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS) or (field and lowered in _FIELD_NAMES)


def redact_query(params: Any) -> dict[str, str]:
    """Query (or form) fields with credentials masked."""
    items = params.multi_items() if hasattr(params, "multi_items") else params.items()
    return {str(k): REDACTED if is_secret_name(str(k), field=True) else str(v) for k, v in items}


def _redact_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = urlencode(redact_query(dict(parse_qsl(parts.query, keep_blank_values=True))))
    return urlunsplit(parts._replace(query=query))


def redact_headers(headers: Any) -> dict[str, str]:
    """Headers as a dict with lower-case names: credentials masked, a redirect's query
    redacted, framing headers dropped."""
    items = headers.multi_items() if hasattr(headers, "multi_items") else headers.items()
    kept: dict[str, str] = {}
    for name, value in items:
        lowered = str(name).lower()
        if lowered in _FRAMING:
            continue
        if is_secret_name(lowered):
            kept[lowered] = REDACTED
        else:
            kept[lowered] = _redact_url(str(value)) if lowered == "location" else str(value)
    return kept


def _mask(value: Any) -> tuple[Any, bool]:
    """`value` with secret-named fields masked at any depth, and whether any was."""
    if isinstance(value, dict):
        masked, changed = {}, False
        for key, item in value.items():
            if is_secret_name(str(key)) and item is not None:
                masked[key], hit = REDACTED, item != REDACTED
            else:
                masked[key], hit = _mask(item)
            changed = changed or hit
        return masked, changed
    if isinstance(value, list):
        pairs = [_mask(item) for item in value]
        return [item for item, _ in pairs], any(hit for _, hit in pairs)
    return value, False


def redact_body(body: bytes, content_type: str) -> bytes:
    """`body` with credentials masked when it is JSON or a form; other bodies unchanged.
    A body with nothing to mask is returned byte for byte."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        if any(is_secret_name(name, field=True) for name, _ in fields):
            return urlencode(list(redact_query(dict(fields)).items())).encode()
        return body
    if kind != "application/json" and not kind.endswith("+json"):
        return body
    try:
        data = json.loads(body)
    except ValueError:
        return body
    masked, changed = _mask(data)
    return json.dumps(masked, separators=(",", ":")).encode() if changed else body
