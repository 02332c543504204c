"""The scenarios a proof run can record: each a short script of declared operations.

A scenario has two halves. `prepare` runs only while recording and sets up the simulators
(a fault plan that forces a retry, switches that make them quick); a replay has no
simulator. `play` is the same in both: the operations in order, then the stored webhooks
processed. What the scenario leaves in the local tables is the run's final state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from integrations.errors import ConfigError
from integrations.factory import IntegrationFactory
from integrations.proof.world import ProofWorld
from integrations.simulators.faults import FaultPlan
from integrations.simulators.pandadoc import PandaDocSimulator
from integrations.sync.catalog import definition_for
from integrations.sync.engine import SyncEngine

__all__ = ["SCENARIOS", "Scenario", "get_scenario"]

TEMPLATE = "Sales Proposal"  # one of the PandaDoc simulator's seeded templates
RETRIED_ROUTE = "GET /public/v1/templates"  # answers 503 once, then 200: one retry on tape


@dataclass(frozen=True, slots=True)
class Scenario:
    """One recordable run."""

    name: str
    summary: str
    connectors: tuple[str, ...]
    prepare: Callable[[IntegrationFactory], None]
    play: Callable[[ProofWorld], Awaitable[None]]


def _prepare_pandadoc(factory: IntegrationFactory) -> None:
    simulator = factory.simulator("pandadoc")
    if isinstance(simulator, PandaDocSimulator):  # no seconds of "document.uploaded"
        simulator.configure(processing_delay=0)
    simulator.faults.set(RETRIED_ROUTE, FaultPlan(script=[503, 200]))


async def _play_pandadoc(world: ProofWorld) -> None:
    """Template found (after a 503 and a retry) → document created → sent → viewed →
    signed by every signer → the webhooks processed into `documents`."""
    found = await world.act("pandadoc", "list_templates", {"query": TEMPLATE})
    if not found["templates"]:
        raise ConfigError(f"no template named {TEMPLATE!r} in the simulator")
    recipients = [
        {"email": "client@example.com", "role": "Client", "signing_order": 1},
        {"email": "sender@example.com", "role": "Sender", "signing_order": 2},
    ]
    created = await world.act(
        "pandadoc",
        "create_document",
        {"template_id": found["templates"][0]["id"], "name": "Proof run", "recipients": recipients},
    )
    document = {"document_id": created["id"]}
    await world.act("pandadoc", "send_document", {**document, "silent": True})
    await world.act("pandadoc", "simulate_recipient_view", document)
    await world.act("pandadoc", "simulate_recipient_sign", document)
    await world.act("pandadoc", "get_document_status", document)
    await world.process_webhooks()


def _prepare_nothing(factory: IntegrationFactory) -> None:
    factory.simulator("practicepanther")  # made now, so its seeded data is made before timing


async def _play_practicepanther(world: ProofWorld) -> None:
    """A full sync into the local tables, then an incremental one from its cursors."""
    definition = definition_for("practicepanther")
    engine = SyncEngine(world.services, world.factory, definition, clock=world.clock)
    for kind in ("full", "incremental"):
        summary = await engine.run(kind, triggered_by="proof")
        if summary.status != "success":
            raise ConfigError(f"the {kind} sync ended {summary.status}: {summary.error_message}")


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            "pandadoc-signing",
            "PandaDoc: a 503 retried, a document created, sent, signed, completed by webhook",
            ("pandadoc",),
            _prepare_pandadoc,
            _play_pandadoc,
        ),
        Scenario(
            "practicepanther-sync",
            "PracticePanther: a full sync, then an incremental one",
            ("practicepanther",),
            _prepare_nothing,
            _play_practicepanther,
        ),
    )
}


def get_scenario(name: str) -> Scenario:
    """The scenario called `name`.

    Raises:
        ConfigError: no such scenario (the message lists those there are).
    """
    try:
        return SCENARIOS[name]
    except KeyError:
        known = ", ".join(sorted(SCENARIOS))
        raise ConfigError(f"no proof scenario {name!r}; available: {known}") from None
