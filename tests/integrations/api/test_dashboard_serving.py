"""The dashboard build is served at `/` and `/assets/*`; without a build `/` says how to make one.

The app here serves a build written into a temporary folder (index.html, one hashed asset), so
the tests hold whether or not `npm run build` has run in this checkout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from fastapi import FastAPI

from integrations.api.app import create_app
from integrations.api.dashboard import CONTENT_SECURITY_POLICY, DASHBOARD_DIST, install_dashboard
from integrations.api.errors import install_error_handlers
from integrations.config import Settings

pytestmark = pytest.mark.unit

INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-3f9a1c.js"></script>'
SCRIPT = "console.log('dashboard');\n"


def _app(dist: Path) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_dashboard(app, dist)
    return app


def _built(dist: Path) -> Path:
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-3f9a1c.js").write_text(SCRIPT)
    return dist


async def _client(app: FastAPI) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://test")


@pytest.fixture(name="dist")
def _dist(tmp_path: Path) -> Path:
    return tmp_path / "dashboard_dist"


@pytest.fixture(name="client")
async def _client_fixture(dist: Path) -> AsyncIterator[httpx2.AsyncClient]:
    async with await _client(_app(dist)) as client:
        yield client


async def test_index_is_served_uncached_with_a_same_origin_policy(
    client: httpx2.AsyncClient, dist: Path
) -> None:
    """`/` is the build's index.html, revalidated on every load and allowed only this origin."""
    _built(dist)

    response = await client.get("/")

    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY  # no other host is allowed anything


async def test_hashed_asset_is_cached_for_a_year(client: httpx2.AsyncClient, dist: Path) -> None:
    """A file under /assets/ is served with its type and an immutable one-year cache."""
    _built(dist)

    response = await client.get("/assets/index-3f9a1c.js")

    assert response.status_code == 200
    assert response.text == SCRIPT
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_revalidated_asset_answers_not_modified(
    client: httpx2.AsyncClient, dist: Path
) -> None:
    """A browser holding the asset's ETag gets a bodiless 304, still cacheable for a year."""
    _built(dist)
    etag = (await client.get("/assets/index-3f9a1c.js")).headers["etag"]

    response = await client.get("/assets/index-3f9a1c.js", headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/assets/missing-0000.js", id="unknown-file"),
        pytest.param("/assets/../index.html", id="dot-dot"),
        pytest.param("/assets/%2e%2e/index.html", id="encoded-dot-dot"),
        pytest.param("/assets/", id="folder"),
    ],
)
async def test_unknown_asset_is_a_json_404(
    client: httpx2.AsyncClient, dist: Path, path: str
) -> None:
    """A file that is not in assets/ (or a path leaving it) is the API's JSON 404."""
    _built(dist)

    response = await client.get(path)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("old_path", ["/dashboard", "/admin"])
async def test_old_paths_redirect_to_the_dashboard(
    client: httpx2.AsyncClient, old_path: str
) -> None:
    """`/dashboard` and `/admin` send the browser to `/`, temporarily."""
    response = await client.get(old_path)

    assert response.status_code == 307
    assert response.headers["location"] == "/"


async def test_missing_build_answers_503_saying_how_to_build(
    client: httpx2.AsyncClient, dist: Path
) -> None:
    """Without index.html, `/` is a 503 HTML page giving the build command and the folder."""
    response = await client.get("/")

    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert "cd dashboard &amp;&amp; npm ci &amp;&amp; npm run build" in response.text
    assert "scripts/serve" in response.text
    assert str(dist) in response.text
    assert (await client.get("/assets/index-3f9a1c.js")).status_code == 404


async def test_a_build_made_while_serving_is_served_without_restart(
    client: httpx2.AsyncClient, dist: Path
) -> None:
    """The build is looked up per request: 503 before it exists, the files right after."""
    assert (await client.get("/")).status_code == 503
    assert (await client.get("/assets/index-3f9a1c.js")).status_code == 404

    _built(dist)

    assert (await client.get("/")).status_code == 200
    assert (await client.get("/assets/index-3f9a1c.js")).status_code == 200


async def test_the_api_app_serves_the_packaged_build() -> None:
    """`create_app` serves `api/dashboard_dist/`: its index when built, else the 503 page."""
    built = (DASHBOARD_DIST / "index.html").is_file()
    async with await _client(create_app(Settings.model_construct())) as client:
        index = await client.get("/")
        redirect = await client.get("/admin")

    assert index.status_code == (200 if built else 503)
    assert index.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert redirect.headers["location"] == "/"
    assert "/" not in create_app(Settings.model_construct()).openapi()["paths"]
