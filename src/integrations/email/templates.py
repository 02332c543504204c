"""Email templates: Jinja2, text and HTML, strict about every variable.

A template that names a variable the caller did not give fails *before anything is sent*,
listing every missing name at once (`TemplateVariableError`), so a customer never receives
"Dear ," with a blank. Nested lookups (`{{ order.total }}` when `order` has no `total`) fail
the same way while rendering, through `StrictUndefined`.

Templates come from callers (the admin API, MCP agents), so they render in Jinja2's sandbox:
no attribute walk to `__class__`/`__globals__`, no calling unsafe methods. HTML templates
escape every variable; text templates do not (there is nothing to escape in plain text).

Named templates live in a directory (`EMAIL_TEMPLATE_DIR`): `<name>.txt` and/or
`<name>.html`, with an optional `<name>.subject.txt` overriding the subject given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, UndefinedError, meta
from jinja2.sandbox import SandboxedEnvironment

from integrations.email.exceptions import TemplateRenderError, TemplateVariableError

__all__ = ["TEMPLATE_NAME_PATTERN", "RenderedEmail", "load_named_template", "render_template"]

TEMPLATE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,99}$"
_TEXT = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
)
_HTML = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True, keep_trailing_newline=True)


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    """A message's final subject and bodies (text always, HTML when a template has one)."""

    subject: str
    text: str
    html: str | None = None


def _missing(env: SandboxedEnvironment, source: str, given: Mapping[str, Any]) -> set[str]:
    try:
        names = meta.find_undeclared_variables(env.parse(source))
    except TemplateError as exc:
        raise TemplateRenderError(f"the template is not valid Jinja2: {exc}") from None
    return {name for name in names if name not in given}


def _render(env: SandboxedEnvironment, source: str, variables: Mapping[str, Any]) -> str:
    try:
        return env.from_string(source).render(**variables)
    except UndefinedError as exc:  # a nested attribute or key the data does not have
        raise TemplateVariableError([str(exc.message or "a variable")]) from None
    except TemplateError as exc:
        raise TemplateRenderError(f"the template cannot be rendered: {exc}") from None


def render_template(
    subject: str,
    text: str | None,
    html: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> RenderedEmail:
    """Subject, text and HTML rendered with `variables`.

    Without a text template the text part is the HTML's tags stripped, so every message has
    a plain part for clients that show no HTML.

    Raises:
        TemplateVariableError: naming every variable a template uses and `variables` lacks.
        TemplateRenderError: a template is not valid Jinja2 or does something unsafe.
    """
    given = dict(variables or {})
    if text is None and html is None:
        raise TemplateRenderError("a message needs a text or an HTML body")
    missing = _missing(_TEXT, subject, given)
    if text is not None:
        missing |= _missing(_TEXT, text, given)
    if html is not None:
        missing |= _missing(_HTML, html, given)
    if missing:
        raise TemplateVariableError(missing)
    rendered_html = _render(_HTML, html, given) if html is not None else None
    rendered_text = (
        _render(_TEXT, text, given) if text is not None else _strip_tags(rendered_html or "")
    )
    # A subject is one header line: a variable carrying a line break must not add headers.
    rendered_subject = " ".join(_render(_TEXT, subject, given).split())
    return RenderedEmail(rendered_subject, rendered_text, rendered_html)


def _strip_tags(html: str) -> str:
    return re.sub(r"\s+\n", "\n", re.sub(r"<[^>]+>", "", html)).strip() + "\n"


def load_named_template(directory: Path, name: str) -> tuple[str | None, str | None, str | None]:
    """`(subject, text, html)` sources of template `name` in `directory` (None where absent).

    Raises:
        TemplateRenderError: a bad name, or no `<name>.txt` / `<name>.html` there.
    """
    if not re.match(TEMPLATE_NAME_PATTERN, name):
        raise TemplateRenderError(f"{name!r} is not a template name (letters, digits, - and _)")

    def read(suffix: str) -> str | None:
        path = directory / f"{name}{suffix}"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    text, html = read(".txt"), read(".html")
    if text is None and html is None:
        raise TemplateRenderError(f"no template {name!r} ({name}.txt or {name}.html)")
    subject = read(".subject.txt")
    return (subject.strip() if subject is not None else None), text, html
