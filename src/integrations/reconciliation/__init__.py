"""Webhook gap detection: periodic reconciliation of webhook-fed tables with the vendor.

A webhook can be lost (the vendor gave up, our endpoint was down longer than its retries).
For each webhook-fed connector a periodic job lists what changed at the vendor since its last
check, compares it with our rows, and applies each missing change through the connector's own
webhook handler, recording it as a change with source `reconciliation` and counting it.
"""

from integrations.reconciliation.jobs import RECONCILERS, reconcile_webhooks, run_reconciliation
from integrations.reconciliation.ledger import (
    ReconciliationLedger,
    ReconciliationRun,
    read_ledger,
    record_run,
)

__all__ = [
    "RECONCILERS",
    "ReconciliationLedger",
    "ReconciliationRun",
    "read_ledger",
    "reconcile_webhooks",
    "record_run",
    "run_reconciliation",
]
