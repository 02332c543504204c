"""Value types of a runtime configuration update: they accept exactly what its schema says.

The admin API's OpenAPI document is generated from `IntegrationSettingsUpdate`, and a client
(or Schemathesis) takes it at its word. Plain pydantic types would accept more than the schema
shows (`false` as 0 seconds, `"3"` as 3, a URL it percent-encodes) and refuse some of what it
shows (a `null` for `enabled`, a base URL `Services.update_config` then refuses); these say
and check the same thing.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, HttpUrl, SecretStr, WithJsonSchema

__all__ = ["BASE_URL_PATTERN", "JSON_INTEGER", "BaseUrl", "Credential", "LogLevelName", "not_null"]


def _json_integer(value: Any) -> Any:
    # An integer as JSON (and the schema) has it: `3.0` is one, `true` and `"3"` are not, though
    # pydantic would convert them. Floats are `StrictFloat`, which takes ints and nothing else.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a JSON number")
    return value


# After the bounds in an `Annotated[int, Field(...), JSON_INTEGER]`: placed before them, the
# bounds would be left out of the JSON schema.
JSON_INTEGER = BeforeValidator(_json_integer)


# Below `HttpUrl`'s own 2083: it normalises a host such as `0` to `0.0.0.0` and adds a `/`.
_BASE_URL_MAX = 2048
# A host the URL parser keeps as written: DNS labels without "--" (an `xn--` label must be valid
# punycode) whose last one starts with a letter (a numeric last label is read as IPv4), or a
# dotted IPv4 address without leading zeros (read as octal otherwise).
_LABEL = r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*"
_LAST_LABEL = r"[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*"
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_HOST = rf"(({_LABEL}\.)*{_LAST_LABEL}|{_OCTET}(\.{_OCTET}){{3}})"
_PORT = (
    r"(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
)
BASE_URL_PATTERN = (
    rf"^(https://{_HOST}|http://(localhost|127\.0\.0\.1|\[::1\])){_PORT}"
    r"(/[A-Za-z0-9._~!$&'()*+,;=:@/-]*)?$"
)


def _base_url_text(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _BASE_URL_MAX:
        raise ValueError(f"must be at most {_BASE_URL_MAX} characters")
    if isinstance(value, str) and not re.fullmatch(BASE_URL_PATTERN, value):
        raise ValueError(
            "must be an https:// URL (http:// only to localhost, 127.0.0.1 or [::1]) with a "
            "plain host name, an optional port and path, and no query or fragment"
        )
    return value


# What `Services.update_config` accepts, said in the schema and checked before `HttpUrl`
# reads it (which would quietly percent-encode anything): https, or http to loopback only. A
# connector with allowed hosts (PandaDoc, Typeform) narrows the host further.
BaseUrl = Annotated[
    HttpUrl,
    BeforeValidator(_base_url_text),
    WithJsonSchema({"type": "string", "maxLength": _BASE_URL_MAX, "pattern": BASE_URL_PATTERN}),
]


def not_null(schema: dict[str, Any]) -> None:
    """`json_schema_extra` for an optional field that may be omitted but not sent as null.

    The type stays `X | None` (one flat validation error, not one per union member); only
    the schema drops the `null` alternative and the `null` default.
    """
    schema.pop("default", None)
    others = [s for s in schema.pop("anyOf", []) if s.get("type") != "null"]
    if len(others) == 1:
        schema.update(others[0])
    elif others:
        schema["anyOf"] = others


# A secret value as the schema shows it: no line break or NUL (`_clean_credentials` refuses them).
Credential = Annotated[
    SecretStr,
    WithJsonSchema(
        {"type": "string", "format": "password", "writeOnly": True, "pattern": "^[^\\r\\n\\x00]*$"}
    ),
]


def _upper_level(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_ANY_CASE = "|".join("".join(f"[{c}{c.lower()}]" for c in name) for name in _LEVELS)
# Any case, as `INTEGRATIONS_LOGGING__LEVEL` takes it (`debug`, `Info`), stored upper case; the
# schema says so with a pattern, since an `enum` would make `debug` look invalid to a client.
LogLevelName = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR"],
    BeforeValidator(_upper_level),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^({_ANY_CASE})$",
            "description": "DEBUG, INFO, WARNING or ERROR, in any case",
        }
    ),
]
