"""The PracticePanther simulator against the vendor's swagger: every path and query parameter it
accepts is in the swagger, every field it returns is in the swagger's model, and a parameter the
swagger does not list is refused with a 400 naming it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.simulators.practicepanther import create_simulator
from integrations.simulators.practicepanther_query import (
    LIST_PARAMS,
    ODATA_PARAMS,
    QueryError,
    parse_query,
)

SWAGGER = (
    Path(__file__).resolve().parents[3].parent / "shared/contracts/practicepanther-swagger-v2.json"
)
MODELS = {"accounts": "Account", "contacts": "Contact", "matters": "Matter", "tasks": "Task"}

pytestmark = pytest.mark.skipif(
    not SWAGGER.exists(), reason=f"vendor contract not present at {SWAGGER}"
)


@cache
def _swagger() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SWAGGER.read_text())
    return loaded


def _vendor_routes() -> list[tuple[str, str]]:
    sim = create_simulator()
    found = []
    for route in sim.app.routes:
        if isinstance(route, APIRoute) and route.path.startswith("/api/"):
            found += [(method.lower(), route.path) for method in route.methods or ()]
    return sorted(found)


def _params(path: str) -> set[str]:
    operation = _swagger()["paths"][path]["get"]
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(_vendor_routes()))
def test_every_served_path_is_in_the_swagger(route: tuple[str, str]) -> None:
    method, path = route
    assert method in _swagger()["paths"].get(path, {}), f"{method.upper()} {path} not in swagger"


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted((k, p) for k, names in LIST_PARAMS.items() for p in names)))
def test_every_accepted_query_parameter_is_in_the_swagger(kind_param: tuple[str, str]) -> None:
    kind, name = kind_param
    assert name in _params(f"/api/v2/{kind}")


def test_odata_options_are_the_only_extras() -> None:
    # BRIEF §3.1: $top/$skip/$orderby are OData system options the swagger does not list.
    assert all(name.startswith("$") for name in ODATA_PARAMS)
    for kind in LIST_PARAMS:
        assert not ODATA_PARAMS & _params(f"/api/v2/{kind}")


def test_oauth_endpoints_are_the_swaggers() -> None:
    oauth = _swagger()["securityDefinitions"]["oauth2"]
    paths = {r.path for r in create_simulator().app.routes if isinstance(r, APIRoute)}
    assert {oauth["authorizationUrl"], oauth["tokenUrl"]} <= paths


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(MODELS)), st.text("abcdefgh_", min_size=1, max_size=12))
def test_parameters_outside_the_swagger_are_refused(kind: str, name: str) -> None:
    if name in _params(f"/api/v2/{kind}"):
        return
    with pytest.raises(QueryError) as refused:
        parse_query(kind, [(name, "x")], 0)
    assert refused.value.name == name


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_record_fields_are_the_models(kind: str) -> None:
    sim = create_simulator(seed=1)
    model = _swagger()["definitions"][MODELS[kind]]["properties"]
    for index in range(5):
        record = sim.records.build(kind, index)
        assert set(record) <= set(model), set(record) - set(model)
        for key, value in record.items():
            if model[key].get("enum") and value is not None:
                assert value in model[key]["enum"], (key, value)
    if kind == "contacts":
        assert not {"created_at", "updated_at"} & set(model)  # why contacts carry no times
    user = _swagger()["definitions"]["User"]["properties"]
    assert set(sim.records.user(0)) <= set(user)
