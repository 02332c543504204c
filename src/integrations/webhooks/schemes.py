"""Webhook signature schemes: verify first, in constant time, before anything is stored.

Each scheme checks the raw body against one or more secrets (several during a key rotation)
and names the delivery's event id and its dedupe key. No I/O happens here.

The dedupe key is always something the signature covers: a header the signature does not
cover (PandaDoc's event id) can be changed by anyone who captured one signed delivery, so
for schemes that sign the body alone the key is the digest of the body (which holds the
event's own id and times), and the unsigned id is kept for display only.

- `pandadoc`: `?signature=<lowercase hex HMAC-SHA256(shared key, body)>`; event id from
  `X-PandaDoc-Webhook-Event-Id`; dedupe key `sha256:<hex of body>`.
- `typeform`: `Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, body)>`; event id and
  dedupe key from the body's `event_id`.
- `standard` (Standard Webhooks): `webhook-id`, `webhook-timestamp` (integer seconds),
  `webhook-signature: v1,<base64>` (space-separated list), HMAC over `id.timestamp.body` with
  the base64 key of a `whsec_` secret; timestamps outside the tolerance are refused; event id
  and dedupe key `webhook-id`.
- `hmac-hex`: `X-Signature: sha256=<hex>` (or bare hex) over the body, optional
  `X-Timestamp` (integer seconds; then HMAC over `timestamp.body`); event id from
  `X-Event-Id` or the body's `id`; dedupe key `sha256:<hex of body>` (a vendor re-signs a
  retry with a new timestamp, so the timestamp is left out).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from integrations.errors import WebhookSignatureError

__all__ = ["SCHEMES", "SignatureScheme", "Verified", "body_digest", "sign_standard"]

DEFAULT_TOLERANCE_S = 300.0
# Unix seconds as the specs write them: ASCII digits only, so "nan", "inf", "1e9", " 1",
# "+1" and non-ASCII digits (which `int()` would read) are all refused.
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True, slots=True)
class Verified:
    """A delivery that passed verification; `dedupe_key` is covered by its signature."""

    event_id: str
    event_type: str | None
    dedupe_key: str


class SignatureScheme(Protocol):
    """Verifies one vendor's deliveries."""

    name: str

    def verify(
        self,
        body: bytes,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        secrets: list[str],
        now: float,
        tolerance: float = DEFAULT_TOLERANCE_S,
    ) -> Verified:
        """The verified delivery, or WebhookSignatureError (no detail that helps forgers)."""
        ...


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def _any_match(candidates: list[bytes], presented: list[bytes]) -> bool:
    # Compare every pair (no early exit on the secret list) so timing says nothing.
    found = False
    for expected in candidates:
        for given in presented:
            found |= hmac.compare_digest(expected, given)
    return found


def _refuse(reason: str) -> WebhookSignatureError:
    return WebhookSignatureError(f"webhook refused: {reason}")


def _require_match(candidates: list[bytes], presented: list[bytes]) -> None:
    if not presented or not any(presented) or not _any_match(candidates, presented):
        raise _refuse("bad signature")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _body_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def body_digest(body: bytes) -> str:
    """`sha256:<hex>` of a body: the dedupe key of schemes that sign the body alone."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _check_time(timestamp: str, now: float, tolerance: float) -> None:
    if not _UNIX_SECONDS.fullmatch(timestamp):
        raise _refuse("invalid timestamp (integer seconds expected)")
    if abs(now - int(timestamp)) > tolerance:
        raise _refuse("timestamp outside the tolerance")


class PandaDocScheme:
    name = "pandadoc"

    def verify(
        self,
        body: bytes,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        secrets: list[str],
        now: float,
        tolerance: float = DEFAULT_TOLERANCE_S,
    ) -> Verified:
        given = query.get("signature", "").strip().lower().encode()
        _require_match([_hmac(s.encode(), body).hex().encode() for s in secrets], [given])
        digest = body_digest(body)
        event_id = headers.get("x-pandadoc-webhook-event-id") or digest
        data = _body_json(body)
        first = data[0] if isinstance(data, list) and data else {}
        event_type = _text(first.get("event")) if isinstance(first, dict) else None
        return Verified(event_id, event_type, dedupe_key=digest)


class TypeformScheme:
    name = "typeform"

    def verify(
        self,
        body: bytes,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        secrets: list[str],
        now: float,
        tolerance: float = DEFAULT_TOLERANCE_S,
    ) -> Verified:
        header = headers.get("typeform-signature", "")
        if not header.startswith("sha256="):
            raise _refuse("missing signature")
        given = header.removeprefix("sha256=").encode()
        _require_match([base64.b64encode(_hmac(s.encode(), body)) for s in secrets], [given])
        data = _body_json(body)
        data = data if isinstance(data, dict) else {}
        event_id = str(data.get("event_id") or body_digest(body))
        return Verified(event_id, _text(data.get("event_type")), dedupe_key=event_id)


def _standard_key(secret: str) -> bytes:
    # As the reference implementation: the part after `whsec_` is base64, padding optional.
    raw = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(raw + "==")
    except (binascii.Error, ValueError):
        return raw.encode()


def sign_standard(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for a Standard Webhooks delivery (tests, emitters)."""
    message = f"{event_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(_hmac(_standard_key(secret), message)).decode()


class StandardWebhooksScheme:
    name = "standard"

    def verify(
        self,
        body: bytes,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        secrets: list[str],
        now: float,
        tolerance: float = DEFAULT_TOLERANCE_S,
    ) -> Verified:
        event_id = headers.get("webhook-id", "")
        timestamp = headers.get("webhook-timestamp", "")
        signatures = headers.get("webhook-signature", "")
        if not event_id or not timestamp or not signatures:
            raise _refuse("missing webhook-id, webhook-timestamp or webhook-signature")
        _check_time(timestamp, now, tolerance)
        message = f"{event_id}.{timestamp}.".encode() + body
        given = [
            part.split(",", 1)[1].encode() for part in signatures.split() if part.startswith("v1,")
        ]
        _require_match([base64.b64encode(_hmac(_standard_key(s), message)) for s in secrets], given)
        data = _body_json(body)
        event_type = _text(data.get("type")) if isinstance(data, dict) else None
        return Verified(event_id, event_type, dedupe_key=event_id)


class HexHmacScheme:
    name = "hmac-hex"

    def verify(
        self,
        body: bytes,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        secrets: list[str],
        now: float,
        tolerance: float = DEFAULT_TOLERANCE_S,
    ) -> Verified:
        given = headers.get("x-signature", "").strip().lower().removeprefix("sha256=").encode()
        timestamp = headers.get("x-timestamp")
        message = body
        if timestamp is not None:
            _check_time(timestamp, now, tolerance)
            message = timestamp.encode() + b"." + body
        _require_match([_hmac(s.encode(), message).hex().encode() for s in secrets], [given])
        data = _body_json(body)
        data = data if isinstance(data, dict) else {}
        digest = body_digest(body)
        event_id = str(headers.get("x-event-id") or data.get("id") or digest)
        event_type = _text(data.get("type") or data.get("event"))
        return Verified(event_id, event_type, dedupe_key=digest)


SCHEMES: dict[str, SignatureScheme] = {
    s.name: s
    for s in (PandaDocScheme(), TypeformScheme(), StandardWebhooksScheme(), HexHmacScheme())
}
