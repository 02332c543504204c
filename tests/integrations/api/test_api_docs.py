"""docs/api.md documents every operation of the OpenAPI document, each with a curl example."""

from __future__ import annotations

import re
from pathlib import Path

from integrations.api.app import create_app
from integrations.config import Settings

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"
_HEADING = re.compile(r"^### (GET|POST|PATCH|PUT|DELETE) (\S+)$", re.MULTILINE)


def _sections() -> dict[str, str]:
    """`METHOD /path` → the text under its heading, up to the next heading."""
    text = DOC.read_text(encoding="utf-8")
    marks = list(_HEADING.finditer(text))
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return {f"{m[1]} {m[2]}": text[m.end() : end] for m, end in zip(marks, ends, strict=True)}


def test_every_operation_has_a_section_with_a_curl_example() -> None:
    """Each operation of /openapi.json has a `### METHOD /path` section holding `curl`."""
    document = create_app(Settings.model_construct()).openapi()
    sections = _sections()
    missing = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if "curl" not in sections.get(f"{method.upper()} {path}", "")
    ]
    assert missing == [], f"document these in docs/api.md: {missing}"


def test_no_section_for_an_operation_that_does_not_exist() -> None:
    """Every documented operation exists, so the page never describes a removed route."""
    document = create_app(Settings.model_construct()).openapi()
    published = {f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item}
    assert sorted(set(_sections()) - published) == []
