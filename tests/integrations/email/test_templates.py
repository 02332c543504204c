"""Property 7: template substitution fills every variable and rejects missing ones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.email.exceptions import TemplateRenderError, TemplateVariableError
from integrations.email.templates import render_template

_NAMES = st.lists(
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
        lambda n: n not in {"in", "if", "or", "and", "not", "is", "for", "true", "false", "none"}
    ),
    min_size=1,
    max_size=6,
    unique=True,
)
_VALUES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="{}%#<>&\"'"), max_size=12
)


@given(names=_NAMES, data=st.data())
def test_property_7_every_variable_is_filled(names: list[str], data: st.DataObject) -> None:
    """Given every variable, the text has each value where its placeholder was."""
    values = {n: data.draw(_VALUES, label=n) for n in names}
    body = " | ".join(f"[{{{{ {n} }}}}]" for n in names)
    rendered = render_template("s", body, None, values)
    assert rendered.text == " | ".join(f"[{values[n]}]" for n in names)


@given(names=_NAMES, data=st.data())
def test_property_7_missing_variables_are_all_named(names: list[str], data: st.DataObject) -> None:
    """Leaving any variables out fails, naming exactly the ones left out."""
    kept = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names) - 1))
    body = " ".join(f"{{{{ {n} }}}}" for n in names)
    with pytest.raises(TemplateVariableError) as raised:
        render_template(
            "Hi {{ " + names[0] + " }}", body, f"<p>{body}</p>", dict.fromkeys(kept, "x")
        )
    assert raised.value.missing == sorted(set(names) - set(kept))


def test_html_escapes_values_and_text_does_not() -> None:
    """HTML gets escaped values; the plain part keeps them as given."""
    rendered = render_template("S", "{{ v }}", "<b>{{ v }}</b>", {"v": "<script>"})
    assert rendered.html == "<b>&lt;script&gt;</b>" and rendered.text == "<script>"


def test_subject_line_breaks_cannot_add_headers() -> None:
    """A variable with a line break stays on the one subject line."""
    rendered = render_template("Hi {{ v }}", "x", None, {"v": "a\r\nBcc: evil@example.org"})
    assert "\n" not in rendered.subject and "\r" not in rendered.subject


def test_sandbox_refuses_unsafe_attribute_walks() -> None:
    """A caller's template cannot reach Python internals."""
    with pytest.raises(TemplateRenderError):
        render_template("S", "{{ v.__class__.__mro__ }}", None, {"v": 1})
