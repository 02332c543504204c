"""PandaDoc operations, declared once (`TOOLS`): REST actions, `integrations call`, MCP tools.

Inputs are small flat models a person or an agent can fill in; each operation calls one or
two functions of `operations` and returns plain JSON. Operations that create, send or open
documents for signing are writes: MCP refuses them until allowed, and all of them dry-run.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from integrations.actions.declaration import ID_PATTERN, ActionContext, OperationSpec
from integrations.core.urls import quote_segment
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
from integrations.pandadoc.models import (
    CreatedDocument,
    DocumentDetails,
    DocumentListItem,
    DocumentStatus,
    DocumentSummary,
    SentDocument,
    SigningLink,
    TemplateDetails,
    TemplateListItem,
)
from integrations.pandadoc.simulated import SIMULATED_TOOLS
from integrations.pandadoc.waiting import DOCS

__all__ = [
    "TOOLS",
    "CreateDocumentInput",
    "DocumentInput",
    "DocumentPage",
    "DownloadLink",
    "ListDocumentsInput",
    "ListTemplatesInput",
    "SendDocumentInput",
    "SigningLinkInput",
    "TemplateInput",
    "TemplatePage",
]

# Examples name the simulator's seeded "Sales Proposal" template (the same id for every seed)
# and a document id of the kind PandaDoc issues.
_EXAMPLE_TEMPLATE = "DfU25035HyRrY03K6JBO94"
_EXAMPLE_DOC = "msFYActMfJHqNTKH8YSvF1"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListTemplatesInput(_Input):
    query: str | None = Field(default=None, description="text to search in template names")
    tag: str | None = Field(default=None, description="only templates with this tag")
    page: int = Field(default=1, ge=1)
    count: int = Field(default=25, ge=1, le=100)


class TemplateInput(_Input):
    template_id: str = Field(pattern=ID_PATTERN, description="the template's id")


class CreateDocumentInput(_Input):
    template_id: str = Field(pattern=ID_PATTERN, description="the template's id")
    name: str = Field(min_length=1, max_length=500, description="the new document's name")
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
    document_id: str = Field(pattern=ID_PATTERN, description="the document's id")


class ListDocumentsInput(_Input):
    status: DocumentStatus | None = None
    query: str | None = Field(default=None, description="name or reference number")
    template_id: str | None = Field(default=None, pattern=ID_PATTERN)
    tag: str | None = None
    page: int = Field(default=1, ge=1)
    count: int = Field(default=25, ge=1, le=100)


class SendDocumentInput(_Input):
    document_id: str = Field(pattern=ID_PATTERN, description="the document's id")
    subject: str | None = None
    message: str | None = None
    silent: bool = Field(default=False, description="send without emails to recipients")


class SigningLinkInput(_Input):
    document_id: str = Field(pattern=ID_PATTERN, description="the document's id")
    recipient_email: str = Field(min_length=3, max_length=320)
    lifetime_seconds: int = Field(default=3600, ge=60, le=31_535_999)


class TemplatePage(BaseModel):
    templates: list[TemplateListItem]
    page: int
    last_page: bool


class DocumentPage(BaseModel):
    documents: list[DocumentListItem]
    page: int
    last_page: bool


class DownloadLink(BaseModel):
    document_id: str
    status: DocumentStatus
    ready: bool
    signed: bool
    app_url: str
    api_url: str
    note: str


def _client(context: ActionContext) -> PandaDocIntegration:
    return context.client_as(PandaDocIntegration)


async def _list_templates(context: ActionContext, args: ListTemplatesInput) -> dict[str, Any]:
    items = await ops.list_templates(
        _client(context),
        q=args.query,
        tags=[args.tag] if args.tag else [],
        page=args.page,
        count=args.count,
    )
    return {"templates": items, "page": args.page, "last_page": len(items) < args.count}


async def _template_details(context: ActionContext, args: TemplateInput) -> Any:
    return await ops.get_template_details(_client(context), args.template_id)


async def _create_document(context: ActionContext, args: CreateDocumentInput) -> Any:
    pandadoc = _client(context)
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


async def _document_status(context: ActionContext, args: DocumentInput) -> Any:
    return await ops.get_document_status(_client(context), args.document_id)


async def _document_details(context: ActionContext, args: DocumentInput) -> Any:
    return await ops.get_document_details(_client(context), args.document_id)


async def _list_documents(context: ActionContext, args: ListDocumentsInput) -> dict[str, Any]:
    filters = DocumentFilter(
        status=args.status, q=args.query, template_id=args.template_id, tag=args.tag
    )
    items = await ops.list_documents(_client(context), filters, page=args.page, count=args.count)
    return {"documents": items, "page": args.page, "last_page": len(items) < args.count}


async def _send_document(context: ActionContext, args: SendDocumentInput) -> Any:
    options = SendOptions(subject=args.subject, message=args.message, silent=args.silent)
    return await ops.send_document(_client(context), args.document_id, options)


async def _signing_link(context: ActionContext, args: SigningLinkInput) -> Any:
    return await ops.create_signing_link(
        _client(context), args.document_id, args.recipient_email, lifetime=args.lifetime_seconds
    )


async def _download_link(context: ActionContext, args: DocumentInput) -> dict[str, Any]:
    pandadoc = _client(context)
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


def _op(
    action: str,
    description: str,
    model: type[BaseModel],
    output: Any,
    run: Any,
    *,
    writes: bool = False,
    example: dict[str, Any] | None = None,
    operation: str = "",
) -> OperationSpec:
    return OperationSpec(
        "pandadoc",
        action,
        description,
        model,
        output,
        writes,
        run,
        operation=operation,
        example=example or {},
    )


_TEMPLATE = {"template_id": _EXAMPLE_TEMPLATE}
_DOCUMENT = {"document_id": _EXAMPLE_DOC}

TOOLS: list[OperationSpec] = [
    _op(
        "list_templates",
        "List or search PandaDoc templates by name or tag.",
        ListTemplatesInput,
        TemplatePage,
        _list_templates,
        example={"query": "proposal"},
    ),
    _op(
        "get_template_details",
        "A template's roles, variables (tokens) and fields, needed to create a document.",
        TemplateInput,
        TemplateDetails,
        _template_details,
        example=_TEMPLATE,
    ),
    _op(
        "create_document",
        "Create a document from a template for the given recipients (not sent yet).",
        CreateDocumentInput,
        DocumentSummary | CreatedDocument,
        _create_document,
        writes=True,
        operation="create_document_from_template",
        example={
            **_TEMPLATE,
            "name": "Proposal for Acme",
            "recipients": [
                {"email": "client@example.com", "role": "Client"},
                {"email": "sender@example.com", "role": "Sender"},
            ],
            "tokens": {"Client.Company": "Acme"},
            "wait_for_draft": False,
        },
    ),
    _op(
        "list_documents",
        "List documents, optionally by status, name, template or tag.",
        ListDocumentsInput,
        DocumentPage,
        _list_documents,
        example={"status": "document.draft"},
    ),
    _op(
        "get_document_status",
        "The current status of a document (draft, sent, viewed, completed, ...).",
        DocumentInput,
        DocumentSummary,
        _document_status,
        example=_DOCUMENT,
    ),
    _op(
        "get_document_details",
        "A document's recipients (who has signed), variables, fields and totals.",
        DocumentInput,
        DocumentDetails,
        _document_details,
        example=_DOCUMENT,
    ),
    _op(
        "send_document",
        "Send a draft document to its recipients for signing.",
        SendDocumentInput,
        SentDocument,
        _send_document,
        writes=True,
        example={**_DOCUMENT, "subject": "Please sign", "silent": True},
    ),
    _op(
        "create_signing_link",
        "An embedded-signing link for one recipient of a sent document.",
        SigningLinkInput,
        SigningLink,
        _signing_link,
        writes=True,
        operation="create_signing_link",
        example={**_DOCUMENT, "recipient_email": "client@example.com"},
    ),
    _op(
        "get_download_link",
        "Where to download a document's PDF (signed PDF once completed).",
        DocumentInput,
        DownloadLink,
        _download_link,
        example=_DOCUMENT,
    ),
    *SIMULATED_TOOLS,  # mock mode only: simulated recipients
]
