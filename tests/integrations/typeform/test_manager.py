"""`WebhookManager` against the simulator and both databases: lifecycle, drift, repair, audit."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from integrations.errors import BadRequestError, NotFoundError
from integrations.services import Services
from integrations.simulators.faults import FaultPlan
from integrations.simulators.typeform import TypeformSimulator
from integrations.simulators.typeform_data import (
    EVENTS_FORM_ID,
    FEEDBACK_FORM_ID,
    ONBOARDING_FORM_ID,
)
from integrations.typeform import WebhookManager
from integrations.typeform.exceptions import WebhookConfigurationError
from integrations.typeform.manager_store import NoSubscriptionError, SubscriptionStore
from tests.integrations.typeform.conftest import TAG, operations, remote, subscriptions

URL = "https://hooks.example.org/api/v1/webhooks/typeform"
FORM = ONBOARDING_FORM_ID
HOOK_PATH = f"/forms/{FORM}/webhooks/{TAG}"


async def test_setup_creates_both_sides(
    manager: WebhookManager, sim: TypeformSimulator, services: Services
) -> None:
    """Setup leaves Typeform and the database in sync, the secret stored encrypted."""
    hook = await manager.setup_onboarding_form_webhook(FORM, url=URL)
    status = await manager.get_comprehensive_webhook_status(FORM)
    assert status.synchronized and status.webhook_exists and status.secret_set
    assert status.issues == [] and status.enabled is True and status.database_status == "active"
    assert status.as_dict()["remote_url"] == URL
    at_typeform = remote(sim, FORM)
    assert at_typeform is not None and at_typeform["enabled"] and at_typeform["url"] == URL
    plain = at_typeform["secret"]
    [row] = await subscriptions(services)
    assert (row.integration, row.resource_id, row.tag, row.remote_id) == (
        "typeform",
        FORM,
        TAG,
        hook.id,
    )
    assert row.secret and plain not in row.secret and row.secret != plain
    assert services.box.decrypt(row.secret) == plain
    assert row.last_checked_at is not None and row.details == {"issues": []}
    [op] = await operations(services)
    assert (op.integration, op.operation, op.resource_id, op.success, op.error) == (
        "typeform",
        "setup",
        FORM,
        True,
        None,
    )
    assert (op.url, op.webhook_id) == (URL, hook.id)


async def test_setup_uses_our_public_url_by_default(
    manager: WebhookManager, sim: TypeformSimulator, services: Services
) -> None:
    """Without a URL the webhook points at this service's receiving endpoint."""
    await manager.setup_onboarding_form_webhook(FEEDBACK_FORM_ID)
    expected = f"{services.settings.public_url}/api/v1/webhooks/typeform"
    assert manager.default_url == expected
    at_typeform = remote(sim, FEEDBACK_FORM_ID)
    assert at_typeform is not None and at_typeform["url"] == expected


@pytest.mark.parametrize(
    ("form_id", "fault", "error"),
    [
        pytest.param("nope1234", None, NotFoundError, id="unknown-form"),
        pytest.param(FORM, "put-400", BadRequestError, id="typeform-refuses-put"),
    ],
)
async def test_failed_setup_leaves_nothing_behind(
    manager: WebhookManager,
    sim: TypeformSimulator,
    services: Services,
    form_id: str,
    fault: str | None,
    error: type[Exception],
) -> None:
    """A failed setup raises, records a failed operation, and leaves neither side changed."""
    if fault == "put-400":
        sim.faults.set(f"PUT /forms/{form_id}/webhooks/{TAG}", FaultPlan(script=[400]))
    with pytest.raises(error):
        await manager.setup_onboarding_form_webhook(form_id, url=URL)
    assert remote(sim, form_id) is None
    assert await subscriptions(services) == []
    [op] = await operations(services)
    assert (op.operation, op.resource_id, op.success) == ("setup", form_id, False)
    assert op.error


async def test_database_failure_during_setup_deletes_the_remote_webhook(
    manager: WebhookManager,
    sim: TypeformSimulator,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the subscription cannot be stored, the webhook just created at Typeform goes too."""

    async def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("database is gone")

    monkeypatch.setattr(SubscriptionStore, "save", broken)
    with pytest.raises(WebhookConfigurationError, match="database is gone"):
        await manager.setup_onboarding_form_webhook(FORM, url=URL)
    assert remote(sim, FORM) is None
    assert [r.method for r in sim.journal.all(path=HOOK_PATH)] == ["GET", "PUT", "DELETE"]
    assert await subscriptions(services) == []
    [op] = await operations(services)
    assert (op.operation, op.success) == ("setup", False) and "database is gone" in str(op.error)


async def test_failed_rotation_puts_the_previous_webhook_back(
    manager: WebhookManager,
    sim: TypeformSimulator,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A second setup whose database write fails restores the first webhook and its secret."""
    first = await manager.setup_onboarding_form_webhook(FORM, url=URL)
    before = dict(remote(sim, FORM) or {})

    async def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SubscriptionStore, "save", broken)
    with pytest.raises(WebhookConfigurationError):
        await manager.setup_onboarding_form_webhook(FORM, url="https://elsewhere.example/h")
    after = remote(sim, FORM)
    assert after is not None and after["id"] == first.id
    assert (after["url"], after["secret"], after["enabled"]) == (
        before["url"],
        before["secret"],
        True,
    )
    assert (await manager.get_comprehensive_webhook_status(FORM)).synchronized


async def test_setup_again_rotates_the_secret_with_a_grace_period(
    manager: WebhookManager, sim: TypeformSimulator, services: Services
) -> None:
    """Setting up again gives a new secret; the old one stays as the previous secret."""
    await manager.setup_onboarding_form_webhook(FORM, url=URL)
    old = (remote(sim, FORM) or {})["secret"]
    await manager.setup_onboarding_form_webhook(FORM, url=URL)
    new = (remote(sim, FORM) or {})["secret"]
    assert new != old
    [row] = await subscriptions(services)
    assert row.secret and services.box.decrypt(row.secret) == new
    assert row.previous_secret and services.box.decrypt(row.previous_secret) == old
    assert row.previous_secret_expires_at is not None
    assert (await manager.get_comprehensive_webhook_status(FORM)).synchronized


async def test_webhook_deleted_behind_our_back_is_reported_and_repaired(
    manager: WebhookManager, sim: TypeformSimulator, sim_http: httpx2.AsyncClient
) -> None:
    """The simulator's webhook is deleted behind our back → status reports it → sync repairs."""
    await manager.setup_onboarding_form_webhook(FORM, url=URL)
    secret = (remote(sim, FORM) or {})["secret"]
    assert (await sim_http.delete(HOOK_PATH)).status_code == 204
    status = await manager.get_comprehensive_webhook_status(FORM)
    assert not status.synchronized and not status.webhook_exists
    assert status.issues == ["webhook is in the database but missing at Typeform"]
    report = await manager.synchronize_webhook_status(FORM)
    assert report.changes == ["repaired: webhook is in the database but missing at Typeform"]
    assert report.status is not None and report.status.synchronized
    again = remote(sim, FORM)
    assert again is not None and (again["url"], again["secret"], again["enabled"]) == (
        URL,
        secret,
        True,
    )


@pytest.mark.parametrize(
    ("change", "issue"),
    [
        pytest.param({"url": "https://attacker.example/h"}, "URL differs", id="url-drift"),
        pytest.param({"enabled": False}, "enabled differs", id="enabled-drift"),
        pytest.param({"secret": "someone-else"}, "secret differs", id="secret-drift"),
        pytest.param({"verify_ssl": False}, "verify_ssl differs", id="verify-ssl-drift"),
    ],
)
async def test_drift_is_detected_and_repaired(
    manager: WebhookManager,
    sim: TypeformSimulator,
    sim_http: httpx2.AsyncClient,
    services: Services,
    change: dict[str, Any],
    issue: str,
) -> None:
    """A change made at Typeform shows as an issue; synchronize restores the database's state."""
    await manager.setup_onboarding_form_webhook(FORM, url=URL)
    intended = dict(remote(sim, FORM) or {})
    assert (await sim_http.put(HOOK_PATH, json=change)).status_code == 200
    status = await manager.get_comprehensive_webhook_status(FORM)
    assert not status.synchronized and status.webhook_exists
    assert len(status.issues) == 1 and status.issues[0].startswith(issue)
    assert "someone-else" not in status.issues[0]
    [row] = await subscriptions(services)
    assert row.details == {"issues": status.issues}
    report = await manager.synchronize_webhook_status(FORM)
    assert report.changes == [f"repaired: {status.issues[0]}"]
    assert report.status is not None and report.status.synchronized
    repaired = remote(sim, FORM) or {}
    for key in ("url", "enabled", "secret", "verify_ssl"):
        assert repaired[key] == intended[key]


async def test_foreign_webhook_is_adopted_with_a_new_secret(
    manager: WebhookManager,
    sim: TypeformSimulator,
    sim_http: httpx2.AsyncClient,
    services: Services,
) -> None:
    """A webhook with our tag but no subscription is adopted: same URL, a new secret we hold."""
    body = {"url": URL, "enabled": True, "secret": "foreign-secret"}
    assert (await sim_http.put(HOOK_PATH, json=body)).status_code == 200
    status = await manager.get_comprehensive_webhook_status(FORM)
    assert status.issues == ["webhook exists at Typeform but not in the database"]
    assert status.database_status == "missing" and not status.synchronized
    report = await manager.synchronize_webhook_status(FORM)
    assert report.changes == ["adopted the Typeform webhook with a new secret"]
    assert report.status is not None and report.status.synchronized
    adopted = remote(sim, FORM) or {}
    [row] = await subscriptions(services)
    assert adopted["url"] == URL and adopted["secret"] != "foreign-secret"
    assert row.secret and services.box.decrypt(row.secret) == adopted["secret"]
    assert [op.operation for op in await operations(services)] == ["setup", "synchronize"]


async def test_synchronize_without_drift_changes_nothing(
    manager: WebhookManager, sim: TypeformSimulator, services: Services
) -> None:
    """In-sync and never-configured forms are left alone, and the check is still audited."""
    await manager.setup_onboarding_form_webhook(FORM, url=URL)
    before = dict(remote(sim, FORM) or {})
    report = await manager.synchronize_webhook_status(FORM)
    assert report.changes == [] and report.status is not None and report.status.synchronized
    assert remote(sim, FORM) == before
    empty = await manager.synchronize_webhook_status(EVENTS_FORM_ID)
    assert empty.changes == [] and empty.status is not None
    assert not empty.status.webhook_exists and empty.status.database_status == "missing"
    assert remote(sim, EVENTS_FORM_ID) is None
    ops = [(op.operation, op.resource_id, op.success) for op in await operations(services)]
    assert ops == [
        ("setup", FORM, True),
        ("synchronize", FORM, True),
        ("synchronize", EVENTS_FORM_ID, True),
    ]


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        pytest.param("disable", {"enabled": False, "url": URL}, id="disable"),
        pytest.param("enable", {"enabled": True, "url": URL}, id="enable"),
        pytest.param(
            "update_url", {"enabled": True, "url": "https://new.example/typeform"}, id="update-url"
        ),
    ],
)
async def test_changes_reach_both_sides(
    manager: WebhookManager,
    sim: TypeformSimulator,
    services: Services,
    operation: str,
    expected: dict[str, Any],
) -> None:
    """disable, enable and update_url change Typeform and the database alike, secret kept."""
    await manager.setup_onboarding_form_webhook(FORM, url=URL)
    secret = (remote(sim, FORM) or {})["secret"]
    if operation == "enable":
        await manager.disable_webhook(FORM)
        hook = await manager.enable_webhook(FORM)
    elif operation == "disable":
        hook = await manager.disable_webhook(FORM)
    else:
        hook = await manager.update_webhook_url(FORM, expected["url"])
    at_typeform = remote(sim, FORM) or {}
    assert (hook.enabled, hook.url) == (expected["enabled"], expected["url"])
    assert (at_typeform["enabled"], at_typeform["url"], at_typeform["secret"]) == (
        expected["enabled"],
        expected["url"],
        secret,
    )
    [row] = await subscriptions(services)
    assert (row.enabled, row.url) == (expected["enabled"], expected["url"])
    assert row.status == ("active" if expected["enabled"] else "disabled")
    assert (await manager.get_comprehensive_webhook_status(FORM)).synchronized
    last = (await operations(services))[-1]
    assert (last.operation, last.success, last.url) == (operation, True, expected["url"])


async def test_failed_database_update_restores_typeform(
    manager: WebhookManager,
    sim: TypeformSimulator,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When disabling cannot be stored, the webhook at Typeform is enabled again."""
    await manager.setup_onboarding_form_webhook(FORM, url=URL)

    async def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("lost connection")

    monkeypatch.setattr(SubscriptionStore, "update", broken)
    with pytest.raises(WebhookConfigurationError):
        await manager.disable_webhook(FORM)
    assert (remote(sim, FORM) or {})["enabled"] is True
    [row] = await subscriptions(services)
    assert row.enabled is True
    assert [(op.operation, op.success) for op in await operations(services)] == [
        ("setup", True),
        ("disable", False),
    ]


async def test_changes_need_a_subscription(manager: WebhookManager, services: Services) -> None:
    """Changing a form we never set up fails with NoSubscriptionError, and is audited."""
    with pytest.raises(NoSubscriptionError):
        await manager.update_webhook_url(FORM, URL)
    [op] = await operations(services)
    assert (op.operation, op.success, op.url) == ("update_url", False, URL)


async def test_delete_removes_both_sides(
    manager: WebhookManager, sim: TypeformSimulator, services: Services
) -> None:
    """delete_webhook_configuration removes the webhook and the subscription; again is a no-op."""
    await manager.setup_onboarding_form_webhook(FORM, url=URL)
    assert await manager.delete_webhook_configuration(FORM) is True
    assert remote(sim, FORM) is None and await subscriptions(services) == []
    assert await manager.delete_webhook_configuration(FORM) is False
    status = await manager.get_comprehensive_webhook_status(FORM)
    assert not status.webhook_exists and status.issues == [] and not status.synchronized
    deletes = [op for op in await operations(services) if op.operation == "delete"]
    assert [(op.success, op.url) for op in deletes] == [(True, URL), (True, None)]


async def test_bulk_status_over_several_forms(
    manager: WebhookManager, sim_http: httpx2.AsyncClient
) -> None:
    """Bulk status covers each form: in sync, drifted and never configured."""
    await manager.setup_onboarding_form_webhook(FORM, url=URL)
    await manager.setup_onboarding_form_webhook(FEEDBACK_FORM_ID, url=URL)
    await sim_http.put(f"/forms/{FEEDBACK_FORM_ID}/webhooks/{TAG}", json={"enabled": False})
    result = await manager.bulk_webhook_status_check([FORM, FEEDBACK_FORM_ID, EVENTS_FORM_ID])
    assert list(result) == [FORM, FEEDBACK_FORM_ID, EVENTS_FORM_ID]
    assert [s.synchronized for s in result.values()] == [True, False, False]
    assert result[FEEDBACK_FORM_ID].issues == ["enabled differs: Typeform False, database True"]
    assert not result[EVENTS_FORM_ID].webhook_exists and result[EVENTS_FORM_ID].issues == []


async def test_every_operation_is_audited(
    manager: WebhookManager, sim_http: httpx2.AsyncClient, services: Services
) -> None:
    """The whole lifecycle leaves one audit row per operation, in order, with the outcome."""
    await manager.setup_onboarding_form_webhook(FORM, url=URL)
    await manager.update_webhook_url(FORM, "https://second.example/h")
    await manager.disable_webhook(FORM)
    await manager.enable_webhook(FORM)
    await sim_http.delete(HOOK_PATH)
    await manager.synchronize_webhook_status(FORM)
    await manager.delete_webhook_configuration(FORM)
    with pytest.raises(NotFoundError):
        await manager.setup_onboarding_form_webhook("nope1234", url=URL)
    rows = await operations(services)
    assert [(r.operation, r.success) for r in rows] == [
        ("setup", True),
        ("update_url", True),
        ("disable", True),
        ("enable", True),
        ("synchronize", True),
        ("delete", True),
        ("setup", False),
    ]
    assert all(r.integration == "typeform" and r.created_at is not None for r in rows)
    assert rows[0].webhook_id and rows[0].webhook_id == rows[1].webhook_id
    assert rows[4].webhook_id and rows[4].webhook_id != rows[0].webhook_id
