"""PandaDoc wire shapes: what each endpoint answers, built from the simulator's dataclasses.

Every builder follows the response schema of the saved OpenAPI spec (the contract tests
validate them). Where the spec types a field as a non-nullable string (`version` in lists,
`expiration_date` in the send answer) the key is left out rather than sent as null.
"""

from __future__ import annotations

from typing import Any

from integrations.simulators.pandadoc_models import (
    Document,
    Recipient,
    Template,
    TemplateField,
    iso,
)

__all__ = [
    "PROCESSING_MESSAGE",
    "conflict_body",
    "create_body",
    "details_body",
    "list_item",
    "revert_body",
    "send_body",
    "status_body",
    "template_details",
    "template_item",
    "webhook_data",
]

PROCESSING_MESSAGE = (
    "Warning - Document status document.uploaded doesn't mean that the document already "
    "exists - processing happens asynchronously. Please follow the documentation section "
    "https://developers.pandadoc.com/reference/new-document"
)
_CREATED_MESSAGE = (
    "You need to poll the Document Status method until the status will be changed to document.draft"
)


def _drop_none(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    for key in keys:
        if body.get(key) is None:
            body.pop(key, None)
    return body


def status_body(doc: Document) -> dict[str, Any]:
    """`GET /documents/{id}` (DocumentStatusResponse)."""
    return {
        "id": doc.id,
        "uuid": doc.id,
        "name": doc.name,
        "status": doc.status,
        "date_created": iso(doc.created),
        "date_modified": iso(doc.modified),
        "date_completed": iso(doc.date_completed),
        "expiration_date": None,
        "version": doc.version,
    }


def list_item(doc: Document) -> dict[str, Any]:
    """One `results[]` entry of `GET /documents`."""
    body = status_body(doc)
    del body["uuid"]
    return _drop_none(body, "version")


def create_body(doc: Document, base_url: str) -> dict[str, Any]:
    """201 of `POST /documents` (DocumentCreateResponse), always `document.uploaded`."""
    body = status_body(doc)
    del body["date_completed"]
    body["links"] = [{"rel": "status", "href": f"{base_url}/public/v1/documents/{doc.id}"}]
    body["links"][0]["type"] = "GET"
    body["info_message"] = _CREATED_MESSAGE
    return body


def conflict_body(doc: Document, message: str = PROCESSING_MESSAGE) -> dict[str, Any]:
    """409: the document is not in a state that allows the operation."""
    return {"id": doc.id, "status": doc.status, "info_message": message}


def revert_body(doc: Document) -> dict[str, Any]:
    """200 of `POST /documents/{id}/draft` (DocumentRevertToDraftResponse)."""
    body = status_body(doc)
    for key in ("uuid", "date_completed"):
        del body[key]
    return _drop_none(body, "version")


def _recipient(r: Recipient) -> dict[str, Any]:
    return {
        "id": r.id,
        "type": "recipient",
        "first_name": r.first_name,
        "last_name": r.last_name,
        "email": r.email,
        "phone": r.phone,
        "recipient_type": r.recipient_type,
        "role": r.role,
        "roles": [r.role] if r.role else [],
        "signing_order": r.signing_order,
        "delivery_methods": dict(r.delivery_methods),
        "contact_id": r.contact_id,
        "has_completed": r.has_completed,
        "signature_date": iso(r.signature_date),
        "shared_link": r.shared_link,
        "redirect": {"is_enabled": False, "url": None},
    }


def send_body(doc: Document) -> dict[str, Any]:
    """200 of `POST /documents/{id}/send` (DocumentSendResponse)."""
    body = _drop_none(status_body(doc), "expiration_date", "version")
    keep = ("id", "first_name", "last_name", "recipient_type", "email", "phone")
    body["recipients"] = [
        {k: v for k, v in _recipient(r).items() if k in keep}
        | {
            "delivery_methods": dict(r.delivery_methods),
            "signing_order": r.signing_order,
            "shared_link": r.shared_link,
            "type": "recipient",
        }
        for r in doc.recipients
    ]
    return body


def _field(f: TemplateField, doc: Document) -> dict[str, Any]:
    uid = f.uuid
    default: Any = {"text": "", "checkbox": False, "signature": {}}[f.type]
    body: dict[str, Any] = {
        "uuid": uid,
        "name": f.name,
        "title": "",
        "placeholder": f.name,
        "value": default if f.value is None else f.value,
        "field_id": f"{f.type}_{uid}",
        "type": f.type,
    }
    signer = next((r for r in doc.recipients if r.role == f.role), None)
    if signer is not None:
        assigned = {k: v for k, v in _recipient(signer).items() if v is not None}
        for key in ("contact_id", "signature_date", "shared_link", "redirect"):
            assigned.pop(key, None)
        body["assigned_to"] = assigned | {"phone": signer.phone or ""}
    return body


def details_body(doc: Document, user: dict[str, Any]) -> dict[str, Any]:
    """`GET /documents/{id}/details` (DocumentDetailsResponse)."""
    body = status_body(doc)
    del body["uuid"]
    body.update(
        {
            "autonumbering_sequence_name_prefix": None,
            "folder_uuid": doc.folder_uuid,
            "content_date_modified": iso(doc.modified),
            "date_sent": iso(doc.date_sent),
            "ref_number": doc.ref_number,
            "created_by": dict(user),
            "sent_by": None if doc.date_sent is None else dict(user),
            "template": None
            if doc.template is None
            else {"id": doc.template.id, "name": doc.template.name},
            "metadata": dict(doc.metadata),
            "tokens": [dict(t) for t in doc.tokens],
            "fields": [_field(f, doc) for f in doc.fields],
            "pricing": {},
            "tables": [],
            "images": [],
            "texts": [],
            "tags": list(doc.tags),
            "recipients": [_recipient(r) for r in doc.recipients],
            "grand_total": {"amount": doc.grand_total, "currency": "USD"},
            "linked_objects": [],
            "approval_execution": None,
            "version": doc.version or "2",
        }
    )
    if doc.lock is not None:  # the spec's `lock` schema is not nullable: absent when unlocked
        body["lock"] = dict(doc.lock)
    return body


def webhook_data(details: dict[str, Any], payload: list[str]) -> dict[str, Any]:
    """`data` of a document event from the details snapshot taken at event time, with
    metadata/fields/tokens/pricing/products only when the subscription's `payload` selects
    them (BRIEF §1.9)."""
    hidden = {"lock", "folder_uuid", "content_date_modified", "date_sent", "ref_number"}
    hidden |= {"metadata", "fields", "tokens", "pricing"} - set(payload)
    data = {k: v for k, v in details.items() if k not in hidden}
    if "products" in payload:
        data["products"] = []
    return data


def template_item(template: Template, *, content_date: bool = False) -> dict[str, Any]:
    """One `results[]` entry of `GET /templates`."""
    body = {
        "id": template.id,
        "name": template.name,
        "date_created": iso(template.created),
        "date_modified": iso(template.created),
        "version": "2",
    }
    if content_date:
        body["content_date_modified"] = iso(template.created)
    return body


def template_details(template: Template, user: dict[str, Any]) -> dict[str, Any]:
    """`GET /templates/{id}/details` (TemplateDetailsResponse)."""
    stub = Document(
        template.id, template.name, template.created, 0.0, False, template, [],
        [], template.fields, {}, [], None, "",
    )  # fmt: skip
    return template_item(template, content_date=True) | {
        "folder_uuid": template.folder_uuid,
        "created_by": {k: v for k, v in user.items() if k != "membership_id"},
        "metadata": {},
        "tokens": [dict(t) for t in template.tokens],
        "fields": [_field(f, stub) for f in template.fields],
        "pricing": {},
        "tags": list(template.tags),
        "roles": [
            {
                "id": r.id,
                "name": r.name,
                "signing_order": r.signing_order,
                "preassigned_person": None,
            }
            for r in template.roles
        ],
        "content_placeholders": [],
        "tables": [],
        "images": [],
    }
