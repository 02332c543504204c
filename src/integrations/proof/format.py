"""The proof file: one recorded scenario as versioned JSON, secrets left out.

```
{"format": 1, "scenario": "pandadoc-signing", "seed": 0, "recorded_at": "...",
 "exchanges": [{"seq": 1, "at": 0.0, "elapsed_ms": 3.1, "connector": "pandadoc",
                "method": "GET", "url": "/public/v1/templates?q=x", "request_headers": {...},
                "request_body": {"text": "..."} | {"base64": "..."},
                "status": 200, "response_headers": {...}, "response_body": {...}}
               | {..., "error": "ReadTimeout", "error_message": "..."}],
 "webhooks": [{"seq": 1, "at": 0.4, "connector": "pandadoc", "during": 5, "after": 4, "passes": 0,
               "path": "...",
               "query": {...}, "headers": {...}, "body": {"text": "..."}}],
 "final_state": {...}, "digest": "sha256:..."}
```

`at` is virtual seconds since the run started; `during` is the exchange a webhook arrived in
(0: between exchanges), `after` how many exchanges had finished and `passes` how many
webhook processing passes had run. Credentials
(Authorization, API keys, OAuth tokens, signatures) are replaced by `REDACTED` before
anything is written (`redaction`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from integrations.errors import ConfigError

__all__ = [
    "FORMAT_VERSION",
    "Exchange",
    "ProofFormatError",
    "ProofRun",
    "WebhookArrival",
    "decode_body",
    "digest_of",
    "encode_body",
    "load_proof",
    "save_proof",
]

FORMAT_VERSION = 1


class ProofFormatError(ConfigError):
    """A proof file that cannot be read as one (missing, corrupt, another format)."""


def encode_body(body: bytes) -> dict[str, str]:
    """`{"text": ...}` for UTF-8 bodies, `{"base64": ...}` for the rest."""
    try:
        return {"text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(body).decode("ascii")}


def decode_body(encoded: dict[str, str]) -> bytes:
    if "base64" in encoded:
        return base64.b64decode(encoded["base64"])
    return encoded.get("text", "").encode("utf-8")


def digest_of(state: dict[str, Any]) -> str:
    """`sha256:<hex>` of the canonical JSON of `state` (sorted keys, no spaces)."""
    canonical = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class Exchange:
    """One attempt on the wire: a request and its response, or the transport error."""

    seq: int
    at: float
    elapsed_ms: float
    connector: str
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: dict[str, str]
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    error_message: str | None = None


@dataclass(slots=True)
class WebhookArrival:
    """One delivery a simulator made to our receiver, and when it came."""

    seq: int
    at: float
    connector: str
    during: int  # the exchange in flight when it came (0: none)
    after: int  # exchanges finished before it came
    passes: int  # webhook processing passes the scenario had run before it came
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, str]
    status: int = 200


@dataclass(slots=True)
class ProofRun:
    """A whole recording."""

    scenario: str
    seed: int
    recorded_at: str
    exchanges: list[Exchange]
    webhooks: list[WebhookArrival]
    final_state: dict[str, Any]
    digest: str

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT_VERSION, **asdict(self)}


def save_proof(run: ProofRun, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run.to_json(), indent=1, ensure_ascii=False) + "\n", "utf-8")


def load_proof(path: Path) -> ProofRun:
    """Read a proof file.

    Raises:
        ProofFormatError: missing or unreadable, not JSON, another format version, or a
            field missing or of the wrong kind.
    """
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ProofFormatError(f"no proof file at {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProofFormatError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ProofFormatError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProofFormatError(f"{path} is not a proof file (no JSON object)")
    if data.get("format") != FORMAT_VERSION:
        raise ProofFormatError(
            f"{path} has format {data.get('format')!r}; this version reads {FORMAT_VERSION}"
        )
    try:
        return ProofRun(
            scenario=str(data["scenario"]),
            seed=int(data["seed"]),
            recorded_at=str(data["recorded_at"]),
            exchanges=[Exchange(**item) for item in data["exchanges"]],
            webhooks=[WebhookArrival(**item) for item in data["webhooks"]],
            final_state=dict(data["final_state"]),
            digest=str(data["digest"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProofFormatError(f"{path} is not a valid proof file: {exc!r}") from None
