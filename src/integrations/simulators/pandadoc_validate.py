"""Request-body checks for the PandaDoc simulator, answering the way PandaDoc does.

PandaDoc reports body problems as `400 {type: "validation_error", detail: {field: [msg]}}`
naming every offending field at once, so a client can show them all; these functions collect
such a `detail` mapping instead of stopping at the first problem. An empty mapping means
the body is acceptable.
"""

from __future__ import annotations

import json
from typing import Any

from integrations.simulators.pandadoc_models import PAYLOAD_OPTIONS, TRIGGERS, Template

__all__ = [
    "REQUIRED",
    "Errors",
    "check_create",
    "check_recipients",
    "check_subscription",
    "parse_json_object",
]

REQUIRED = "This field is required."
Errors = dict[str, list[str]]


def parse_json_object(raw: bytes) -> tuple[dict[str, Any], Errors]:
    """The body as a JSON object, or the error PandaDoc gives for a non-object body."""
    if not raw.strip():
        return {}, {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        return {}, {"non_field_errors": [f"JSON parse error - {exc}"]}
    if not isinstance(value, dict):
        kind = type(value).__name__
        return {}, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
    return value, {}


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def check_recipients(recipients: Any, template: Template | None, errors: Errors) -> None:
    """Each recipient needs an email or a phone; a role must be one of the template's."""
    if not isinstance(recipients, list):
        _add(
            errors,
            "recipients",
            f'Expected a list of items but got type "{type(recipients).__name__}".',
        )
        return
    roles = {r.name for r in template.roles} if template is not None else None
    for number, item in enumerate(recipients, start=1):
        if not isinstance(item, dict):
            _add(errors, "recipients", f"Recipient {number}: expected an object.")
            continue
        if item.get("type", "recipient") != "recipient":
            _add(errors, "recipients", f"Recipient {number}: recipient groups are not supported.")
            continue
        if not item.get("email") and not item.get("phone"):
            _add(errors, "recipients", f"Recipient {number}: email or phone is required.")
        role = item.get("role")
        if role and roles is not None and role not in roles:
            known = ", ".join(sorted(roles))
            _add(
                errors,
                "recipients",
                f"Recipient {number}: role {role!r} does not exist in the template "
                f"(roles: {known}).",
            )
        order = item.get("signing_order")
        if order is not None and (not isinstance(order, int) or order < 1):
            _add(errors, "recipients", f"Recipient {number}: signing_order must be >= 1.")


def _check_common(body: dict[str, Any], template: Template | None, errors: Errors) -> None:
    tokens = body.get("tokens", [])
    if not isinstance(tokens, list) or not all(
        isinstance(t, dict) and isinstance(t.get("name"), str) and isinstance(t.get("value"), str)
        for t in tokens
    ):
        _add(errors, "tokens", "Each token needs a string name and a string value.")
    fields = body.get("fields", {})
    if not isinstance(fields, dict) or not all(
        isinstance(f, dict) and "value" in f for f in fields.values()
    ):
        _add(errors, "fields", "Each field needs a value: {name: {value, role?}}.")
    elif template is not None:
        signatures = {f.name for f in template.fields if f.type == "signature"}
        for name in sorted(signatures & set(fields)):
            _add(errors, "fields", f"Signature field {name!r} cannot be prefilled.")
    if body.get("metadata") is not None and not isinstance(body.get("metadata"), dict):
        _add(errors, "metadata", "Expected a dictionary of items.")
    tags = body.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        _add(errors, "tags", "Expected a list of strings.")


def check_create(
    body: dict[str, Any], templates: dict[str, Template], *, upload: bool = False
) -> tuple[Template | None, Errors]:
    """Validate a create-document body: from a template, a public PDF URL, or an upload's
    `data` part. Returns the template (when from a template) and the errors."""
    errors: Errors = {}
    template: Template | None = None
    if upload or "url" in body:
        if not upload:
            url = body.get("url")
            if not isinstance(url, str) or not url:
                _add(errors, "url", REQUIRED)
            elif not url.lower().startswith("https://"):
                _add(errors, "url", "Only public HTTPS URLs are supported.")
        if not isinstance(body.get("name"), str) or not body.get("name"):
            _add(errors, "name", REQUIRED)
        if "recipients" in body:
            check_recipients(body["recipients"], None, errors)
    else:
        template_id = body.get("template_uuid")
        if not template_id:
            _add(errors, "template_uuid", REQUIRED)
        else:
            template = templates.get(str(template_id))
            if template is None or template.deleted:
                _add(errors, "template_uuid", f"Template {template_id!r} was not found.")
                template = None
        if "recipients" not in body:
            _add(errors, "recipients", REQUIRED)
        elif template is not None or template_id is None:
            check_recipients(body["recipients"], template, errors)
    _check_common(body, template, errors)
    return template, errors


def check_subscription(body: dict[str, Any], *, partial: bool, https_only: bool) -> Errors:
    """A webhook-subscription create (or, `partial`, PATCH) body."""
    errors: Errors = {}
    for key in ("name", "url", "triggers"):
        if not partial and key not in body:
            _add(errors, key, REQUIRED)
    if "name" in body and (not isinstance(body["name"], str) or not body["name"]):
        _add(errors, "name", "Must be a non-empty string.")
    url = body.get("url")
    if "url" in body and (not isinstance(url, str) or "://" not in url):
        _add(errors, "url", "Enter a valid URL.")
    elif isinstance(url, str) and https_only and not url.lower().startswith("https://"):
        _add(errors, "url", "Only HTTPS URLs are allowed.")
    for key, allowed in (("triggers", TRIGGERS), ("payload", PAYLOAD_OPTIONS)):
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            _add(errors, key, "Expected a list of strings.")
            continue
        for bad in sorted(set(value) - allowed):
            _add(errors, key, f'"{bad}" is not a valid choice.')
    if "active" in body and not isinstance(body["active"], bool):
        _add(errors, "active", "Must be a valid boolean.")
    return errors
