"""PandaDoc document operations: send, session, manual status, revert, delete, view, sign.

The API operations raise `PandaDocError` with PandaDoc's own status and body; the simulated
recipient actions (`view`, `sign`, which in reality happen in a browser) raise it with 409
for a wrong state so the control API and in-process tests see the same refusal.
Choices on points the brief leaves open are documented on each function.
"""

from __future__ import annotations

from typing import Any

from integrations.simulators.pandadoc_models import (
    MANUAL_TRANSITIONS,
    STATUS_BY_CODE,
    Document,
    PandaDocError,
    iso,
)
from integrations.simulators.pandadoc_state import PandaDocState
from integrations.simulators.pandadoc_views import PROCESSING_MESSAGE, conflict_body

__all__ = [
    "delete",
    "force_status",
    "lock",
    "revert",
    "send",
    "session",
    "set_status",
    "sign",
    "sign_remaining",
    "view",
]

_SENT = ("document.sent", "document.viewed")


def _bad_request(field: str, message: str, kind: str = "request_error") -> PandaDocError:
    return PandaDocError(400, {"type": kind, "detail": {field: [message]}})


def _not_while_processing(doc: Document) -> None:
    if doc.status == "document.uploaded":
        raise PandaDocError(409, conflict_body(doc, PROCESSING_MESSAGE))


def _mail(state: PandaDocState, doc: Document, kind: str) -> None:
    """Simulated notifications (email or SMS), unless the document was sent silently."""
    if doc.silent:
        return
    for r in doc.recipients:
        for channel, address in (("email", r.email), ("sms", r.phone)):
            if address and r.delivery_methods.get(channel):
                state.outbox.append(
                    {"kind": kind, "channel": channel, "to": address, "document_id": doc.id}
                )


def send(state: PandaDocState, doc: Document, body: dict[str, Any]) -> None:
    """Draft -> sent. 409 while uploaded. From any other status the spec documents no 400
    for this endpoint, so the answer is the spec's 409 Conflict body with the current status;
    `config.send_wrong_state_status = 400` answers `400 request_error` instead."""
    _not_while_processing(doc)
    if doc.status != "document.draft":
        message = f"Document can only be sent from document.draft, it is {doc.status}."
        if state.config.send_wrong_state_status == 400:
            raise _bad_request("non_field_errors", message)
        raise PandaDocError(409, conflict_body(doc, message))
    if "silent" in body and not isinstance(body["silent"], bool):
        raise _bad_request("silent", "Must be a valid boolean.", "validation_error")
    doc.silent = bool(body.get("silent", False))
    doc.date_sent = state.now()
    for recipient in doc.recipients:
        recipient.shared_link = recipient.shared_link or state.shared_link()
    state.move(doc, "document.sent")
    _mail(state, doc, "document_sent")


def session(state: PandaDocState, doc: Document, body: dict[str, Any]) -> dict[str, Any]:
    """An embedded-signing session. The spec lists 400 (not 409) for this endpoint, so a
    document that is not sent/viewed, still processing included, gets 400 request_error."""
    email = body.get("recipient")
    if not isinstance(email, str) or not email:
        raise _bad_request("recipient", "This field is required.")
    lifetime = body.get("lifetime", 3600)
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
        raise _bad_request("lifetime", "A positive number of seconds is required.")
    if doc.status not in _SENT:
        message = f"Document must be document.sent or document.viewed, it is {doc.status}."
        raise _bad_request("non_field_errors", message)
    if doc.recipient(email) is None:
        raise _bad_request("recipient", f"{email} is not a recipient of this document.")
    answer = {"id": state.gen.short_id(), "expires_at": iso(state.now() + float(lifetime))}
    doc.sessions.append({"recipient": email, **answer})
    return answer


def set_status(state: PandaDocState, doc: Document, body: dict[str, Any]) -> None:
    """Manual status (2, 10, 11, 12) by the spec's table; a refused change is the spec's
    409 Conflict. Paid (10) also needs `config.payment_app_connected`."""
    code = body.get("status")
    if isinstance(code, bool) or code not in (2, 10, 11, 12):
        raise _bad_request("status", f'"{code}" is not a valid choice.', "validation_error")
    _not_while_processing(doc)
    target = STATUS_BY_CODE[code]
    if code not in MANUAL_TRANSITIONS.get(doc.status, frozenset()):
        message = f"Cannot change the status from {doc.status} to {target}."
        raise PandaDocError(409, conflict_body(doc, message))
    if code == 10 and not state.config.payment_app_connected:
        raise PandaDocError(409, conflict_body(doc, "No payment app is connected."))
    state.move(doc, target)
    if body.get("notify_recipients"):
        _mail(state, doc, "status_changed")


def revert(state: PandaDocState, doc: Document) -> None:
    """Back to draft from any status but processing/error (409): signatures are cleared,
    recipients are not notified; emits state-changed (if it changed) and document_updated."""
    _not_while_processing(doc)
    if doc.status == "document.error":
        raise PandaDocError(409, conflict_body(doc, "The document failed processing."))
    for recipient in doc.recipients:
        recipient.has_completed, recipient.signature_date = False, None
    doc.date_completed = doc.pdf_ready_at = None
    if doc.status != "document.draft":
        state.move(doc, "document.draft")
    doc.pdf_ready_at = state.now() + state.config.pdf_delay
    state.queue("document_updated", doc)


def delete(state: PandaDocState, doc: Document) -> None:
    doc.deleted = True
    doc.modified = state.now()
    state.queue("document_deleted", doc)


def view(state: PandaDocState, doc: Document) -> None:
    """A recipient opened the link: sent -> viewed (no-op once viewed)."""
    if doc.status not in _SENT:
        raise PandaDocError(409, {"detail": f"cannot view a document in {doc.status}"})
    if doc.status == "document.sent":
        state.move(doc, "document.viewed")


def sign(state: PandaDocState, doc: Document, email: str) -> None:
    """`email` completes the document (viewing it first if needed); the last signer
    completes the document. Signing order is enforced; CC recipients cannot sign."""
    recipient = doc.recipient(email)
    if recipient is None or recipient.role is None or recipient.has_completed:
        why = "not a signer" if recipient is None or recipient.role is None else "already signed"
        raise PandaDocError(409, {"detail": f"{email}: {why}"})
    signers = [r for r in doc.recipients if r.role is not None]
    order = recipient.signing_order or 0
    if any(not r.has_completed and (r.signing_order or 0) < order for r in signers):
        raise PandaDocError(409, {"detail": f"{email}: earlier signers have not signed"})
    view(state, doc)
    now = state.now()
    recipient.has_completed, recipient.signature_date = True, now
    doc.modified = now
    action_by = {"id": recipient.id, "email": recipient.email}
    action_by |= {"first_name": recipient.first_name, "last_name": recipient.last_name}
    state.queue("recipient_completed", doc, action_by=action_by, action_date=iso(now))
    if all(r.has_completed for r in signers):
        state.move(doc, "document.completed")
        _mail(state, doc, "document_completed")


def sign_remaining(state: PandaDocState, doc: Document) -> None:
    """Every signer who has not signed yet signs, in signing order (one `recipient_completed`
    each, then `document.completed`): a whole signing ceremony in one step."""
    pending = [r for r in doc.recipients if r.role is not None and not r.has_completed]
    if not pending:
        raise PandaDocError(409, {"detail": "every signer has already signed"})
    for recipient in sorted(pending, key=lambda r: r.signing_order or 0):
        if recipient.email is None:  # a phone-only signer signs through an SMS link
            raise PandaDocError(409, {"detail": "a signer without an email cannot be simulated"})
        sign(state, doc, recipient.email)


def lock(state: PandaDocState, doc: Document, seconds: float = 900.0) -> dict[str, Any]:
    """Lock for editing (as if someone opened it in an editor) for `seconds`."""
    doc.lock_until = state.now() + seconds
    doc.lock = {
        "locked_by_user_id": state.gen.short_id(),
        "lock_type": "wopi_editing",
        "expires_at": iso(doc.lock_until),
    }
    return doc.lock


def force_status(state: PandaDocState, doc: Document, status: str) -> None:
    """Put a document in any status (tests reach approval/payment states this way)."""
    if status == "document.sent" or status == "document.viewed":
        doc.date_sent = doc.date_sent or state.now()
        for recipient in doc.recipients:
            recipient.shared_link = recipient.shared_link or state.shared_link()
    doc.version = "2"
    state.move(doc, status)
