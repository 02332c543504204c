"""Every operation of the published OpenAPI document refuses a caller without a token.

The operations are read from `/openapi.json` as a client sees it (not from the route table),
so a route the document shows is checked the day it lands. Public by design: `/healthz`, the
inbound webhook receiver (each vendor's signature authenticates it) and PracticePanther's OAuth
callback (its single-use `state` does); the documentation pages are not operations of the
document.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from integrations.api.app import create_app
from integrations.config import Settings

PUBLIC = frozenset(
    {
        ("GET", "/healthz"),
        ("POST", "/api/v1/webhooks/{integration}"),
        # The vendor's redirect back: its single-use OAuth `state` authenticates it.
        ("GET", "/api/v1/integrations/practicepanther/oauth/callback"),
    }
)


def _example(parameter: dict[str, Any]) -> str:
    """A value the path parameter's schema accepts, so only the token can be missing."""
    schema = parameter.get("schema", {})
    if schema.get("enum"):
        return str(schema["enum"][0])
    if schema.get("type") == "integer":
        return str(max(1, schema.get("minimum", 1)))
    return "pandadoc"


def _operations() -> list[Any]:
    document = create_app(Settings.model_construct()).openapi()
    found = []
    for template, item in document["paths"].items():
        for method, operation in item.items():
            path = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    path = path.replace(f"{{{parameter['name']}}}", _example(parameter))
            found.append(pytest.param(method.upper(), template, path, id=f"{method} {template}"))
    return found


OPERATIONS = _operations()


def test_public_operations_are_the_documented_ones() -> None:
    """/healthz and the webhook receiver, the public operations, are in the document."""
    listed = {(p.values[0], p.values[1]) for p in OPERATIONS}
    assert listed >= PUBLIC
    assert len(listed) > len(PUBLIC)


@pytest.mark.parametrize(("method", "template", "path"), OPERATIONS)
async def test_operation_needs_a_token(
    settings: Settings, services: Any, method: str, template: str, path: str
) -> None:
    """Without `Authorization` every non-public operation answers 401 `unauthorized`."""
    app = create_app(settings, services)
    app.state.services = services
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        body = None if method in {"GET", "DELETE"} else {}
        response = await client.request(method, path, json=body)

    if (method, template) in PUBLIC:  # answered on its own terms, never for a missing token
        assert response.status_code >= 500 or "unauthorized" not in response.text
        return
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"
