"""The Typeform simulator: auth, forms, responses paging, tagged webhooks, signed delivery."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI, Request, Response

from integrations.simulators import create
from integrations.simulators.faults import FaultPlan
from integrations.simulators.transport import SimulatorTransport
from integrations.simulators.typeform import TypeformSimulator, create_simulator
from integrations.simulators.typeform_data import (
    EVENTS_FORM_ID,
    FEEDBACK_FORM_ID,
    ONBOARDING_FORM_ID,
)

BASE = "https://api.typeform.com"
AUTH = {"Authorization": "Bearer tfp_test_token"}
HOOK = f"/forms/{ONBOARDING_FORM_ID}/webhooks"
RESPONSES = f"/forms/{ONBOARDING_FORM_ID}/responses"


class Receiver:
    """An in-process webhook receiver answering scripted statuses (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.app = FastAPI()

        @self.app.post("/hooks/typeform")
        async def hook(request: Request) -> Response:
            self.requests.append((dict(request.headers), await request.body()))
            return Response(status_code=self.statuses.pop(0) if self.statuses else 200)


def _unix(stamp: str) -> int:
    return int(dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


def _signature(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


@pytest.fixture(name="sim")
def _sim() -> TypeformSimulator:
    sim = create_simulator(seed=7, retry_delays=(0.02, 0.02, 0.02), backoff_delays=(0.02,))
    sim.set_rate_limits([])
    return sim


@pytest.fixture(name="client")
async def _client(sim: TypeformSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    transport = SimulatorTransport(sim)
    async with httpx2.AsyncClient(transport=transport, base_url=BASE, headers=AUTH) as client:
        yield client


async def _hook(
    client: httpx2.AsyncClient, receiver: Receiver, sim: TypeformSimulator, **body: Any
) -> dict[str, Any]:
    sim.emitter.transport = httpx2.ASGITransport(app=receiver.app)
    payload = {"url": "https://receiver.example/hooks/typeform", "enabled": True, **body}
    answer = await client.put(f"{HOOK}/crm", json=payload)
    assert answer.status_code == 200
    result: dict[str, Any] = answer.json()
    return result


async def test_put_twice_updates_the_same_webhook(client: httpx2.AsyncClient) -> None:
    """PUT on a tag creates, a second PUT updates in place and keeps the id."""
    first = await client.put(f"{HOOK}/crm", json={"url": "https://a.example/h", "secret": "s1"})
    second = await client.put(f"{HOOK}/crm", json={"url": "https://b.example/h", "enabled": True})
    assert first.status_code == second.status_code == 200
    one, two = first.json(), second.json()
    assert one["id"] == two["id"] and two["tag"] == "crm" and two["form_id"] == ONBOARDING_FORM_ID
    assert (one["enabled"], two["enabled"], two["url"]) == (False, True, "https://b.example/h")
    assert two["secret"] == "s1" and two["verify_ssl"] is True
    assert two["event_types"] == {"form_response": True}
    assert (await client.get(f"{HOOK}/crm")).json() == two


async def test_list_and_delete_webhooks(client: httpx2.AsyncClient) -> None:
    """Webhooks are listed per form; DELETE answers 204 and then the tag is 404 NOT_FOUND."""
    for tag in ("crm", "backup"):
        await client.put(f"{HOOK}/{tag}", json={"url": f"https://x.example/{tag}"})
    listed = (await client.get(HOOK)).json()["items"]
    assert sorted(item["tag"] for item in listed) == ["backup", "crm"]
    deleted = await client.delete(f"{HOOK}/crm")
    assert (deleted.status_code, deleted.content) == (204, b"")
    for method in ("GET", "DELETE"):
        gone = await client.request(method, f"{HOOK}/crm")
        assert gone.status_code == 404 and gone.json()["code"] == "NOT_FOUND"
    assert [item["tag"] for item in (await client.get(HOOK)).json()["items"]] == ["backup"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="missing-url"),
        pytest.param({"url": "not a url"}, id="not-a-url"),
        pytest.param({"url": "ftp://files.example/h"}, id="wrong-scheme"),
        pytest.param({"url": "http://public.example/h"}, id="plain-http-public-host"),
    ],
)
async def test_invalid_webhook_url_names_the_field(
    client: httpx2.AsyncClient, body: dict[str, Any]
) -> None:
    """A bad webhook URL is a 400 VALIDATION_ERROR whose details name `url` in the body."""
    answer = await client.put(f"{HOOK}/crm", json=body)
    assert answer.status_code == 400
    error = answer.json()
    assert error["code"] == "VALIDATION_ERROR" and error["description"]
    assert error["details"][0]["field"] == "url" and error["details"][0]["in"] == "body"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"url": "http://127.0.0.1:8000/h"}, id="loopback-http"),
        pytest.param({"url": "http://app.internal/h", "verify_ssl": False}, id="no-verify-ssl"),
    ],
)
async def test_local_http_webhook_urls_are_accepted(
    client: httpx2.AsyncClient, body: dict[str, Any]
) -> None:
    """Plain http is accepted for loopback hosts and when verify_ssl is false."""
    assert (await client.put(f"{HOOK}/local", json=body)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-header"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="basic-scheme"),
        pytest.param({"Authorization": "Bearer "}, id="empty-token"),
    ],
)
async def test_missing_credentials_are_403(sim: TypeformSimulator, headers: dict[str, str]) -> None:
    """Without a Bearer token Typeform answers 403 AUTHENTICATION_ERROR."""
    async with httpx2.AsyncClient(transport=SimulatorTransport(sim), base_url=BASE) as client:
        answer = await client.get(f"/forms/{ONBOARDING_FORM_ID}", headers=headers)
    assert answer.status_code == 403
    assert answer.json()["code"] == "AUTHENTICATION_ERROR" and answer.json()["description"]


async def test_accounts_only_manage_their_own_forms(
    client: httpx2.AsyncClient, sim: TypeformSimulator
) -> None:
    """With tokens configured, unknown tokens are 403 and another account's form is 403."""
    tokens = {"tok-owner": "default", "tok-other": "acme"}
    assert (await client.put("/_sim/typeform/tokens", json=tokens)).status_code == 200
    owner, other = {"Authorization": "bearer tok-owner"}, {"Authorization": "Bearer tok-other"}
    assert (await client.get(f"/forms/{ONBOARDING_FORM_ID}", headers=owner)).status_code == 200
    unknown = await client.get(f"/forms/{ONBOARDING_FORM_ID}")
    assert (unknown.status_code, unknown.json()["code"]) == (403, "AUTHENTICATION_ERROR")
    for path in (f"/forms/{ONBOARDING_FORM_ID}", RESPONSES, HOOK):
        assert (await client.get(path, headers=other)).status_code == 403
    added = (await client.post("/_sim/typeform/forms", json={"account_id": "acme"})).json()
    assert [f["id"] for f in (await client.get("/forms", headers=other)).json()["items"]] == [
        added["id"]
    ]
    assert (await client.get(f"/forms/{added['id']}", headers=owner)).status_code == 403


async def test_forms_listing_definition_and_not_found(client: httpx2.AsyncClient) -> None:
    """Forms page with page_size, search by title, typed fields, and 404 FORM_NOT_FOUND."""
    page = (await client.get("/forms", params={"page_size": 2})).json()
    assert (page["total_items"], page["page_count"], len(page["items"])) == (3, 2, 2)
    found = (await client.get("/forms", params={"search": "onboard"})).json()["items"]
    assert [f["id"] for f in found] == [ONBOARDING_FORM_ID]
    form = (await client.get(f"/forms/{ONBOARDING_FORM_ID}")).json()
    kinds = {f["type"] for f in form["fields"]}
    assert {"short_text", "email", "phone_number", "multiple_choice", "yes_no", "date"} <= kinds
    assert (await client.get("/forms", params={"page_size": 201})).status_code == 400
    missing = await client.get("/forms/nope1234")
    assert (missing.status_code, missing.json()["code"]) == (404, "FORM_NOT_FOUND")


async def test_before_traversal_visits_every_response_once(
    client: httpx2.AsyncClient, sim: TypeformSimulator
) -> None:
    """Paging with page_size and `before=<last token>` visits each completed response once."""
    seen: list[str] = []
    params: dict[str, Any] = {"page_size": 7}
    while True:
        page = (await client.get(RESPONSES, params=params)).json()
        seen += [item["token"] for item in page["items"]]
        if page["page_count"] <= 1:
            break
        params["before"] = page["items"][-1]["token"]
    completed = [r for r in sim.responses[ONBOARDING_FORM_ID] if r["response_type"] == "completed"]
    assert len(seen) == len(set(seen)) == len(completed)
    assert set(seen) == {r["token"] for r in completed}
    stamps = [r["submitted_at"] for r in completed]
    assert seen[0] == next(r["token"] for r in completed if r["submitted_at"] == max(stamps))


async def test_after_walks_forward_from_a_token(
    client: httpx2.AsyncClient, sim: TypeformSimulator
) -> None:
    """`after=<token>` returns the next newer responses closest to the token, newest first."""
    everything = (await client.get(RESPONSES, params={"page_size": 1000})).json()["items"]
    oldest = everything[-1]["token"]
    page = (await client.get(RESPONSES, params={"after": oldest, "page_size": 3})).json()
    assert [i["token"] for i in page["items"]] == [i["token"] for i in everything[-4:-1]]
    assert page["total_items"] == len(everything) - 1


async def test_since_and_until_are_inclusive(client: httpx2.AsyncClient) -> None:
    """since/until include responses submitted exactly at the bounds, ISO or unix seconds."""
    everything = (await client.get(RESPONSES, params={"page_size": 1000})).json()["items"]
    newer, older = everything[10]["submitted_at"], everything[20]["submitted_at"]
    iso_bounds = {"since": older.rstrip("Z"), "until": newer, "page_size": 1000}
    by_iso = (await client.get(RESPONSES, params=iso_bounds)).json()
    expected = [i["token"] for i in everything if older <= i["submitted_at"] <= newer]
    assert [i["token"] for i in by_iso["items"]] == expected and by_iso["total_items"] >= 11
    unix = {"since": str(_unix(older)), "until": str(_unix(newer)), "page_size": 1000}
    assert (await client.get(RESPONSES, params=unix)).json()["items"] == by_iso["items"]
    bad = await client.get(RESPONSES, params={"since": "yesterday"})
    assert bad.status_code == 400 and bad.json()["details"][0]["field"] == "since"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"before": "TOKEN", "sort": "submitted_at,asc"}, "sort", id="before+sort"),
        pytest.param({"after": "TOKEN", "sort": "submitted_at,desc"}, "sort", id="after+sort"),
        pytest.param({"page_size": 1001}, "page_size", id="page-size-over-1000"),
        pytest.param({"before": "unknown-token"}, "before", id="unknown-token"),
        pytest.param({"sort": "title,asc"}, "sort", id="bad-sort-field"),
    ],
)
async def test_invalid_responses_queries_are_400(
    client: httpx2.AsyncClient, sim: TypeformSimulator, params: dict[str, Any], field: str
) -> None:
    """Invalid combinations answer 400 VALIDATION_ERROR naming the parameter."""
    token = sim.responses[ONBOARDING_FORM_ID][0]["token"]
    query = {k: (token if v == "TOKEN" else v) for k, v in params.items()}
    answer = await client.get(RESPONSES, params=query)
    assert answer.status_code == 400
    assert answer.json()["code"] == "VALIDATION_ERROR"
    assert answer.json()["details"][0]["field"] == field


@pytest.mark.parametrize(
    ("params", "types"),
    [
        pytest.param({}, {"completed"}, id="default-completed"),
        pytest.param({"completed": "false"}, {"partial"}, id="completed-false"),
        pytest.param({"response_type": "partial,completed"}, {"partial", "completed"}, id="both"),
    ],
)
async def test_response_type_filter(
    client: httpx2.AsyncClient, params: dict[str, str], types: set[str]
) -> None:
    """Only completed responses by default; response_type and completed select types."""
    items = (await client.get(RESPONSES, params={**params, "page_size": 1000})).json()["items"]
    assert {item["response_type"] for item in items} == types


async def test_query_sort_and_fields(client: httpx2.AsyncClient) -> None:
    """`sort` ascending reverses the order, `query` searches answers, `fields` trims answers."""
    desc = (await client.get(RESPONSES, params={"page_size": 1000})).json()["items"]
    asc = await client.get(RESPONSES, params={"page_size": 1000, "sort": "submitted_at,asc"})
    assert [i["token"] for i in asc.json()["items"]] == [i["token"] for i in reversed(desc)]
    email = desc[3]["answers"][1]["email"]
    hits = (await client.get(RESPONSES, params={"query": email.upper()})).json()["items"]
    assert desc[3]["token"] in {i["token"] for i in hits}
    trimmed = (await client.get(RESPONSES, params={"fields": "email", "page_size": 2})).json()
    assert all([a["field"]["ref"] for a in i["answers"]] == ["email"] for i in trimmed["items"])


async def test_submit_delivers_a_signed_form_response(
    client: httpx2.AsyncClient, sim: TypeformSimulator
) -> None:
    """A submission reaches the receiver signed; the signature verifies and breaks on one byte."""
    receiver = Receiver()
    await _hook(client, receiver, sim, secret="whsec-typeform")
    done = await sim.submit(ONBOARDING_FORM_ID, {"full_name": "Ada Lovelace", "team_size": 12})
    assert [d.delivered for _, d in done.deliveries] == [True]
    headers, body = receiver.requests[0]
    expected = _signature("whsec-typeform", body)
    assert hmac.compare_digest(headers["typeform-signature"], expected)
    tampered = bytes([body[0] ^ 1]) + body[1:]
    assert _signature("whsec-typeform", tampered) != headers["typeform-signature"]
    event = json.loads(body)
    assert event["event_type"] == "form_response" and len(event["event_id"]) == 26
    response = event["form_response"]
    assert response["form_id"] == ONBOARDING_FORM_ID and response["token"] == done.response["token"]
    assert {f["ref"] for f in response["definition"]["fields"]} >= {"email", "service"}
    by_ref = {a["field"]["ref"]: a for a in response["answers"]}
    assert by_ref["full_name"]["text"] == "Ada Lovelace" and by_ref["team_size"]["number"] == 12
    assert by_ref["service"]["type"] == "choice" and "label" in by_ref["service"]["choice"]
    listed = (await client.get(RESPONSES, params={"page_size": 1})).json()["items"]
    assert listed[0]["token"] == done.response["token"]


async def test_submit_control_endpoint_and_unsigned_delivery(
    client: httpx2.AsyncClient, sim: TypeformSimulator
) -> None:
    """The control endpoint submits over HTTP; without a secret no signature header is sent."""
    receiver = Receiver()
    await _hook(client, receiver, sim)
    await client.put(f"{HOOK}/off", json={"url": "https://off.example/h", "enabled": False})
    answers = {"service": "Support", "agree_terms": False, "start_date": "2026-12-01"}
    answer = await client.post(
        f"/_sim/typeform/forms/{ONBOARDING_FORM_ID}/submit", json={"answers": answers}
    )
    assert answer.status_code == 200
    assert [d["tag"] for d in answer.json()["deliveries"]] == ["crm"]
    headers, _ = receiver.requests[0]
    assert "typeform-signature" not in headers
    bad = await client.post(
        f"/_sim/typeform/forms/{ONBOARDING_FORM_ID}/submit", json={"answers": {"service": "?"}}
    )
    assert bad.status_code == 400 and bad.json()["details"][0]["field"] == "answers.service"


@pytest.mark.parametrize("status", [pytest.param(404, id="404"), pytest.param(410, id="410")])
async def test_gone_receiver_disables_the_webhook(
    client: httpx2.AsyncClient, sim: TypeformSimulator, status: int
) -> None:
    """A 404/410 answer is not retried and disables the webhook; later submissions skip it."""
    receiver = Receiver([status])
    await _hook(client, receiver, sim, secret="s")
    done = await sim.submit(ONBOARDING_FORM_ID)
    await sim.emitter.drain()
    delivery = done.deliveries[0][1]
    assert [a["status"] for a in delivery.attempts] == [status] and delivery.gave_up
    assert (await client.get(f"{HOOK}/crm")).json()["enabled"] is False
    assert (await sim.submit(ONBOARDING_FORM_ID)).deliveries == []
    assert len(receiver.requests) == 1


async def test_throttled_receiver_is_retried_until_delivered(
    client: httpx2.AsyncClient, sim: TypeformSimulator
) -> None:
    """503 twice then 200: the delivery succeeds on the third attempt, webhook stays enabled."""
    receiver = Receiver([503, 503])
    await _hook(client, receiver, sim)
    delivery = (await sim.submit(ONBOARDING_FORM_ID)).deliveries[0][1]
    await sim.emitter.drain()
    assert [a["status"] for a in delivery.attempts] == [503, 503, 200]
    assert delivery.delivered and not delivery.gave_up
    assert len({body for _, body in receiver.requests}) == 1  # the same bytes every time
    assert (await client.get(f"{HOOK}/crm")).json()["enabled"] is True


async def test_other_failures_use_the_backoff_schedule(
    client: httpx2.AsyncClient, sim: TypeformSimulator
) -> None:
    """A 500 follows the back-off schedule (one retry here) and then gives up."""
    receiver = Receiver([500, 500, 500, 500])
    await _hook(client, receiver, sim)
    delivery = (await sim.submit(ONBOARDING_FORM_ID)).deliveries[0][1]
    await sim.emitter.drain()
    assert [a["status"] for a in delivery.attempts] == [500, 500]
    assert delivery.gave_up and not delivery.delivered


async def test_rate_limit_is_two_requests_per_second() -> None:
    """Three immediate requests: the third is 429 TOO_MANY_REQUESTS with Retry-After."""
    sim = create("typeform")
    async with httpx2.AsyncClient(
        transport=SimulatorTransport(sim), base_url=BASE, headers=AUTH
    ) as client:
        answers = [await client.get(f"/forms/{ONBOARDING_FORM_ID}") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[2].json()["code"] == "TOO_MANY_REQUESTS"
        assert int(answers[2].headers["Retry-After"]) >= 1
        sim.clock.advance(1.0)
        assert (await client.get(f"/forms/{ONBOARDING_FORM_ID}")).status_code == 200


async def test_injected_faults_use_typeform_error_bodies(
    client: httpx2.AsyncClient, sim: TypeformSimulator
) -> None:
    """Kit faults and unknown routes answer in Typeform's `{code, description}` shape."""
    sim.faults.set("*", FaultPlan(script=[503, 500]))
    first, second = await client.get(RESPONSES), await client.get(RESPONSES)
    assert (first.status_code, first.json()["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert (second.status_code, second.json()["code"]) == (500, "INTERNAL_SERVER_ERROR")
    unknown = await client.get("/no/such/route")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "NOT_FOUND")


def test_same_seed_same_responses() -> None:
    """Two simulators with one seed hold identical responses; another seed differs."""
    one, two, other = create_simulator(seed=3), create_simulator(seed=3), create_simulator(seed=4)
    assert one.responses == two.responses
    assert one.responses[FEEDBACK_FORM_ID] != other.responses[FEEDBACK_FORM_ID]
    assert one.forms[ONBOARDING_FORM_ID].fields == other.forms[ONBOARDING_FORM_ID].fields


async def test_reset_restores_seeded_state(
    client: httpx2.AsyncClient, sim: TypeformSimulator
) -> None:
    """Reset drops webhooks and submissions and restores the seeded responses and tokens."""
    seeded = json.dumps(sim.responses, sort_keys=True)
    await client.put(f"{HOOK}/crm", json={"url": "https://x.example/h"})
    await sim.submit(EVENTS_FORM_ID)
    await client.put("/_sim/typeform/tokens", json={"only": "default"})
    assert (await client.post("/_sim/reset")).status_code == 200
    assert sim.webhooks == {} and sim.tokens == {}
    assert json.dumps(sim.responses, sort_keys=True) == seeded
    assert (await client.get(HOOK)).json() == {"items": []}
