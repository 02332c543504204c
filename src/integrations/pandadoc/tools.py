"""PandaDoc operations offered to AI agents as MCP tools (`TOOLS`).

Inputs are small flat models an agent can fill in; each tool calls one or two operations
and returns plain JSON. Tools that create, send or open documents for signing are marked
`writes` so a client can ask a human first.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from integrations.core.client import BaseIntegration
from integrations.core.urls import quote_segment
from integrations.errors import ConfigError
from integrations.mcp.tools import ToolSpec
from integrations.pandadoc import operations as ops
from integrations.pandadoc.bodies import (
    CreateFromTemplate,
    DocumentFilter,
    FieldValue,
    Recipient,
    SendOptions,
    Token,
)
from integrations.pandadoc.client import PandaDocIntegration
from integrations.pandadoc.models import DocumentStatus
from integrations.pandadoc.waiting import DOCS

__all__ = [
    "TOOLS",
    "CreateDocumentInput",
    "DocumentInput",
    "ListDocumentsInput",
    "ListTemplatesInput",
    "SendDocumentInput",
    "SigningLinkInput",
    "TemplateInput",
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListTemplatesInput(_Input):
    query: str | None = Field(default=None, description="text to search in template names")
    tag: str | None = Field(default=None, description="only templates with this tag")
    page: int = Field(default=1, ge=1)
    count: int = Field(default=25, ge=1, le=100)


class TemplateInput(_Input):
    template_id: str = Field(min_length=1)


class CreateDocumentInput(_Input):
    template_id: str = Field(min_length=1)
    name: str = Field(min_length=1, description="the new document's name")
    recipients: list[Recipient] = Field(
        min_length=1, description="email or phone each; `role` must be one of the template's"
    )
    tokens: dict[str, str] = Field(default_factory=dict, description="variables by name")
    fields: dict[str, bool | int | float | str] = Field(
        default_factory=dict, description="merge-field values by name"
    )
    metadata: dict[str, str] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    wait_for_draft: bool = Field(
        default=True, description="wait until processing ends (usually a few seconds)"
    )


class DocumentInput(_Input):
    document_id: str = Field(min_length=1)


class ListDocumentsInput(_Input):
    status: DocumentStatus | None = None
    query: str | None = Field(default=None, description="name or reference number")
    template_id: str | None = None
    tag: str | None = None
    page: int = Field(default=1, ge=1)
    count: int = Field(default=25, ge=1, le=100)


class SendDocumentInput(_Input):
    document_id: str = Field(min_length=1)
    subject: str | None = None
    message: str | None = None
    silent: bool = Field(default=False, description="send without emails to recipients")


class SigningLinkInput(_Input):
    document_id: str = Field(min_length=1)
    recipient_email: str = Field(min_length=3)
    lifetime_seconds: int = Field(default=3600, ge=60, le=31_535_999)


def _client(client: BaseIntegration) -> PandaDocIntegration:
    if not isinstance(client, PandaDocIntegration):
        raise ConfigError(f"expected the pandadoc client, got {client.name}")
    return client


async def _list_templates(client: BaseIntegration, args: ListTemplatesInput) -> dict[str, Any]:
    items = await ops.list_templates(
        _client(client),
        q=args.query,
        tags=[args.tag] if args.tag else [],
        page=args.page,
        count=args.count,
    )
    return {"templates": items, "page": args.page, "last_page": len(items) < args.count}


async def _template_details(client: BaseIntegration, args: TemplateInput) -> Any:
    return await ops.get_template_details(_client(client), args.template_id)


async def _create_document(client: BaseIntegration, args: CreateDocumentInput) -> Any:
    pandadoc = _client(client)
    body = CreateFromTemplate(
        template_uuid=args.template_id,
        name=args.name,
        recipients=args.recipients,
        tokens=[Token(name=k, value=v) for k, v in args.tokens.items()] or None,
        fields={k: FieldValue(value=v) for k, v in args.fields.items()} or None,
        metadata=args.metadata or None,
        tags=args.tags or None,
    )
    created = await ops.create_document_from_template(pandadoc, body)
    if not args.wait_for_draft:
        return created
    return await ops.wait_for_document_status(pandadoc, created.id)


async def _document_status(client: BaseIntegration, args: DocumentInput) -> Any:
    return await ops.get_document_status(_client(client), args.document_id)


async def _document_details(client: BaseIntegration, args: DocumentInput) -> Any:
    return await ops.get_document_details(_client(client), args.document_id)


async def _list_documents(client: BaseIntegration, args: ListDocumentsInput) -> dict[str, Any]:
    filters = DocumentFilter(
        status=args.status, q=args.query, template_id=args.template_id, tag=args.tag
    )
    items = await ops.list_documents(_client(client), filters, page=args.page, count=args.count)
    return {"documents": items, "page": args.page, "last_page": len(items) < args.count}


async def _send_document(client: BaseIntegration, args: SendDocumentInput) -> Any:
    options = SendOptions(subject=args.subject, message=args.message, silent=args.silent)
    return await ops.send_document(_client(client), args.document_id, options)


async def _signing_link(client: BaseIntegration, args: SigningLinkInput) -> Any:
    return await ops.create_signing_link(
        _client(client), args.document_id, args.recipient_email, lifetime=args.lifetime_seconds
    )


async def _download_link(client: BaseIntegration, args: DocumentInput) -> dict[str, Any]:
    pandadoc = _client(client)
    summary = await ops.get_document_status(pandadoc, args.document_id)
    signed = summary.status == DocumentStatus.COMPLETED
    kind = "download-protected" if signed and not pandadoc.sandbox else "download"
    return {
        "document_id": summary.id,
        "status": summary.status,
        "ready": summary.status not in (DocumentStatus.UPLOADED, DocumentStatus.ERROR),
        "signed": signed,
        "app_url": f"{pandadoc.spec.app_url}/a/#/documents/{summary.id}",
        "api_url": f"{pandadoc.spec.base_url}{DOCS}/{quote_segment(summary.id)}/{kind}",
        "note": "app_url opens the document for workspace members (download from there); "
        "api_url needs the PandaDoc API key",
    }


def _tool(name: str, description: str, model: type[BaseModel], run: Any, writes: bool) -> ToolSpec:
    return ToolSpec(f"pandadoc_{name}", description, model, writes, run, "pandadoc")


TOOLS: list[ToolSpec] = [
    _tool(
        "list_templates",
        "List or search PandaDoc templates by name or tag.",
        ListTemplatesInput,
        _list_templates,
        False,
    ),
    _tool(
        "get_template_details",
        "A template's roles, variables (tokens) and fields, needed to create a document.",
        TemplateInput,
        _template_details,
        False,
    ),
    _tool(
        "create_document_from_template",
        "Create a document from a template for the given recipients (not sent yet).",
        CreateDocumentInput,
        _create_document,
        True,
    ),
    _tool(
        "list_documents",
        "List documents, optionally by status, name, template or tag.",
        ListDocumentsInput,
        _list_documents,
        False,
    ),
    _tool(
        "get_document_status",
        "The current status of a document (draft, sent, viewed, completed, ...).",
        DocumentInput,
        _document_status,
        False,
    ),
    _tool(
        "get_document_details",
        "A document's recipients (who has signed), variables, fields and totals.",
        DocumentInput,
        _document_details,
        False,
    ),
    _tool(
        "send_document",
        "Send a draft document to its recipients for signing.",
        SendDocumentInput,
        _send_document,
        True,
    ),
    _tool(
        "create_signing_link",
        "An embedded-signing link for one recipient of a sent document.",
        SigningLinkInput,
        _signing_link,
        True,
    ),
    _tool(
        "get_download_link",
        "Where to download a document's PDF (signed PDF once completed).",
        DocumentInput,
        _download_link,
        False,
    ),
]
