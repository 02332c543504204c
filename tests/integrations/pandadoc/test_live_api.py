"""LIVE: the connector against the real PandaDoc API (needs `PANDADOC_API_KEY`).

Runs only when a key is set in the environment or `./.env` (read at import, before the
suite clears `PANDADOC_*` variables) and only with `-m live_api`. Everything it creates is
deleted in `finally`, also when an assertion fails. `PANDADOC_LIVE_PDF_URL` may point at
another public PDF; `PANDADOC_SANDBOX=true` budgets a sandbox key at 10 requests/min.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from integrations.errors import AuthError
from integrations.pandadoc import PandaDocIntegration
from integrations.pandadoc import operations as ops
from integrations.pandadoc.bodies import CreateFromPdfUrl, DocumentFilter
from integrations.pandadoc.models import DocumentStatus
from tests.integrations.pandadoc.conftest import LIVE_ENV

pytestmark = [
    pytest.mark.live_api,
    pytest.mark.skipif(
        not LIVE_ENV.get("PANDADOC_API_KEY"),
        reason="PANDADOC_API_KEY is not set (environment or .env): live PandaDoc tests skipped",
    ),
]

# A public sample PDF from PandaDoc's own API examples.
PDF_URL = LIVE_ENV.get(
    "PANDADOC_LIVE_PDF_URL",
    "https://cdn2.hubspot.net/hubfs/2127247/public-templates/SamplePandaDocPdf_FieldTags.pdf",
)


@pytest.fixture(name="live")
async def _live() -> AsyncIterator[PandaDocIntegration]:
    client = PandaDocIntegration(environ=LIVE_ENV, dotenv=None)
    yield client
    await client.aclose()


async def test_authentication_is_accepted_and_a_bad_key_refused(
    live: PandaDocIntegration,
) -> None:
    """The configured key passes the health check; a made-up key is AuthError (401)."""
    assert (await live.health_check()).healthy
    wrong = PandaDocIntegration(
        credentials={"api_key": "0" * 40}, environ={}, dotenv=None, sandbox=live.sandbox
    )
    try:
        with pytest.raises(AuthError) as caught:
            await wrong.health_check()
        assert caught.value.status in (401, 403)
    finally:
        await wrong.aclose()


async def test_list_templates_and_documents(live: PandaDocIntegration) -> None:
    """Templates and documents list with the page/count pagination."""
    templates = await ops.list_templates(live, count=5)
    assert len(templates) <= 5 and all(t.id for t in templates)
    documents = await ops.list_documents(live, DocumentFilter(order_by="date_created"), count=3)
    assert len(documents) <= 3


async def test_create_from_pdf_url_wait_for_draft_then_delete(live: PandaDocIntegration) -> None:
    """A document from a public PDF URL is `document.uploaded`, reaches `document.draft`
    within 90 s, has details, and is deleted again (also on failure)."""
    created = None
    deleted = False
    try:
        created = await ops.create_document_from_pdf_url(
            live,
            CreateFromPdfUrl(
                url=PDF_URL,
                name="integrations live test (safe to delete)",
                parse_form_fields=False,
                metadata={"integrations_live_test": "true"},
                tags=["integrations-live-test"],
            ),
        )
        assert created.status == DocumentStatus.UPLOADED
        ready = await ops.wait_for_document_status(live, created.id, max_wait=90)
        assert ready.status == DocumentStatus.DRAFT, ready.status
        found = await ops.list_documents(live, DocumentFilter(id=created.id))
        assert [d.id for d in found] in ([created.id], [])  # the search index may lag
        details = await ops.get_document_details(live, created.id)
        assert details.id == created.id
    finally:
        if created is not None:
            deleted = await ops.delete_document(live, created.id, missing_ok=True)
    assert deleted
