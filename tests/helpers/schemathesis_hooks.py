"""Schemathesis hooks for fuzzing the admin API (loaded through `SCHEMATHESIS_HOOKS`).

Only what one JSON schema cannot say is adjusted here; everything else is generated from the
live `/openapi.json` as it stands.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import schemathesis

from integrations.connector_specs import connector_spec
from integrations.registry import CONNECTORS


def _allowed_host(name: str) -> str | None:
    """A host connector `name` lets a `base_url` name, or None when any https host will do."""
    spec = connector_spec(CONNECTORS[name])
    hosts = spec.allowed_hosts if spec is not None else ()
    exact = [h for h in hosts if not h.startswith("*.")]
    return exact[0] if exact else (hosts[0][2:] if hosts else None)


# Scoped to the one operation it concerns: a `map_case` hook on every operation made
# Schemathesis drop most drawn cases of the webhook receiver (a `filter_too_much` health check).
@schemathesis.hook.apply_to(method="PATCH", path="/api/v1/integrations/{name}")
def map_case(context: Any, case: Any) -> Any:
    """A PATCHed https `base_url` names a host its connector allows (PandaDoc, Typeform).

    The allowed hosts depend on the connector named in the path, which the body's schema
    cannot express; without this every valid-looking base_url for those two is a 422.
    """
    name = (case.path_parameters or {}).get("name")
    body = case.body
    if name in CONNECTORS and isinstance(body, dict) and isinstance(body.get("base_url"), str):
        host = _allowed_host(name)
        parts = urlsplit(body["base_url"])
        if host is not None and parts.scheme == "https":
            # A new dict: the coverage phase shares one body between cases of several paths.
            case.body = {**body, "base_url": parts._replace(netloc=host).geturl()}
    return case


@schemathesis.hook("map_case").apply_to(path_regex="^/api/v1/event-subscriptions")
def event_subscription_destination(context: Any, case: Any) -> Any:
    """A subscription's `url` points at 127.0.0.1, the one host the served app allow-lists
    (INTEGRATIONS_CHANGE_EVENTS__ALLOWED_PRIVATE_HOSTS): whether a name resolves to a public
    address is not something a schema can say, and the test machine resolves none."""
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("url"), str):
        case.body = {**body, "url": "http://127.0.0.1/changes"}
    return case
