"""The OpenAPI document describes the API as it answers, and is public only where allowed.

Every operation lists the error statuses it gives with the error body the API really
returns; real error answers validate against the document (openapi-core); `/docs`,
`/redoc` and `/openapi.json` are off in production unless a setting turns them on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openapi_core import OpenAPI

from integrations.api.app import create_app
from integrations.config import Settings, load_settings
from integrations.core.request_safety import check_base_url
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.runtime_values import BASE_URL_PATTERN
from integrations.services import Services
from tests.helpers.openapi import SpecRequest, SpecResponse

ADMIN = {"Authorization": "Bearer test-admin-token-0123456789"}
ERROR_REF = "#/components/schemas/ErrorBody"
DOC_PATHS = ("/docs", "/redoc", "/openapi.json")


def _document() -> dict[str, Any]:
    return create_app(Settings.model_construct()).openapi()


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def _refs(schema: dict[str, Any]) -> set[str]:
    return {schema["$ref"]} if "$ref" in schema else {r["$ref"] for r in schema.get("anyOf", [])}


def test_every_error_status_is_documented_with_the_error_body() -> None:
    """Each 4xx/5xx entry of every operation carries `ErrorBody` (health adds its report);
    FastAPI's `{detail: [...]}` validation error is gone."""
    document = _document()
    missing = []
    for name, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            refs = _refs(response["content"]["application/json"]["schema"])
            if ERROR_REF not in refs and not name.endswith("/healthz"):
                missing.append(f"{name} {status}")
    assert missing == []
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_each_operation_lists_the_statuses_it_can_give() -> None:
    """Admin operations list 401; a body adds 400, 413 and 422; a resource by name adds 404;
    every operation can be refused for its headers (431)."""
    expectations = {
        "GET /api/v1/integrations": {"200", "401", "431", "503"},
        "PATCH /api/v1/integrations/{name}": {"200", "400", "401", "404", "413", "422", "431"},
        "GET /api/v1/integrations/{name}/history": {"200", "401", "404", "422", "431"},
        "GET /api/v1/webhook-events": {"200", "401", "422", "431"},
        "POST /api/v1/webhook-events/{event_id}/retry": {"200", "401", "404", "422", "431"},
        "POST /api/v1/webhook-events/replay": {"200", "400", "401", "413", "422", "431"},
        "GET /api/v1/health": {"200", "401", "431", "503"},
        "GET /healthz": {"200", "431", "503"},
        "POST /api/v1/webhooks/{integration}": {"200", "400", "401", "404", "413", "431", "503"},
    }
    operations = dict(_operations(_document()))
    for name, statuses in expectations.items():
        assert statuses <= set(operations[name]["responses"]), name


@pytest.fixture(name="client")
async def _client(settings: Settings, services: Services) -> AsyncIterator[httpx2.AsyncClient]:
    settings.api.max_body_bytes = 1024
    app = create_app(settings, services)
    app.state.services = services
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


ERROR_ANSWERS = [
    pytest.param("GET", "/api/v1/integrations", {}, 401, id="401"),
    pytest.param("GET", "/api/v1/integrations/nope", {"headers": ADMIN}, 404, id="404"),
    pytest.param(
        "GET",
        "/api/v1/webhook-events",
        {"headers": ADMIN, "params": {"before_id": 0}},
        422,
        id="422-query",
    ),
    pytest.param(
        "PATCH",
        "/api/v1/integrations/mock",
        {"headers": ADMIN, "json": {"retry": {"x": 1}}},
        422,
        id="422-body",
    ),
    pytest.param(
        "PATCH",
        "/api/v1/integrations/mock",
        {"headers": ADMIN, "json": {"o": "x" * 2000}},
        413,
        id="413",
    ),
    pytest.param(
        "GET",
        "/api/v1/integrations",
        {"headers": {f"x-{i}": "v" for i in range(200)}},
        431,
        id="431",
    ),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), ERROR_ANSWERS)
async def test_error_answers_validate_against_the_document(
    client: httpx2.AsyncClient, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    """A real 401, 404, 422, 413 and 431 each validate against the served document."""
    spec = OpenAPI.from_dict((await client.get("/openapi.json")).json())

    response = await client.request(method, path, **kwargs)

    assert response.status_code == status, response.text
    spec.validate_response(SpecRequest(response.request), SpecResponse(response))


@pytest.mark.parametrize(
    ("env", "docs", "status"),
    [
        pytest.param("development", None, 200, id="development-default"),
        pytest.param("production", None, 404, id="production-default"),
        pytest.param("production", "true", 200, id="production-enabled"),
        pytest.param("development", "false", 404, id="development-disabled"),
    ],
)
async def test_docs_are_off_in_production_unless_enabled(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    secret_key: str,
    env: str,
    docs: str | None,
    status: int,
) -> None:
    """`/docs`, `/redoc` and `/openapi.json` follow `INTEGRATIONS_API__DOCS_ENABLED`, whose
    default is off in production only."""
    if docs is not None:
        monkeypatch.setenv("INTEGRATIONS_API__DOCS_ENABLED", docs)
    settings = load_settings(
        env=env,
        var_dir=tmp_path / "var",
        secret_key=secret_key,
        admin_token="a-production-grade-admin-token-value",
    )
    transport = httpx2.ASGITransport(app=create_app(settings))
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        answers = [await client.get(path) for path in DOC_PATHS]

    assert [a.status_code for a in answers] == [status] * len(DOC_PATHS)


@hypothesis_settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(url=st.from_regex(BASE_URL_PATTERN, fullmatch=True).filter(lambda u: len(u) <= 2048))
def test_every_base_url_the_schema_allows_is_accepted(url: str) -> None:
    """A `base_url` matching the documented pattern and length passes validation and the https
    check (a generated host ending in a number, read as IPv4, was once refused)."""
    update = IntegrationSettingsUpdate.model_validate({"base_url": url})

    assert update.base_url is not None
    check_base_url(str(update.base_url), integration="mock")
