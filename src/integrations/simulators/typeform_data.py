"""The Typeform simulator's forms: seeded definitions and their three JSON views.

Seeded forms have fixed ids (the same for every seed, so configs can name them); field and
choice ids come from a fixed generator, so they are stable too. Only the responses depend on
the simulator's seed (see `typeform_answers`).

- `ONBOARDING_FORM_ID` "Client Onboarding": short_text, email, phone_number, multiple_choice,
  yes_no, date, number; hidden `utm_source`, `partner_id`.
- `FEEDBACK_FORM_ID` "Customer Feedback": opinion_scale, multi-select multiple_choice with
  "other", website, long_text, yes_no; hidden `customer_id`.
- `EVENTS_FORM_ID` "Event Registration": short_text, email, dropdown; no seeded responses.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from integrations.simulators.datagen import DataGenerator

__all__ = [
    "DEFAULT_ACCOUNT",
    "EVENTS_FORM_ID",
    "FEEDBACK_FORM_ID",
    "ONBOARDING_FORM_ID",
    "SimForm",
    "iso",
    "new_form",
    "seeded_forms",
]

DEFAULT_ACCOUNT = "default"
ONBOARDING_FORM_ID = "Onb0Rd5x"
FEEDBACK_FORM_ID = "FdBk7Qm2"
EVENTS_FORM_ID = "EvNt4Rg9"
_CREATED = dt.datetime(2025, 12, 1, 9, 0, tzinfo=dt.UTC)
_BASE = "https://api.typeform.com"

# (ref, title, type, required, choices, allow_multiple_selection, allow_other_choice)
_Spec = tuple[str, str, str, bool, tuple[str, ...], bool, bool]
_ONBOARDING: tuple[_Spec, ...] = (
    ("full_name", "What's your full name?", "short_text", True, (), False, False),
    ("email", "What's your email address?", "email", True, (), False, False),
    ("phone", "Best phone number to reach you?", "phone_number", False, (), False, False),
    ("company", "Which company are you with?", "short_text", False, (), False, False),
    (
        "service",
        "Which service do you need?",
        "multiple_choice",
        True,
        ("Consulting", "Implementation", "Support", "Training"),
        False,
        False,
    ),
    ("agree_terms", "Do you agree to our terms?", "yes_no", True, (), False, False),
    ("start_date", "When would you like to start?", "date", False, (), False, False),
    ("team_size", "How many people are on your team?", "number", False, (), False, False),
)
_FEEDBACK: tuple[_Spec, ...] = (
    ("rating", "How likely are you to recommend us?", "opinion_scale", True, (), False, False),
    (
        "topics",
        "What should we improve?",
        "multiple_choice",
        False,
        ("Pricing", "Support", "Product", "Onboarding"),
        True,
        True,
    ),
    ("website", "Your company website?", "website", False, (), False, False),
    ("comments", "Anything else to tell us?", "long_text", False, (), False, False),
    ("follow_up", "May we follow up with you?", "yes_no", True, (), False, False),
)
_EVENTS: tuple[_Spec, ...] = (
    ("attendee", "Your name?", "short_text", True, (), False, False),
    ("email", "Your email?", "email", True, (), False, False),
    (
        "session",
        "Which session will you attend?",
        "dropdown",
        True,
        ("Morning keynote", "Afternoon workshop", "Evening panel"),
        False,
        False,
    ),
)


def iso(moment: dt.datetime) -> str:
    """Typeform's timestamp format: UTC to the second, `Z` suffix."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class SimForm:
    """A form owned by an account; `fields` are Create-API style field objects."""

    id: str
    account: str
    title: str
    fields: list[dict[str, Any]]
    hidden: list[str] = field(default_factory=list)
    created_at: str = iso(_CREATED)
    last_updated_at: str = iso(_CREATED)
    scored: bool = False

    def field_by_key(self, key: str) -> dict[str, Any] | None:
        """The field whose ref or id is `key`."""
        return next((f for f in self.fields if key in {f["ref"], f["id"]}), None)

    def ending(self) -> dict[str, Any]:
        """The single thank-you screen every simulated form ends with."""
        return {
            "id": f"{self.id}Ty",
            "ref": "default_tys",
            "title": "Thanks for completing this form",
            "type": "thankyou_screen",
            "properties": {"show_button": False},
        }

    def definition(self) -> dict[str, Any]:
        """`GET /forms/{form_id}`."""
        return {
            "id": self.id,
            "type": "quiz" if self.scored else "form",
            "title": self.title,
            "workspace": {"href": f"{_BASE}/workspaces/ws_{self.account}"},
            "theme": {"href": f"{_BASE}/themes/qHWOQ7"},
            "settings": {"language": "en", "is_public": True, "show_progress_bar": True},
            "welcome_screens": [],
            "thankyou_screens": [self.ending()],
            "fields": copy.deepcopy(self.fields),
            "hidden": list(self.hidden),
            "variables": {"score": 0},
            "logic": [],
            "_links": {"display": f"https://form.typeform.com/to/{self.id}"},
        }

    def summary(self) -> dict[str, Any]:
        """One item of `GET /forms`."""
        return {
            "id": self.id,
            "type": "quiz" if self.scored else "form",
            "title": self.title,
            "created_at": self.created_at,
            "last_updated_at": self.last_updated_at,
            "self": {"href": f"{_BASE}/forms/{self.id}"},
            "theme": {"href": f"{_BASE}/themes/qHWOQ7"},
            "_links": {
                "display": f"https://form.typeform.com/to/{self.id}",
                "responses": f"{_BASE}/forms/{self.id}/responses",
            },
        }

    def webhook_definition(self) -> dict[str, Any]:
        """The `definition` block of a `form_response` webhook payload."""
        fields = []
        for f in self.fields:
            props = f["properties"]
            item: dict[str, Any] = {
                "id": f["id"],
                "title": f["title"],
                "type": f["type"],
                "ref": f["ref"],
                "allow_multiple_selections": bool(props.get("allow_multiple_selection")),
                "allow_other_choice": bool(props.get("allow_other_choice")),
                "properties": {},
            }
            if "choices" in props:
                item["choices"] = [dict(c) for c in props["choices"]]
            fields.append(item)
        return {"id": self.id, "title": self.title, "fields": fields, "endings": [self.ending()]}


def _fields(ids: DataGenerator, specs: tuple[_Spec, ...]) -> list[dict[str, Any]]:
    fields = []
    for ref, title, kind, required, labels, multiple, other in specs:
        properties: dict[str, Any] = {}
        if labels:
            properties["choices"] = [
                {"id": ids.short_id(length=12), "ref": f"{ref}_{i}", "label": label}
                for i, label in enumerate(labels)
            ]
            properties["allow_multiple_selection"] = multiple
            properties["allow_other_choice"] = other
        if kind == "opinion_scale":
            properties.update(steps=11, start_at_one=False)
        fields.append(
            {
                "id": ids.short_id(length=12),
                "ref": ref,
                "title": title,
                "type": kind,
                "properties": properties,
                "validations": {"required": required},
            }
        )
    return fields


def seeded_forms() -> list[SimForm]:
    """The default account's forms (ids independent of the simulator's seed)."""
    ids = DataGenerator(0x7F0)
    return [
        SimForm(
            ONBOARDING_FORM_ID,
            DEFAULT_ACCOUNT,
            "Client Onboarding",
            _fields(ids, _ONBOARDING),
            ["utm_source", "partner_id"],
        ),
        SimForm(
            FEEDBACK_FORM_ID,
            DEFAULT_ACCOUNT,
            "Customer Feedback",
            _fields(ids, _FEEDBACK),
            ["customer_id"],
            scored=True,
        ),
        SimForm(EVENTS_FORM_ID, DEFAULT_ACCOUNT, "Event Registration", _fields(ids, _EVENTS)),
    ]


def new_form(gen: DataGenerator, account: str, title: str, created_at: str) -> SimForm:
    """A fresh form for `account` with the onboarding questions and new ids."""
    form_id = gen.short_id(length=8)
    form = SimForm(form_id, account, title, _fields(gen, _ONBOARDING), ["utm_source"])
    form.created_at = form.last_updated_at = created_at
    return form
