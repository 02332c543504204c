"""PandaDoc simulator endpoints: list filters, validation, auth, limits, PDFs, locks, statuses."""

from __future__ import annotations

import re

import httpx2

from integrations.simulators.limits import SimRateLimit
from integrations.simulators.pandadoc import PandaDocSimulator, create_simulator
from tests.integrations.simulators.pandadoc_support import (
    _client,
    _sim,
    client_for,
    create_doc,
    first_template,
    ready_doc,
)

__all__ = ["_client", "_sim"]

DOCS = "/public/v1/documents"


async def test_list_filters_and_pagination_stop_rule(
    client: httpx2.AsyncClient, sim: PandaDocSimulator
) -> None:
    """Paging until a short page returns every document once; filters narrow the list."""
    for n in range(7):
        await create_doc(client, name=f"Deal {n}", metadata={"n": str(n)}, tags=[f"t{n % 2}"])
        sim.clock.advance(1)
    await sim.advance(3)
    seen: list[str] = []
    page = 1
    while True:
        results = (await client.get(DOCS, params={"count": 3, "page": page})).json()["results"]
        seen += [d["id"] for d in results]
        if len(results) < 3:
            break
        page += 1
    assert page == 3 and len(seen) == len(set(seen)) == 7

    async def names(**params: object) -> list[str]:
        answer = await client.get(DOCS, params=params)
        assert answer.status_code == 200, answer.text
        return [d["name"] for d in answer.json()["results"]]

    assert await names(q="deal 3") == ["Deal 3"]
    assert await names(metadata_n="5") == ["Deal 5"]
    assert await names(metadata="metadata_n=6") == ["Deal 6"]
    assert await names(tag="t1") == ["Deal 1", "Deal 3", "Deal 5"]
    assert (await names(order_by="-name"))[0] == "Deal 6"
    assert await names(order_by="date_created") == [f"Deal {n}" for n in range(7)]
    first = (await client.get(DOCS, params={"order_by": "name"})).json()["results"][0]
    assert await names(id=first["id"]) == ["Deal 0"]
    assert await names(created_to=first["date_created"]) == []
    assert len(await names(created_from=first["date_created"])) == 7
    await client.post(f"{DOCS}/{first['id']}/send", json={})
    assert await names(status=1) == ["Deal 0"]
    assert len(await names(status__ne=1)) == 6
    template_id = (await first_template(client))["id"]
    assert len(await names(template_id=template_id, count=100)) == 7
    await client.delete(f"{DOCS}/{first['id']}")
    assert await names(deleted="true") == ["Deal 0"]
    bad = await client.get(DOCS, params={"status": 99, "order_by": "size"})
    assert bad.status_code == 400 and bad.json()["type"] == "validation_error"


async def test_validation_errors_name_the_fields(client: httpx2.AsyncClient) -> None:
    """Create bodies with problems answer 400 validation_error naming each field."""
    template = await first_template(client)

    async def detail(body: object) -> dict[str, list[str]]:
        answer = await client.post(DOCS, json=body)
        assert answer.status_code == 400 and answer.json()["type"] == "validation_error"
        return dict(answer.json()["detail"])

    assert set(await detail({})) == {"template_uuid", "recipients"}
    assert set(await detail({"template_uuid": template["id"]})) == {"recipients"}
    no_contact = await detail({"template_uuid": template["id"], "recipients": [{"role": "Client"}]})
    assert "email or phone" in no_contact["recipients"][0]
    bad_role = await detail(
        {"template_uuid": template["id"], "recipients": [{"email": "a@b.example", "role": "Boss"}]}
    )
    assert "Boss" in bad_role["recipients"][0]
    assert set(await detail({"url": "https://x.example/a.pdf"})) == {"name"}
    assert "url" in await detail({"url": "http://x.example/a.pdf", "name": "A"})
    assert "non_field_errors" in await detail([1, 2])
    template_id = template["id"]
    for body, field in [
        ({"recipients": "x"}, "recipients"),
        ({"recipients": [1]}, "recipients"),
        ({"recipients": [{"type": "recipient_group", "name": "G"}]}, "recipients"),
        ({"recipients": [{"email": "a@b.example", "signing_order": 0}]}, "recipients"),
        ({"recipients": [], "tokens": [{"name": "t"}]}, "tokens"),
        ({"recipients": [], "fields": {"Client.Notes": {}}}, "fields"),
        ({"recipients": [], "fields": {"Client.Signature": {"value": "x"}}}, "fields"),
        ({"recipients": [], "metadata": [1]}, "metadata"),
        ({"recipients": [], "tags": "x"}, "tags"),
    ]:
        assert field in await detail({"template_uuid": template_id} | body), body
    assert "template_uuid" in await detail({"template_uuid": "missing", "recipients": []})
    broken = await client.post(DOCS, content=b"{not json", headers={"content-type": "x"})
    assert broken.status_code == 400 and "non_field_errors" in broken.json()["detail"]


async def test_authentication(sim: PandaDocSimulator) -> None:
    """No header is 401; with configured keys a wrong key is 401 and a right one works."""
    async with client_for(sim, headers={}) as anonymous:
        answer = await anonymous.get(DOCS)
        assert answer.status_code == 401
        assert answer.json() == {
            "type": "authentication_error",
            "detail": "Authentication credentials were not provided.",
        }
        ok = await anonymous.get(DOCS, headers={"Authorization": "Bearer any-token"})
        assert ok.status_code == 200
        sim.api_keys = {"right"}
        wrong = await anonymous.get(DOCS, headers={"Authorization": "API-Key wrong"})
        assert wrong.status_code == 401 and wrong.json()["type"] == "authentication_error"
        right = await anonymous.get(DOCS, headers={"Authorization": "API-Key right"})
        assert right.status_code == 200
    keyed = create_simulator(api_keys=["k"])
    async with client_for(keyed) as client:
        assert (await client.get(DOCS)).status_code == 401


async def test_per_endpoint_rate_limit_answers_throttled(
    client: httpx2.AsyncClient, sim: PandaDocSimulator
) -> None:
    """Download allows 100/min; the 101st is 429 throttled without headers, others go on."""
    doc_id = await ready_doc(client, sim)
    statuses = [(await client.get(f"{DOCS}/{doc_id}/download")).status_code for _ in range(101)]
    assert statuses[:100] == [200] * 100
    throttled = await client.get(f"{DOCS}/{doc_id}/download")
    assert throttled.status_code == 429
    assert throttled.json() == {"type": "throttled", "detail": "Request was throttled."}
    assert "retry-after" not in throttled.headers
    assert (await client.get(f"{DOCS}/{doc_id}")).status_code == 200
    await sim.advance(60)
    assert (await client.get(f"{DOCS}/{doc_id}/download")).status_code == 200


async def test_create_windows_tell_pdf_from_template(
    client: httpx2.AsyncClient, sim: PandaDocSimulator
) -> None:
    """PDF and template creates share a path but count against separate windows."""
    route = r"^POST /public/v1/documents#pdf$"
    sim.set_rate_limits([SimRateLimit(limit=2, period_seconds=60, route=route)])
    sim.configure(send_retry_after=True)
    pdf = {"name": "P", "url": "https://files.example.com/p.pdf"}
    statuses = [(await client.post(DOCS, json=pdf)).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    third = await client.post(DOCS, json=pdf)
    assert third.json()["type"] == "throttled" and int(third.headers["Retry-After"]) >= 59
    await create_doc(client)  # template creates are not in the PDF window


async def test_sandbox_allows_ten_per_minute_anywhere() -> None:
    """A sandbox key: 10 requests a minute on any endpoint, "[DEV]" names, no protected PDF."""
    sim = create_simulator(sandbox=True)
    async with client_for(sim) as client:
        doc = await create_doc(client)  # 3 requests: template list, details, create
        assert doc["name"] == "[DEV] Deal"
        protected = await client.get(f"{DOCS}/{doc['id']}/download-protected")
        assert protected.status_code == 401
        statuses = [(await client.get(DOCS)).status_code for _ in range(7)]
        assert statuses == [200] * 6 + [429]
        assert (await client.get("/public/v1/templates")).json() == {
            "type": "throttled",
            "detail": "Request was throttled.",
        }


async def test_download_202_then_real_pdf() -> None:
    """Download is 409 while uploaded, 202 until the PDF is ready, then a parseable PDF."""
    sim = create_simulator(pdf_delay=5)
    async with client_for(sim) as client:
        doc_id = (await create_doc(client))["id"]
        assert (await client.get(f"{DOCS}/{doc_id}/download")).status_code == 409
        await sim.advance(3)
        waiting = await client.get(f"{DOCS}/{doc_id}/download")
        assert waiting.status_code == 202 and waiting.content == b""
        await sim.advance(5)
        answer = await client.get(f"{DOCS}/{doc_id}/download")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/pdf"
        pdf = answer.content
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        assert_valid_xref(pdf)
        assert b"(Deal) Tj" in pdf and b"document.draft" in pdf
        protected = f"{DOCS}/{doc_id}/download-protected"
        assert (await client.get(protected)).status_code == 409
        await client.post(f"{DOCS}/{doc_id}/send", json={})
        await sim.sign(doc_id, "client@example.com")
        await sim.sign(doc_id, "sender@example.com")
        assert (await client.get(protected)).status_code == 202
        await sim.advance(5)
        signed = await client.get(protected)
        assert signed.status_code == 200 and b"document.completed" in signed.content


def assert_valid_xref(pdf: bytes) -> None:
    """Each in-use xref entry points at "N 0 obj" and startxref points at the table."""
    start = int(re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", pdf).group(1))  # type: ignore[union-attr]
    assert pdf[start:].startswith(b"xref")
    header = re.match(rb"xref\s+0 (\d+)\s+", pdf[start:])
    assert header is not None
    size = int(header.group(1))
    entries = re.findall(rb"(\d{10}) (\d{5}) ([nf]) ?\r?\n", pdf[start + header.end() :])
    assert len(entries[:size]) == size
    for number, (offset, _, kind) in enumerate(entries[:size]):
        if kind == b"n":
            assert pdf[int(offset) :].startswith(b"%d 0 obj" % number)
    assert re.search(rb"/Size %d\b" % size, pdf)
