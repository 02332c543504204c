"""The Typeform client against the simulator: forms, webhooks, responses, errors, rate limit."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Any

import httpx2
import pytest
from structlog.testing import capture_logs

from integrations.core.clock import VirtualClock
from integrations.core.spec import RateLimitRule
from integrations.errors import (
    AuthError,
    BadRequestError,
    ConfigError,
    ForbiddenError,
    NotFoundError,
    ProviderError,
)
from integrations.registry import CONNECTORS
from integrations.simulators.faults import FaultPlan
from integrations.simulators.transport import SimulatorTransport
from integrations.simulators.typeform import TypeformSimulator, create_simulator
from integrations.simulators.typeform_data import (
    EVENTS_FORM_ID,
    FEEDBACK_FORM_ID,
    ONBOARDING_FORM_ID,
)
from integrations.typeform import TypeformIntegration
from integrations.typeform import operations as ops
from integrations.typeform.models import WebhookUpdate
from integrations.typeform.spec import TYPEFORM_SPEC
from tests.integrations.typeform.conftest import TOKEN

HOOK = WebhookUpdate(url="https://hooks.example.org/typeform", enabled=True, secret="s3cret")


async def test_forms_listing_and_definition(client: TypeformIntegration) -> None:
    """Forms are listed a page at a time, searchable, and a definition carries field refs."""
    page = await ops.list_forms(client, page_size=2)
    assert (page.total_items, page.page_count, len(page.items)) == (3, 2, 2)
    found = await ops.list_forms(client, search="onboard")
    assert [f.id for f in found.items] == [ONBOARDING_FORM_ID]
    form = await ops.get_form(client, ONBOARDING_FORM_ID)
    assert form.id == ONBOARDING_FORM_ID and form.title
    assert {"full_name", "email", "service", "agree_terms"} <= {f.ref for f in form.fields}
    assert (await client.health_check()).healthy


async def test_webhook_put_list_get_delete(
    client: TypeformIntegration, sim: TypeformSimulator
) -> None:
    """PUT creates then updates in place, list and get show it, DELETE removes it (204)."""
    created = await ops.put_webhook(client, FEEDBACK_FORM_ID, "crm", HOOK)
    assert (created.form_id, created.tag, created.url, created.enabled) == (
        FEEDBACK_FORM_ID,
        "crm",
        HOOK.url,
        True,
    )
    moved = await ops.put_webhook(
        client, FEEDBACK_FORM_ID, "crm", HOOK.model_copy(update={"url": "https://b.example/h"})
    )
    assert moved.id == created.id and moved.url == "https://b.example/h"
    assert [h.tag for h in await ops.list_webhooks(client, FEEDBACK_FORM_ID)] == ["crm"]
    assert await ops.get_webhook(client, FEEDBACK_FORM_ID, "crm") == moved
    assert await ops.delete_webhook(client, FEEDBACK_FORM_ID, "crm") is True
    assert sim.journal.all(method="DELETE")[-1].status == 204
    assert await ops.get_webhook(client, FEEDBACK_FORM_ID, "crm") is None
    assert await ops.delete_webhook(client, FEEDBACK_FORM_ID, "crm") is False
    assert await ops.list_webhooks(client, FEEDBACK_FORM_ID) == []


def _expected(sim: TypeformSimulator, form_id: str, types: set[str]) -> list[str]:
    return sorted(r["token"] for r in sim.responses[form_id] if r["response_type"] in types)


@pytest.mark.parametrize(
    ("form_id", "page_size", "filters", "types"),
    [
        pytest.param(ONBOARDING_FORM_ID, 1000, {}, {"completed"}, id="one-page"),
        pytest.param(ONBOARDING_FORM_ID, 7, {}, {"completed"}, id="pages-of-7"),
        pytest.param(
            ONBOARDING_FORM_ID,
            9,
            {"response_type": "completed,partial"},
            {"completed", "partial"},
            id="with-partials",
        ),
        pytest.param(FEEDBACK_FORM_ID, 5, {}, {"completed"}, id="exact-multiple"),
        pytest.param(EVENTS_FORM_ID, 25, {}, {"completed"}, id="no-responses"),
    ],
)
async def test_iter_responses_visits_every_response_once(
    client: TypeformIntegration,
    sim: TypeformSimulator,
    form_id: str,
    page_size: int,
    filters: dict[str, Any],
    types: set[str],
) -> None:
    """Paging with `before=<last token>` yields each of the simulator's responses exactly once."""
    tokens = [
        r.token async for r in ops.iter_responses(client, form_id, page_size=page_size, **filters)
    ]
    assert len(tokens) == len(set(tokens))
    assert sorted(tokens) == _expected(sim, form_id, types)
    assert len(sim.journal.all(path=f"/forms/{form_id}/responses")) == len(tokens) // page_size + 1


async def test_iter_responses_since_and_page_size_cap(
    client: TypeformIntegration, sim: TypeformSimulator
) -> None:
    """`since` bounds the traversal, and a page size over 1000 is asked for as 1000."""
    items = sorted(sim.responses[ONBOARDING_FORM_ID], key=lambda r: r["submitted_at"])
    completed = [r for r in items if r["response_type"] == "completed"]
    since = completed[len(completed) // 2]["submitted_at"]
    newer = [r["token"] for r in completed if r["submitted_at"] >= since]
    got = [
        r.token
        async for r in ops.iter_responses(
            client, ONBOARDING_FORM_ID, since=since.rstrip("Z"), page_size=5000
        )
    ]
    assert sorted(got) == sorted(newer)
    assert (
        "page_size=1000" in sim.journal.all(path=f"/forms/{ONBOARDING_FORM_ID}/responses")[0].query
    )
    first = (await ops.list_responses(client, ONBOARDING_FORM_ID, page_size=3)).items[0]
    assert first.answers_by_ref() and first.submitted_at is not None


async def _bad_url(client: TypeformIntegration) -> Any:
    return await ops.put_webhook(
        client, ONBOARDING_FORM_ID, "crm", WebhookUpdate(url="ftp://files.example/h", enabled=True)
    )


async def _unknown_form(client: TypeformIntegration) -> Any:
    return await ops.get_form(client, "nope1234")


async def _unknown_token(client: TypeformIntegration) -> Any:
    return await ops.list_webhooks(client, ONBOARDING_FORM_ID)


async def _bad_cursor(client: TypeformIntegration) -> Any:
    return await ops.list_responses(client, ONBOARDING_FORM_ID, before="not-a-token")


@pytest.mark.parametrize(
    ("call", "error", "field", "tokens"),
    [
        pytest.param(_bad_url, BadRequestError, "url", None, id="invalid-url-400"),
        pytest.param(_unknown_form, NotFoundError, None, None, id="unknown-form-404"),
        pytest.param(_bad_cursor, BadRequestError, "before", None, id="unknown-cursor-400"),
        pytest.param(_unknown_token, ForbiddenError, None, {"other": "default"}, id="token-403"),
    ],
)
async def test_errors_map_to_our_classes(
    client: TypeformIntegration,
    sim: TypeformSimulator,
    call: Any,
    error: type[ProviderError],
    field: str | None,
    tokens: dict[str, str] | None,
) -> None:
    """`{code, description, details}` answers become our errors, naming the field at fault."""
    if tokens is not None:
        sim.tokens = tokens
    with pytest.raises(error) as caught:
        await call(client)
    exc = caught.value
    assert isinstance(exc, error) and exc.integration == "typeform" and exc.message
    if field is not None:
        assert isinstance(exc, BadRequestError) and field in exc.field_errors
        assert exc.field_errors[field]
    if error is ForbiddenError:
        assert isinstance(exc, AuthError) and exc.status == 403
        assert TOKEN not in str(exc) + exc.body


async def test_throttled_and_failing_answers_are_retried(
    client: TypeformIntegration, sim: TypeformSimulator
) -> None:
    """A 429 and a 503 from Typeform are retried and the call still succeeds."""
    sim.faults.set(f"GET /forms/{ONBOARDING_FORM_ID}", FaultPlan(script=[429, 503, 200]))
    form = await ops.get_form(client, ONBOARDING_FORM_ID)
    assert form.id == ONBOARDING_FORM_ID
    assert [r.status for r in sim.journal.all(path=f"/forms/{ONBOARDING_FORM_ID}")] == [
        429,
        503,
        200,
    ]


async def test_runtime_defaults_never_cache_webhook_state(sim: TypeformSimulator) -> None:
    """Even with reads cached 300 s by configuration, webhook reads stay live."""
    settings = CONNECTORS["typeform"].defaults.model_copy(update={"cache_ttl_seconds": 300.0})
    spec = TYPEFORM_SPEC.with_settings(settings)
    assert spec.cache_ttl_seconds > 0
    client = TypeformIntegration(
        spec, transport=SimulatorTransport(sim), credentials={"token": TOKEN}, clock=VirtualClock()
    )
    try:
        await ops.put_webhook(client, ONBOARDING_FORM_ID, "crm", HOOK)
        assert await ops.get_webhook(client, ONBOARDING_FORM_ID, "crm") is not None
        del sim.webhooks[ONBOARDING_FORM_ID]["crm"]
        assert await ops.get_webhook(client, ONBOARDING_FORM_ID, "crm") is None
        assert await ops.list_webhooks(client, ONBOARDING_FORM_ID) == []
    finally:
        await client.aclose()


async def test_rate_limit_status_on_a_virtual_clock(
    client: TypeformIntegration, clock: VirtualClock
) -> None:
    """Twenty calls at once are spread to 2/s; the status reports full compliance."""
    idle = client.get_rate_limit_status()
    assert (idle.sampled_requests, idle.compliance_percent, idle.seconds_until_next) == (
        0,
        100.0,
        0.0,
    )
    started = clock.now()
    await asyncio.gather(*(ops.get_form(client, ONBOARDING_FORM_ID) for _ in range(20)))
    status = client.get_rate_limit_status()
    assert status.configured_per_second == 2.0
    assert status.sampled_requests == 20
    assert 0 < status.actual_per_second <= 2.0
    assert status.compliance_percent == 100.0
    assert 0.0 <= status.seconds_until_next <= 1.0
    assert clock.now() - started >= 9.0


@pytest.mark.integration
async def test_twenty_requests_at_once_reach_typeform_at_two_per_second() -> None:
    """20 requests issued at once reach the simulator at ≤ 2 per second with 0 x 429 (real time,
    the simulator's own 2/s limiter on)."""
    sim = create_simulator(seed=3)
    assert sim.limiter.windows and sim.limiter.windows[0].limit == 2
    client = TypeformIntegration(transport=SimulatorTransport(sim), credentials={"token": TOKEN})
    try:
        await asyncio.gather(*(ops.get_form(client, ONBOARDING_FORM_ID) for _ in range(20)))
        status = client.get_rate_limit_status()
    finally:
        await client.aclose()
    received = sim.journal.all()
    assert len(received) == 20
    assert [r.status for r in received] == [200] * 20 and sim.limiter.rejected == 0
    moments = [r.received_at for r in received]
    for earlier, later in zip(moments, moments[2:], strict=False):
        assert later - earlier >= dt.timedelta(seconds=1), "three requests within one second"
    assert status.configured_per_second == 2.0
    assert 1.0 <= status.actual_per_second <= 2.0 + 0.01  # loose below: a loaded machine is slower
    assert status.compliance_percent == 100.0
    assert 0.0 <= status.seconds_until_next <= 1.0


@pytest.mark.parametrize(
    ("per_second", "warned"),
    [
        pytest.param(2, False, id="vendor-rate"),
        pytest.param(5, True, id="above-vendor"),
    ],
)
async def test_rate_above_the_vendor_limit_is_a_warning(
    sim: TypeformSimulator, per_second: int, warned: bool
) -> None:
    """A client configured faster than Typeform's 2/s logs a warning when it is built."""
    spec = dataclasses.replace(TYPEFORM_SPEC, rate_limits=(RateLimitRule(per_second, 1.0),))
    with capture_logs() as logs:
        client = TypeformIntegration(
            spec, transport=SimulatorTransport(sim), credentials={"token": TOKEN}
        )
    await client.aclose()
    found = [e for e in logs if e["event"] == "typeform.rate_limit_above_vendor"]
    assert bool(found) is warned
    if warned:
        assert found[0]["log_level"] == "warning"
        assert (found[0]["configured_per_second"], found[0]["vendor_per_second"]) == (5.0, 2)
    assert client.configured_per_second == float(per_second)


_OFFLINE = httpx2.MockTransport(lambda request: httpx2.Response(200))


@pytest.mark.parametrize(
    ("given", "environ", "dotenv", "expected"),
    [
        pytest.param({"token": "cfg"}, {"TYPEFORM_TOKEN": "env"}, "dot", "cfg", id="config"),
        pytest.param({}, {"TYPEFORM_TOKEN": "env"}, "dot", "env", id="environment"),
        pytest.param({}, {}, "dot", "dot", id="dotenv"),
        pytest.param({"token": ""}, {}, "dot", "dot", id="empty-config-value"),
    ],
)
def test_token_comes_from_config_then_environment_then_dotenv(
    tmp_path: Any, given: dict[str, str], environ: dict[str, str], dotenv: str, expected: str
) -> None:
    """The runtime configuration wins, then `TYPEFORM_TOKEN`, then `./.env`."""
    env_file = tmp_path / "tf.env"
    env_file.write_text(f"TYPEFORM_TOKEN={dotenv}\nOTHER=1\n")
    client = TypeformIntegration(
        credentials=given, environ=environ, dotenv=env_file, transport=_OFFLINE
    )
    assert client.build_request("GET", "/forms").headers["authorization"] == f"Bearer {expected}"


def test_missing_token_fails_fast_except_in_mock_mode(tmp_path: Any) -> None:
    """Without a token a live client is a ConfigError naming the variable; a mock client
    gets a placeholder the simulator accepts."""
    with pytest.raises(ConfigError, match="TYPEFORM_TOKEN"):
        TypeformIntegration(environ={}, dotenv=tmp_path / "absent.env")
    mock = TypeformIntegration(environ={}, dotenv=None, is_mock=True, transport=_OFFLINE)
    assert mock.credentials == {"token": "simulator"}


def test_base_url_override_from_environment_unless_configured() -> None:
    """`TYPEFORM_BASE_URL` moves the default host; a configured base URL wins over it."""
    env = {"TYPEFORM_BASE_URL": "http://127.0.0.1:9/", "TYPEFORM_TOKEN": "t"}
    moved = TypeformIntegration(environ=env, dotenv=None, transport=_OFFLINE)
    assert str(moved.build_request("GET", "/forms").url) == "http://127.0.0.1:9/forms"
    spec = dataclasses.replace(TYPEFORM_SPEC, base_url="https://eu.typeform.example")
    kept = TypeformIntegration(spec, environ=env, dotenv=None, transport=_OFFLINE)
    assert str(kept.build_request("GET", "/forms").url) == "https://eu.typeform.example/forms"
