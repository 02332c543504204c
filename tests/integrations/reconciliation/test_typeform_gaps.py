"""Typeform gap detection: responses whose webhook we never processed (a delivery that failed
for good, a row lost, a completion whose webhook never came) are stored by one
reconciliation, through the webhook handler, and counted exactly."""

from __future__ import annotations

from typing import Any

import httpx2
from sqlalchemy import delete, select

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.reconciliation.ledger import read_ledger, record_run
from integrations.reconciliation.typeform import reconcile_form_responses
from integrations.services import Services
from integrations.simulators.typeform import TypeformSimulator
from integrations.simulators.typeform_data import EVENTS_FORM_ID, ONBOARDING_FORM_ID
from integrations.storage.tables_changes import ChangeRow
from integrations.storage.tables_vendor import FormResponseRow
from integrations.typeform import TypeformIntegration, WebhookManager
from integrations.typeform.models import FormResponse
from integrations.webhooks.runtime import WebhookRuntime
from tests.integrations.typeform.conftest import _client, _clock, _sim  # noqa: F401 (fixtures)
from tests.integrations.typeform.test_webhooks import RECEIVER, enable_typeform

FORM = ONBOARDING_FORM_ID


def _state(form_id: str, item: dict[str, Any]) -> tuple[str, str, str, dict[str, Any]]:
    parsed = FormResponse.model_validate(item)
    return (form_id, item["token"], item["response_type"], parsed.answers_by_ref())


async def _table(services: Services) -> set[tuple[str, str, str, str]]:
    async with services.db.sessions() as session:
        rows = await session.scalars(select(FormResponseRow))
        return {
            (r.form_id, r.token, r.response_type, repr(sorted(r.answers.items()))) for r in rows
        }


def _truth(sim: TypeformSimulator, since_index: int) -> set[tuple[str, str, str, str]]:
    """The simulator's responses submitted after our webhook existed."""
    items = sim.responses[FORM][since_index:]
    states = [_state(FORM, item) for item in items]
    return {(f, t, kind, repr(sorted(answers.items()))) for f, t, kind, answers in states}


async def _reconciled_changes(services: Services) -> list[str]:
    async with services.db.sessions() as session:
        rows = await session.scalars(select(ChangeRow).where(ChangeRow.source == "reconciliation"))
        return sorted(row.external_id for row in rows)


async def test_one_reconciliation_stores_every_response_whose_webhook_was_lost(
    settings: Settings, services: Services, sim: TypeformSimulator, client: TypeformIntegration
) -> None:
    """10 responses submitted with our webhook set up; 3 never reach the table (the receiver
    was down for one, two rows lost) and one is left partial. One run stores exactly those 4
    (the seeded responses from before the subscription, and an unsubscribed form, are not
    gaps), records them with source `reconciliation`, and the next run finds nothing."""
    app = create_app(settings, services)
    app.state.services = services
    app.state.webhooks = WebhookRuntime.build(services)
    sim.emitter.transport = httpx2.ASGITransport(app=app)
    await enable_typeform(services)
    await WebhookManager(client, services, verify_ssl=False).setup_onboarding_form_webhook(
        FORM, url=RECEIVER
    )
    seeded = len(sim.responses[FORM])
    await sim.submit(EVENTS_FORM_ID)  # no webhook of ours: not checked
    down = httpx2.MockTransport(lambda _: httpx2.Response(503))
    submitted = []
    for n in range(10):
        sim.emitter.transport = down if n == 4 else httpx2.ASGITransport(app=app)
        submitted.append((await sim.submit(FORM)).response["token"])
    while await app.state.webhooks.worker.run_once():
        pass
    async with services.db.sessions.begin() as session:
        await session.execute(
            delete(FormResponseRow).where(FormResponseRow.token.in_(submitted[7:9]))
        )
        partial = await session.scalar(
            select(FormResponseRow).where(FormResponseRow.token == submitted[1])
        )
        assert partial is not None
        partial.response_type = "partial"
    missing = {submitted[i] for i in (1, 4, 7, 8)}
    assert await _table(services) != _truth(sim, seeded)

    run = await reconcile_form_responses(services, client)
    ledger = await record_run(services, run)

    assert await _table(services) == _truth(sim, seeded)
    assert sorted(run.gaps) == sorted(f"{FORM}:{token}" for token in missing)
    assert run.checked == 10 and ledger.gaps_total == 4 and ledger.checked_total == 10
    assert await _reconciled_changes(services) == sorted(f"{FORM}:{t}" for t in missing)
    again = await reconcile_form_responses(services, client)
    assert again.gaps == [] and again.checked == 10  # the overlap lists them again, healed
    assert (await read_ledger(services, "typeform", "form_responses")).gaps_total == 4
