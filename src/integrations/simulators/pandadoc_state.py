"""The PandaDoc simulator's store: templates, documents, processing on the simulated clock.

Document processing (`document.uploaded` -> `draft`/`error`) and "PDF ready" moments are
due times on the simulator clock rather than background timers: `catch_up()` applies every
transition that is due, and the simulator calls it before each request and after each
`advance()`, so a test that moves the clock sees the document move with it, deterministically.
Events are queued while state changes and delivered by `flush()` after the change, so a
webhook receiver that calls back in sees the new state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from integrations.simulators.datagen import DataGenerator
from integrations.simulators.pandadoc_models import (
    Document,
    PandaDocConfig,
    PandaDocError,
    Recipient,
    Role,
    Template,
    TemplateField,
)
from integrations.simulators.pandadoc_views import details_body

__all__ = ["PandaDocState"]

Notify = Callable[[str, dict[str, Any]], Awaitable[None]]
_EPOCH = 1_735_689_600.0  # 2025-01-01T00:00:00Z, when the seeded templates were "made"


class PandaDocState:
    """Templates, documents and the event queue.

    Args:
        now: the simulator clock.
        seed: seeds ids and names, so the same seed gives the same templates and ids.
        config: behaviour switches (shared with the simulator).
    """

    def __init__(self, now: Callable[[], float], seed: int, config: PandaDocConfig) -> None:
        self._clock = now
        self.seed = seed
        self.config = config
        self.notify: Notify | None = None
        self.gen = DataGenerator(seed)
        self.templates: dict[str, Template] = {}
        self.documents: dict[str, Document] = {}
        self.outbox: list[dict[str, Any]] = []
        self.user: dict[str, Any] = {}
        self.workspace_id = ""
        self._pending: list[tuple[str, dict[str, Any]]] = []
        self.reset()

    def now(self) -> float:
        """The simulator clock to the microsecond, so timestamps survive an ISO round trip
        and list filters on them are exact."""
        return round(self._clock(), 6)

    def reset(self) -> None:
        """Seeded templates back, every document, email and pending event gone."""
        self.gen = DataGenerator(self.seed)
        self.documents.clear()
        self.outbox.clear()
        self._pending.clear()
        self.workspace_id = self.gen.short_id()
        self.user = {
            "id": self.gen.short_id(),
            "membership_id": self.gen.short_id(),
            "email": "sender@example.com",
            "first_name": "Sam",
            "last_name": "Sender",
            "avatar": None,
        }
        self.templates = {t.id: t for t in self._seed_templates()}

    def _seed_templates(self) -> list[Template]:
        specs = [
            ("Sales Proposal", ["Client", "Sender"], ["sales"], ["Client.Company", "Deal.Amount"]),
            ("Mutual NDA", ["Client", "Sender"], ["legal", "nda"], ["Client.Company"]),
            ("Service Agreement", ["Client"], ["services"], ["Service.Start"]),
        ]
        templates = []
        for index, (name, roles, tags, tokens) in enumerate(specs):
            fields = [
                TemplateField(f"{role}.Signature", "signature", role, self.gen.uuid())
                for role in roles
            ]
            fields += [
                TemplateField("Client.Notes", "text", "Client", self.gen.uuid()),
                TemplateField("Client.Accepts", "checkbox", "Client", self.gen.uuid()),
            ]
            templates.append(
                Template(
                    id=self.gen.short_id(),
                    name=name,
                    created=_EPOCH + index * 86_400,
                    roles=[Role(self.gen.short_id(), r, str(i + 1)) for i, r in enumerate(roles)],
                    tokens=[{"name": t, "value": ""} for t in tokens],
                    fields=fields,
                    tags=tags,
                    folder_uuid=self.gen.short_id(),
                )
            )
        return templates

    # --- documents -------------------------------------------------------------------

    def get(self, doc_id: str, *, writable: bool = False) -> Document:
        """The live document, 404 otherwise; `writable` also refuses a locked one (423)."""
        doc = self.documents.get(doc_id)
        if doc is None or doc.deleted:
            raise PandaDocError(404, {"type": "request_error", "detail": "Not found"})
        if writable and doc.lock is not None:
            raise PandaDocError(
                423,
                {"type": "document_locked", "detail": "Document is locked for editing."} | doc.lock,
            )
        return doc

    def create(
        self, body: dict[str, Any], template: Template | None, *, source: str = ""
    ) -> Document:
        """A new `document.uploaded` document; it fails processing when `source` (the PDF
        URL or uploaded file name) contains "fail"."""
        now = self.now()
        name = body.get("name") or (template.name if template else "Untitled document")
        if self.config.sandbox:
            name = f"[DEV] {name}"
        fields = [
            TemplateField(f.name, f.type, f.role, self.gen.uuid())
            for f in (template.fields if template else [])
        ]
        by_name = {f.name: f for f in fields}
        for key, spec in (body.get("fields") or {}).items():
            target = by_name.get(key)
            if target is None and template is None:
                target = TemplateField(key, "text", spec.get("role") or "", self.gen.uuid())
                fields.append(target)
            if target is not None:
                target.value = _coerce(target.type, spec["value"])
        tokens = {t["name"]: t["value"] for t in (template.tokens if template else [])}
        tokens |= {t["name"]: t["value"] for t in body.get("tokens") or []}
        doc = Document(
            id=self.gen.short_id(),
            name=str(name),
            created=now,
            due=now + self.config.processing_delay,
            fails="fail" in source.lower(),
            template=template,
            recipients=[self._recipient(item) for item in body.get("recipients") or []],
            tokens=[{"name": k, "value": v} for k, v in tokens.items()],
            fields=fields,
            metadata={"document__created_via_public_api": "true"} | (body.get("metadata") or {}),
            tags=list(body.get("tags") or []),
            folder_uuid=body.get("folder_uuid") or (template.folder_uuid if template else None),
            ref_number="-".join(self.gen.short_id(length=5).upper() for _ in range(4)),
            grand_total=_grand_total(body.get("pricing_tables")),
        )
        self.documents[doc.id] = doc
        return doc

    def _recipient(self, item: dict[str, Any]) -> Recipient:
        email = item.get("email") or None
        local = (email or "").split("@")[0].replace("_", ".").split(".")
        methods = {"email": email is not None, "sms": False} | (item.get("delivery_methods") or {})
        return Recipient(
            id=self.gen.short_id(),
            contact_id=self.gen.short_id(),
            email=email,
            phone=item.get("phone") or None,
            first_name=item.get("first_name") or local[0].title(),
            last_name=item.get("last_name") or (local[-1].title() if len(local) > 1 else ""),
            role=item.get("role") or None,
            signing_order=item.get("signing_order"),
            delivery_methods=methods,
        )

    def shared_link(self) -> str:
        return f"https://app.pandadoc.com/document/{self.gen.rng.getrandbits(160):040x}"

    # --- time and events -------------------------------------------------------------

    def move(self, doc: Document, status: str, *, at: float | None = None) -> None:
        """Change the status and queue `document_state_changed`."""
        moment = self.now() if at is None else at
        doc.status, doc.status_changed, doc.modified = status, moment, moment
        if status == "document.completed":
            doc.date_completed = moment
            doc.pdf_ready_at = moment + self.config.pdf_delay
            doc.pdf_announced = False
        elif status == "document.declined":
            doc.date_declined = moment
        self.queue("document_state_changed", doc)

    def queue(self, event: str, doc: Document, **extra: Any) -> None:
        """Snapshot the document now; delivered by the next `flush()`."""
        self._pending.append((event, details_body(doc, self.user) | extra))

    async def catch_up(self) -> None:
        """Apply every due transition in due order, expire locks, then deliver events."""
        now = self.now()
        for doc in sorted(self.documents.values(), key=lambda d: d.due):
            if doc.status == "document.uploaded" and not doc.deleted and doc.due <= now:
                doc.version = "2"
                self.move(doc, "document.error" if doc.fails else "document.draft", at=doc.due)
                if doc.fails:
                    self.queue("document_creation_failed", doc)
                else:
                    doc.pdf_ready_at = doc.due + self.config.pdf_delay
            ready = doc.pdf_ready_at is not None and doc.pdf_ready_at <= now
            if doc.status == "document.completed" and not doc.pdf_announced and ready:
                doc.pdf_announced = True
                self.queue("document_completed_pdf_ready", doc)
            if doc.lock is not None and doc.lock_until <= now:
                doc.lock = None
        await self.flush()

    async def flush(self) -> None:
        batch, self._pending = self._pending, []
        for event, data in batch:
            if self.notify is not None:
                await self.notify(event, data)


def _coerce(kind: str, value: Any) -> Any:
    """A prefilled value in the type its field shows it (checkbox: bool, text: string)."""
    if kind == "checkbox":
        return value if isinstance(value, bool) else str(value).lower() in {"true", "1", "yes"}
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _grand_total(tables: Any) -> str:
    """Sum of price x qty over the request's pricing-table rows (0.00 when none)."""
    total = 0.0
    for table in tables if isinstance(tables, list) else []:
        for section in table.get("sections", []) if isinstance(table, dict) else []:
            for row in section.get("rows", []) if isinstance(section, dict) else []:
                data = row.get("data", {}) if isinstance(row, dict) else {}
                try:
                    total += float(data.get("price", 0)) * float(data.get("qty", 1))
                except (TypeError, ValueError):
                    continue
    return f"{total:.2f}"
