"""JSON text the API can always store and always answer: no lone surrogates, no NaN.

Python's `json` reads two things that are not portable text. `"\\ud800"` (a UTF-16 surrogate
without its pair) becomes a `str` that UTF-8 cannot encode, so PostgreSQL refuses it and
every answer that includes it fails to render; `NaN` and `Infinity` are not JSON numbers, so
PostgreSQL's `jsonb` refuses them and so does every strict JSON reader. A request body
holding either is refused with 422 before any endpoint runs (`problem_in`); an answer that
still holds one (stored before this check, or sent by a vendor) is written with U+FFFD or
`null` in its place (`PortableJSONResponse`), so one stored value can never make a read fail.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse

__all__ = ["PortableJSONResponse", "TextProblem", "problem_in"]

_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class TextProblem:
    """Where a JSON document holds something the API refuses, and what it is."""

    location: tuple[str | int, ...]
    reason: str
    kind: str


class _NonFiniteNumberError(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    raise _NonFiniteNumberError(name)


def _readable(key: str) -> str:
    # A key with a lone surrogate is named in the 422 itself, which must render.
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def _lone_surrogate(document: Any) -> tuple[str | int, ...] | None:
    # Iterative: `json` accepts nesting deeper than Python's recursion limit.
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not value.isascii() and _SURROGATE.search(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                if not key.isascii() and _SURROGATE.search(key):
                    return (*path, _readable(key))
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in enumerate(value))
    return None


def problem_in(body: bytes) -> TextProblem | None:
    """The first thing in a JSON request body the API refuses, or None.

    A body that is not JSON at all is not judged here: the route's own parsing reports it.
    """
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except _NonFiniteNumberError as exc:
        return TextProblem((), f"{exc} is not a JSON number", "json_number")
    except ValueError:  # not JSON (or not UTF-8): FastAPI answers 422 json_invalid itself
        return None
    location = _lone_surrogate(document)
    if location is None:
        return None
    reason = "holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not Unicode text"
    return TextProblem(location, reason, "string_unicode")


class PortableJSONResponse(JSONResponse):
    """Starlette's JSON answer, which falls back to U+FFFD for lone surrogates and `null`
    for non-finite numbers instead of failing the request."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except (UnicodeEncodeError, ValueError):
            # `json` itself rewrites the document (it handles any nesting depth): NaN
            # becomes null on the way back in, and surrogates are replaced in the text.
            portable = json.loads(json.dumps(content), parse_constant=lambda _: None)
            text = json.dumps(portable, ensure_ascii=False, separators=(",", ":"))
            return _SURROGATE.sub("\ufffd", text).encode("utf-8")
