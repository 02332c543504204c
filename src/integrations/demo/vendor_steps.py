"""Scenario steps for the vendors people act on: a PandaDoc document signed, a Typeform
response received, an email and an SMS delivered to their local peers, two searches.

Each step goes through the connector's declared operations on the server's own factory, so
the simulators deliver their webhooks to this server's receiver and the local tables fill
as they would in production.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from integrations.demo.steps import DemoContext, Step, StepFailed, poll
from integrations.simulators.pandadoc import PandaDocSimulator
from integrations.storage.repositories.vendor_data import VendorDataRepository
from integrations.storage.tables_inbound import WebhookEventRow

__all__ = ["VENDOR_STEPS"]

TEMPLATE = "Sales Proposal"  # one of the PandaDoc simulator's seeded templates
FORM_ID = "Onb0Rd5x"  # the Typeform simulator's seeded onboarding form
ADDRESS_KEYWORD = "해운대로"  # a road of the seeded address set (Busan)
COMPANY_NAME = "소프트"  # a common stem of the seeded company names


def _delivered(webhooks: list[dict[str, Any]]) -> int:
    return sum(1 for hook in webhooks if hook.get("delivered"))


async def _last_event_id(ctx: DemoContext) -> int:
    """The newest stored webhook's id: what a step counts its own deliveries after (the demo
    may run again on the same database, where the same seeded ids are already stored)."""
    async with ctx.services.db.sessions() as session:
        return await session.scalar(select(func.max(WebhookEventRow.id))) or 0


async def _processed_after(ctx: DemoContext, integration: str, after_id: int, want: int) -> int:
    """How many of `integration`'s webhooks stored after `after_id` were processed, once at
    least `want` are and none is left waiting (the webhook worker runs just after receipt)."""
    if want < 1:
        raise StepFailed(f"the {integration} simulator delivered no webhook to our receiver")
    is_processed = WebhookEventRow.status == "processed"

    async def processed() -> int | None:
        async with ctx.services.db.sessions() as session:
            done, waiting = (
                await session.execute(
                    select(
                        func.count().filter(is_processed), func.count().filter(~is_processed)
                    ).where(
                        WebhookEventRow.integration == integration, WebhookEventRow.id > after_id
                    )
                )
            ).one()
        return done if done >= want and not waiting else None

    return await poll(processed, what=f"{want} {integration} webhooks processed")


async def pandadoc_document_signed(ctx: DemoContext) -> str:
    """Template → document → sent → every signer signs → webhooks → `documents` completed."""
    simulator = ctx.factory.simulator("pandadoc")
    if isinstance(simulator, PandaDocSimulator):  # no seconds of "document.uploaded"
        simulator.configure(processing_delay=0)
    templates = (await ctx.act("pandadoc", "list_templates", {"query": TEMPLATE}))["templates"]
    if not templates:
        raise StepFailed(f"no template named {TEMPLATE!r} in the simulator")
    recipients = [
        {"email": "client@example.com", "role": "Client", "signing_order": 1},
        {"email": "sender@example.com", "role": "Sender", "signing_order": 2},
    ]
    after_id = await _last_event_id(ctx)
    created = await ctx.act(
        "pandadoc",
        "create_document",
        {"template_id": templates[0]["id"], "name": "Demo proposal", "recipients": recipients},
    )
    document_id = created["id"]
    await ctx.act("pandadoc", "send_document", {"document_id": document_id, "silent": True})
    viewed = await ctx.act("pandadoc", "simulate_recipient_view", {"document_id": document_id})
    signed = await ctx.act("pandadoc", "simulate_recipient_sign", {"document_id": document_id})
    if signed["status"] != "document.completed":
        raise StepFailed(f"the simulator left the document {signed['status']}")
    hooks = _delivered(viewed["webhooks"]) + _delivered(signed["webhooks"])

    async def stored_completed() -> dict[str, Any] | None:
        async with ctx.services.db.sessions() as session:
            row = await VendorDataRepository(session).get_document(document_id=document_id)
        return row if row is not None and row.get("status") == "document.completed" else None

    processed = await _processed_after(ctx, "pandadoc", after_id, hooks)
    await poll(stored_completed, what=f"document {document_id} completed in the local table")
    ctx.numbers.update(document_status="completed", pandadoc_webhooks=processed)
    return f"document {document_id} completed in the local table; {processed} webhooks processed"


async def typeform_response_received(ctx: DemoContext) -> str:
    """Form webhook registered at our receiver → a respondent submits → `form_responses`."""
    await ctx.act("typeform", "setup_webhook", {"form_id": FORM_ID})
    after_id = await _last_event_id(ctx)
    submitted = await ctx.act("typeform", "simulate_respondent_submit", {"form_id": FORM_ID})
    token = submitted["token"]

    async def stored() -> int | None:
        async with ctx.services.db.sessions() as session:
            page = await VendorDataRepository(session).list_form_responses(form_id=FORM_ID)
        tokens = {item.get("token") for item in page.to_json()["items"]}
        return len(tokens) if token in tokens else None

    processed = await _processed_after(ctx, "typeform", after_id, _delivered(submitted["webhooks"]))
    count = await poll(stored, what=f"response {token} in the local table")
    ctx.numbers.update(typeform_responses=count, typeform_webhooks=processed)
    return f"response {token} stored ({count} for form {FORM_ID}); {processed} webhook processed"


async def email_sent(ctx: DemoContext) -> str:
    """An email over real SMTP to mock mode's local server."""
    sent = await ctx.act(
        "email",
        "send_email",
        {"to": "newcomer@example.com", "subject": "Welcome", "body": "Hello from the demo."},
    )
    ctx.numbers["emails_sent"] = 1
    return f"accepted by the local SMTP peer: {_short(sent)}"


async def sms_sent(ctx: DemoContext) -> str:
    """An SMS published to mock mode's local SNS endpoint."""
    sent = await ctx.act("sms", "send_sms", {"to": "+821012345678", "message": "Demo SMS"})
    ctx.numbers["sms_sent"] = 1
    return f"accepted by the local SNS peer: {_short(sent)}"


async def address_searched(ctx: DemoContext) -> str:
    """A road-address search in the seeded address set."""
    found = await ctx.act("address", "search_address", {"keyword": ADDRESS_KEYWORD})
    if not found["results"]:
        raise StepFailed(f"no address matched {ADDRESS_KEYWORD!r}")
    first = found["results"][0]
    return f"{found['total_count']} addresses for {ADDRESS_KEYWORD!r}, first: {_short(first)}"


async def company_searched(ctx: DemoContext) -> str:
    """A company search by part of its name in NICE D&B's seeded register."""
    found = await ctx.act("nicednb", "search_company", {"name": COMPANY_NAME})
    if not found["companies"]:
        raise StepFailed(f"no company matched {COMPANY_NAME!r}")
    first = found["companies"][0]
    return f"{len(found['companies'])} companies for {COMPANY_NAME!r}, first: {_short(first)}"


def _short(value: Any) -> str:
    """The first name-like field of an answer, or its text cut short: one report line."""
    if isinstance(value, dict):
        for key in ("road_address", "name", "company_name", "message_id", "id", "status"):
            if value.get(key):
                return str(value[key])
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


VENDOR_STEPS: list[Step] = [
    ("PandaDoc: template → sent → signed → completed", pandadoc_document_signed),
    ("Typeform: webhook set up, response stored", typeform_response_received),
    ("Email to the local SMTP peer", email_sent),
    ("SMS to the local SNS peer", sms_sent),
    ("Address search", address_searched),
    ("Company search (NICE D&B)", company_searched),
]
