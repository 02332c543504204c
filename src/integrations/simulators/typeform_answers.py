"""Typeform responses: deterministic seeded responses and typed answers per field type.

Answer shapes follow BRIEF §2.1: `{type, field:{id, type, ref}, <value key>}` where the value
key is the answer type (`text`, `email`, `phone_number`, `url`, `number`, `boolean`, `date`
as YYYY-MM-DD, `choice{id, ref, label}` or `choice{other}`, `choices{ids, refs, labels,
other?}`). `landing_id`, `token` and `response_id` are the same 32-hex string, as in
Typeform's own payloads. Seeded responses are submitted in a fixed window (2026-01-01 to
2026-07-01 UTC), so they are the same whatever the wall clock says; about one in eight
seeded onboarding responses is a `partial` one (first half of the questions only).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from integrations.simulators.datagen import DataGenerator
from integrations.simulators.typeform_data import SimForm, iso
from integrations.simulators.typeform_errors import validation_error

__all__ = ["DATA_END", "DATA_START", "answer_for", "make_response", "seeded_responses"]

DATA_START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DATA_END = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
_VALUE_KEY = {
    "short_text": "text",
    "long_text": "text",
    "email": "email",
    "phone_number": "phone_number",
    "website": "url",
    "number": "number",
    "opinion_scale": "number",
    "rating": "number",
    "yes_no": "boolean",
    "legal": "boolean",
    "date": "date",
}
_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile",
)
_SOURCES = ("newsletter", "google", "linkedin", "partner")


def _generated(field: dict[str, Any], gen: DataGenerator, person: dict[str, str]) -> Any:
    kind, ref = field["type"], field["ref"]
    labels = [c["label"] for c in field["properties"].get("choices", [])]
    if kind in {"short_text", "long_text"}:
        by_ref = {"full_name": person["name"], "attendee": person["name"]}
        return by_ref.get(ref) or (person["company"] if ref == "company" else gen.sentence(6))
    if kind == "email":
        return person["email"]
    if kind == "phone_number":
        return gen.phone()
    if kind == "website":
        return f"https://www.{person['email'].split('@')[1]}"
    if kind in {"number", "opinion_scale", "rating"}:
        return gen.integer(0, 10) if kind != "number" else gen.integer(1, 250)
    if kind in {"yes_no", "legal"}:
        return gen.integer(0, 4) > 0
    if kind == "date":
        return gen.timestamp(DATA_START, DATA_END + dt.timedelta(days=90)).date().isoformat()
    if field["properties"].get("allow_multiple_selection"):
        picked = [label for label in labels if gen.integer(0, 1)]
        return picked or [gen.choice(labels)]
    return gen.choice(labels)


def answer_for(field: dict[str, Any], value: Any, key: str = "") -> dict[str, Any]:
    """The typed answer of `field` for a plain `value` (400 naming `answers.<key>` if bad)."""
    kind = field["type"]
    answer: dict[str, Any] = {"field": {"id": field["id"], "type": kind, "ref": field["ref"]}}
    where = f"answers.{key or field['ref']}"
    value_key = _VALUE_KEY.get(kind)
    if value_key == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise validation_error(where, "expected a number", "body")
    if value_key == "boolean" and not isinstance(value, bool):
        raise validation_error(where, "expected true or false", "body")
    if value_key in {"text", "email", "phone_number", "url", "date"} and not isinstance(value, str):
        raise validation_error(where, "expected a string", "body")
    if value_key == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise validation_error(where, "expected a date YYYY-MM-DD", "body") from None
    if value_key is not None:
        return {"type": value_key, **answer, value_key: value}
    props = field["properties"]
    by_label = {c["label"]: c for c in props.get("choices", [])}
    labels = value if isinstance(value, list) else [value]
    if not labels or not all(isinstance(label, str) for label in labels):
        raise validation_error(where, "expected a choice label or a list of labels", "body")
    known = [by_label[label] for label in labels if label in by_label]
    others = [label for label in labels if label not in by_label]
    if others and (len(others) > 1 or not props.get("allow_other_choice")):
        raise validation_error(where, f"unknown choice {others[0]!r}", "body")
    if props.get("allow_multiple_selection"):
        choices: dict[str, Any] = {
            "ids": [c["id"] for c in known],
            "refs": [c["ref"] for c in known],
            "labels": [c["label"] for c in known],
        }
        if others:
            choices["other"] = others[0]
        return {"type": "choices", **answer, "choices": choices}
    if len(labels) > 1:
        raise validation_error(where, "this field takes a single choice", "body")
    choice = dict(known[0]) if known else {"other": others[0]}
    return {"type": "choice", **answer, "choice": choice}


def make_response(
    form: SimForm,
    gen: DataGenerator,
    submitted: dt.datetime,
    *,
    given: dict[str, Any] | None = None,
    hidden: dict[str, str] | None = None,
    partial: bool = False,
) -> dict[str, Any]:
    """One response item; fields missing from `given` get generated answers."""
    given = dict(given or {})
    for key in given:
        if form.field_by_key(key) is None:
            raise validation_error(f"answers.{key}", f"no field with ref or id {key!r}", "body")
    token = f"{gen.rng.getrandbits(128):032x}"
    name = gen.full_name()
    person = {"name": name, "email": gen.email(name), "company": gen.company()}
    answers = []
    fields = form.fields[: max(1, len(form.fields) // 2)] if partial else form.fields
    for field in fields:
        chosen = next((k for k in (field["ref"], field["id"]) if k in given), None)
        if chosen is not None:
            answers.append(answer_for(field, given[chosen], chosen))
            continue
        value = _generated(field, gen, person)  # drawn even if skipped: stable sequences
        if given or field["validations"]["required"] or gen.integer(0, 6) > 0:
            answers.append(answer_for(field, value))
    hidden_values = {
        "utm_source": gen.choice(_SOURCES),
        "partner_id": f"p-{gen.integer(100, 999)}",
        "customer_id": f"cus_{gen.integer(10_000, 99_999)}",
    }
    score = gen.integer(0, 100) if form.scored else 0
    landed = submitted - dt.timedelta(seconds=gen.integer(20, 900))
    agent = gen.choice(_AGENTS)
    return {
        "landing_id": token,
        "token": token,
        "response_id": token,
        "response_type": "partial" if partial else "completed",
        "landed_at": iso(landed),
        "submitted_at": iso(submitted),
        "metadata": {
            "user_agent": agent,
            "platform": "mobile" if "Mobile" in agent else "other",
            "referer": f"https://form.typeform.com/to/{form.id}",
            "network_id": f"{gen.rng.getrandbits(40):010x}",
            "browser": "touch" if "Mobile" in agent else "default",
        },
        "hidden": {k: (hidden or {}).get(k, hidden_values.get(k, "")) for k in form.hidden},
        "calculated": {"score": score},
        "variables": [{"key": "score", "type": "number", "number": score}],
        "answers": answers,
    }


def seeded_responses(
    form: SimForm, gen: DataGenerator, count: int, partial_every: int = 0
) -> list[dict[str, Any]]:
    """`count` deterministic responses for `form`, oldest first; every `partial_every`-th
    one (0: none) is partial."""
    moments = sorted(
        gen.timestamp(DATA_START, DATA_END).replace(microsecond=0) for _ in range(count)
    )
    return [
        make_response(
            form,
            gen,
            moment,
            partial=bool(partial_every) and index % partial_every == partial_every - 1,
        )
        for index, moment in enumerate(moments)
    ]
