"""`/metrics` carries the reconciliation ledgers' totals, read from the database at scrape
time: what every run recorded, per integration and entity, the same in every process."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from integrations.reconciliation.ledger import ReconciliationRun, record_run
from integrations.services import Services
from tests.integrations.api.test_prometheus import _app, _samples, _scrape  # noqa: F401

pytestmark = pytest.mark.integration


def _series(text: str, name: str) -> dict[tuple[str, str], float]:
    return {
        (dict(labels)["integration"], dict(labels)["entity"]): value
        for (series, labels), value in _samples(text).items()
        if series == name
    }


async def test_gap_totals_are_scraped_from_the_ledgers(app: FastAPI) -> None:
    """Before any run the families are empty; after runs each (integration, entity) shows
    the sum of its runs' gaps and checked records."""
    before = (await _scrape(app)).text
    assert _series(before, "integrations_reconciliation_gaps_total") == {}
    assert "# TYPE integrations_reconciliation_gaps_total gauge" in before
    services: Services = app.state.services
    await record_run(services, ReconciliationRun("pandadoc", "documents", 12, ["a", "b"]))
    await record_run(services, ReconciliationRun("pandadoc", "documents", 5, ["c"]))
    await record_run(services, ReconciliationRun("typeform", "form_responses", 9, []))
    text = (await _scrape(app)).text
    assert _series(text, "integrations_reconciliation_gaps_total") == {
        ("pandadoc", "documents"): 3,
        ("typeform", "form_responses"): 0,
    }
    assert _series(text, "integrations_reconciliation_checked_total") == {
        ("pandadoc", "documents"): 17,
        ("typeform", "form_responses"): 9,
    }
