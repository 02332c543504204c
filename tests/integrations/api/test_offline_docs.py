"""`/docs` and `/redoc` reference no other host, and every file they reference is served here.

A real browser loading `/docs` with nothing leaving the origin is checked by
tests/integrations/dashboard/test_dashboard_e2e.py; this file checks the pages and assets.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx2
import pytest

from integrations.api.app import create_app
from integrations.api.offline_docs import DOCS_CONTENT_SECURITY_POLICY
from integrations.config import Settings

pytestmark = pytest.mark.unit

# Every URL a page makes the browser load: src/href attributes and quoted URLs in its script.
_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*['"]([^'"]+)['"]""")
_ABSOLUTE = re.compile(r"""["'(]\s*((?:https?:)?//[^"'\s)]+)""")


@pytest.fixture(name="client")
async def _client() -> AsyncIterator[httpx2.AsyncClient]:
    app = create_app(Settings.model_construct(env="development"))
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def _references(page: str) -> list[str]:
    return [a or b for a, b in _REFERENCE.findall(page)]


@pytest.mark.parametrize(
    ("path", "expected_assets"),
    [
        pytest.param(
            "/docs",
            {
                "/docs/assets/swagger-ui-bundle.js",
                "/docs/assets/swagger-ui.css",
                "/docs/assets/favicon.png",
            },
            id="swagger-ui",
        ),
        pytest.param(
            "/redoc", {"/docs/assets/redoc.standalone.js", "/docs/assets/favicon.png"}, id="redoc"
        ),
        pytest.param("/docs/oauth2-redirect", set(), id="oauth2-redirect"),
    ],
)
async def test_docs_page_loads_only_local_assets(
    client: httpx2.AsyncClient, path: str, expected_assets: set[str]
) -> None:
    """The page names no absolute URL, each asset it references answers 200 with a body, and
    its policy lets the browser load from this origin only."""
    page = await client.get(path)

    assert page.status_code == 200
    assert page.headers["content-security-policy"] == DOCS_CONTENT_SECURITY_POLICY
    assert "http" not in DOCS_CONTENT_SECURITY_POLICY
    assert _ABSOLUTE.findall(page.text) == []
    references = set(_references(page.text))
    assert expected_assets <= references
    for reference in references:
        asset = await client.get(reference)
        assert asset.status_code == 200, reference
        assert len(asset.content) > 0, reference


@pytest.mark.parametrize(
    ("asset", "content_type", "marker"),
    [
        pytest.param("swagger-ui-bundle.js", "javascript", b"SwaggerUIBundle", id="swagger-js"),
        pytest.param("swagger-ui.css", "text/css", b".swagger-ui", id="swagger-css"),
        pytest.param("redoc.standalone.js", "javascript", b"Redoc", id="redoc-js"),
    ],
)
async def test_assets_are_the_real_libraries(
    client: httpx2.AsyncClient, asset: str, content_type: str, marker: bytes
) -> None:
    """The served files are Swagger UI and ReDoc themselves, with their content types."""
    response = await client.get(f"/docs/assets/{asset}")

    assert response.status_code == 200
    assert content_type in response.headers["content-type"]
    assert marker in response.content


async def test_validator_badge_is_off(client: httpx2.AsyncClient) -> None:
    """Swagger UI is told not to send the document to its public validator."""
    page = (await client.get("/docs")).text

    assert '"validatorUrl": null' in page


async def test_docs_and_their_assets_are_off_in_production() -> None:
    """In production (docs not enabled) the pages and their assets are all 404."""
    app = create_app(Settings.model_construct(env="production"))
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        statuses = [
            (await client.get(path)).status_code
            for path in ("/docs", "/redoc", "/docs/oauth2-redirect", "/docs/assets/swagger-ui.css")
        ]

    assert statuses == [404, 404, 404, 404]
