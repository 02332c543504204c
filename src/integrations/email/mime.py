"""From an `EmailMessage` input to the MIME message that goes on the wire (or is shown).

`prepare()` renders the templates (raising before anything is sent), builds the MIME
message with our message id in `Message-ID`, and keeps the masked recipient for logs,
status rows and dry runs. A dry run shows exactly these prepared messages.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate
from typing import Any

from integrations.email.client import EmailIntegration
from integrations.email.exceptions import TemplateRenderError, TemplateVariableError
from integrations.email.models import EmailMessage, mask_email
from integrations.email.presets import is_address
from integrations.email.templates import RenderedEmail, load_named_template, render_template

__all__ = ["PreparedEmail", "dry_run_request", "prepare"]


@dataclass(frozen=True, slots=True)
class PreparedEmail:
    """A rendered message ready to send."""

    message_id: str
    to: str
    masked: str
    subject: str
    rendered: RenderedEmail
    attachments: tuple[str, ...]
    mime: MimeMessage


def _render(client: EmailIntegration, message: EmailMessage) -> RenderedEmail:
    if message.template is None:
        return render_template(message.subject, message.body, message.html, message.variables)
    if client.template_dir is None:
        raise TemplateRenderError("named templates need template_dir (EMAIL_TEMPLATE_DIR)")
    subject, text, html = load_named_template(client.template_dir, message.template)
    return render_template(subject or message.subject, text, html, message.variables)


def prepare(
    client: EmailIntegration, message: EmailMessage, message_id: str, *, index: int | None = None
) -> PreparedEmail:
    """Render `message` and build its MIME form.

    Raises:
        TemplateVariableError / TemplateRenderError: naming the message's `index` in a batch.
    """
    try:
        rendered = _render(client, message)
    except TemplateVariableError as exc:
        if index is not None:
            exc.message = f"messages.{index}: {exc.message}"
        raise
    mime = MimeMessage()
    mime["From"] = client.smtp.sender
    if is_address(message.to):  # a malformed one is never sent, and never put in a header
        mime["To"] = message.to
    mime["Subject"] = rendered.subject
    mime["Date"] = formatdate(usegmt=True)
    mime["Message-ID"] = f"<{message_id}@{client.smtp.sender.rpartition('@')[2]}>"
    mime.set_content(rendered.text)
    if rendered.html is not None:
        mime.add_alternative(rendered.html, subtype="html")
    names = []
    for attachment in message.attachments:
        try:
            data = base64.b64decode(attachment.content_base64, validate=True)
        except binascii.Error:
            where = f"messages.{index}." if index is not None else ""
            raise TemplateRenderError(
                f"{where}attachments: {attachment.filename!r} is not valid base64"
            ) from None
        maintype, _, subtype = attachment.content_type.partition("/")
        mime.add_attachment(data, maintype=maintype, subtype=subtype, filename=attachment.filename)
        names.append(attachment.filename)
    return PreparedEmail(
        message_id,
        message.to,
        mask_email(message.to),
        rendered.subject,
        rendered,
        tuple(names),
        mime,
    )


def dry_run_request(client: EmailIntegration, prepared: list[PreparedEmail]) -> dict[str, Any]:
    """What a dry run shows: the server, then each message as it would be sent, recipients
    masked; a malformed address is marked as one that would fail."""
    messages = [
        {
            "message_id": p.message_id,
            "to": p.masked,
            "subject": p.subject,
            "text": p.rendered.text,
            "html": p.rendered.html,
            "attachments": list(p.attachments),
            **({} if is_address(p.to) else {"would_fail": "invalid_address"}),
        }
        for p in prepared
    ]
    return {
        "method": "SMTP",
        "url": f"smtp://{client.smtp.host}:{client.smtp.port}",
        "headers": {"From": client.smtp.sender, "TLS": client.smtp.tls},
        "json": {"count": len(messages), "messages": messages},
    }
