"""Allow-lists of operations: `integration:action` patterns, read once, matched per call.

`INTEGRATIONS_MCP__ALLOW_WRITES` is one: `["pandadoc:create_document", "mock:*"]`. A pattern
is `integration:action` where either side may be `*` (or a shell-style glob), or `*` alone
for everything. Accepted spellings, so an operator can write whatever is natural:

- a JSON list: `'["pandadoc:create_document","mock:*"]'`;
- a comma-separated list: `pandadoc:create_document,mock:*`;
- `true` / `false` (the setting's old boolean form): everything / nothing; an empty value
  is nothing.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["allows", "parse_allow_list"]

_PATTERN = re.compile(r"^\*$|^[A-Za-z0-9_*?\-]+:[A-Za-z0-9_*?\-]+$")


def _items(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return ["*"] if value else []
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in {"true", "false", ""}:
            return ["*"] if text.lower() == "true" else []
        if text.startswith("["):
            loaded = json.loads(text)  # a ValueError names the setting through pydantic
            if not isinstance(loaded, list):
                raise ValueError("must be a JSON list of integration:action patterns")
            return loaded
        return [part for part in text.split(",") if part.strip()]
    if isinstance(value, Iterable):
        return list(value)
    raise ValueError("must be a list of integration:action patterns, or true/false")


def parse_allow_list(value: Any) -> list[str]:
    """The patterns `value` names, each checked.

    Raises:
        ValueError: a pattern is not `integration:action` or `*`.
    """
    patterns = []
    for item in _items(value):
        pattern = str(item).strip()
        if not _PATTERN.match(pattern):
            raise ValueError(
                f"{pattern!r} is not an integration:action pattern "
                "(e.g. pandadoc:create_document, mock:*, or *)"
            )
        patterns.append(pattern)
    return patterns


def allows(patterns: Iterable[str], integration: str, action: str) -> bool:
    """True when one of `patterns` matches `integration:action`."""
    name = f"{integration}:{action}"
    return any(p == "*" or fnmatch.fnmatchcase(name, p) for p in patterns)
