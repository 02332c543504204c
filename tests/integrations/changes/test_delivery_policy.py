"""Delivery rules: filters, retry decisions with full-jitter bounds, and per-entity order
(the pure `deliverable` and its SQL twin `due_heads` agree on any queue)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from integrations.changes.delivery_policy import (
    DeliveryPolicy,
    decide,
    deliverable,
    matches,
    parse_filter,
)
from integrations.changes.delivery_queue import due_heads
from integrations.services import Services
from integrations.storage.tables_changes import ChangeDeliveryRow, ChangeRow, EventSubscriptionRow

POLICY = DeliveryPolicy(max_attempts=5, backoff_base=1.0, backoff_cap=8.0)


@given(status=st.integers(200, 299), attempts=st.integers(1, 10))
def test_any_2xx_is_delivered(status: int, attempts: int) -> None:
    """Every 2xx answer delivers, whatever the attempt."""
    assert decide(attempts, status, None, POLICY, lambda: 0.5).outcome == "delivered"


@given(status=st.integers(300, 499).filter(lambda s: s not in (408, 429)))
def test_other_answers_are_final_at_once(status: int) -> None:
    """3xx (redirects are not followed) and 4xx other than 408/429 are dead on attempt 1."""
    decision = decide(1, status, None, POLICY, lambda: 0.5)
    assert decision.outcome == "dead" and "final" in decision.reason


@given(
    status=st.sampled_from([None, 408, 429, 500, 502, 503, 599]),
    attempts=st.integers(1, 10),
    draw=st.floats(0, 1, exclude_max=True),
)
def test_retryable_failures_wait_full_jitter_then_die(
    status: int | None, attempts: int, draw: float
) -> None:
    """408, 429, 5xx and errors wait uniform(0, min(cap, base*2**(n-1))), dead at the limit."""
    decision = decide(
        attempts, status, "ReadTimeout" if status is None else None, POLICY, lambda: draw
    )
    if attempts >= POLICY.max_attempts:
        assert decision.outcome == "dead"
        return
    ceiling = min(POLICY.backoff_cap, POLICY.backoff_base * 2 ** (attempts - 1))
    assert decision.outcome == "pending"
    assert 0 <= decision.wait <= ceiling
    assert decision.wait == pytest.approx(ceiling * draw)


@pytest.mark.parametrize(
    ("filters", "integration", "entity", "wanted"),
    [
        pytest.param(["pandadoc:documents"], "pandadoc", "documents", True, id="exact"),
        pytest.param(["pandadoc:*"], "pandadoc", "anything", True, id="integration-star"),
        pytest.param(["*:contacts"], "practicepanther", "contacts", True, id="entity-star"),
        pytest.param(["*:*"], "typeform", "form_responses", True, id="all"),
        pytest.param(
            ["pandadoc:documents"], "typeform", "documents", False, id="other-integration"
        ),
        pytest.param(["typeform:*", "*:tasks"], "pandadoc", "documents", False, id="none"),
    ],
)
def test_filters(filters: list[str], integration: str, entity: str, wanted: bool) -> None:
    """A change is wanted when any filter matches both parts (`*` matches any)."""
    assert matches(filters, integration, entity) is wanted


@pytest.mark.parametrize("text", ["pandadoc", "a:b:c", "Pandadoc:x", ":x", "a:", "a b:c"])
def test_malformed_filters_are_refused(text: str) -> None:
    """A filter is exactly `<integration>:<entity>`."""
    with pytest.raises(ValueError, match="integration"):
        parse_filter(text)


@dataclass(frozen=True)
class Row:
    id: int
    subscription_id: int
    entity_key: str
    change_id: int
    due: bool


queues = st.lists(
    st.tuples(
        st.integers(1, 2),  # subscription
        st.integers(0, 3),  # entity
        st.sampled_from(["pending", "pending", "delivered", "dead"]),
        st.booleans(),  # due now
    ),
    max_size=25,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(queue=queues)
async def test_sql_heads_equal_the_pure_rule(
    services: Services, queue: list[tuple[int, int, str, bool]]
) -> None:
    """For any queue, `due_heads` selects exactly what `deliverable` selects."""
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    async with services.db.sessions.begin() as session:
        for table in (ChangeDeliveryRow, ChangeRow, EventSubscriptionRow):
            await session.execute(delete(table))
        for sid in (1, 2):
            session.add(
                EventSubscriptionRow(
                    id=sid,
                    name="s",
                    url="https://x",
                    entities=["*:*"],
                    secret_encrypted="-",
                    enabled=True,
                    created_by="t",
                )
            )
        pending: list[Row] = []
        for sid, entity, status, due in queue:
            change = ChangeRow(
                integration="i",
                entity="e",
                external_id=str(entity),
                kind="updated",
                changed_fields=[],
                source="sync",
            )
            session.add(change)
            await session.flush()
            key = f"i:e:{entity}"
            at = now - dt.timedelta(seconds=1) if due else now + dt.timedelta(seconds=5)
            delivery = ChangeDeliveryRow(
                subscription_id=sid,
                change_id=change.id,
                entity_key=key,
                status=status,
                attempts=0,
                next_attempt_at=at,
            )
            session.add(delivery)
            await session.flush()
            if status == "pending":
                pending.append(Row(delivery.id, sid, key, change.id, due))
    async with services.db.sessions() as session:
        selected = [d.id for d, _c, _s in await due_heads(session, now=now, limit=1000)]
    assert selected == [r.id for r in deliverable(pending)]
