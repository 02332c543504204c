"""PandaDoc template and webhook-subscription endpoints under `/public/v1`.

Templates are read-only here (seeded at start, restored by reset): connectors only list them
and read their roles to build create requests. Subscriptions follow the spec's
`/webhook-subscriptions` paths; their bodies are checked by hand so errors come back as the
spec's `400 request_error {field: [msg]}`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from integrations.simulators.pandadoc_models import PandaDocError, Template
from integrations.simulators.pandadoc_query import page_of, select_templates
from integrations.simulators.pandadoc_validate import check_subscription, parse_json_object
from integrations.simulators.pandadoc_views import template_details, template_item
from integrations.simulators.pandadoc_webhooks import Subscription

if TYPE_CHECKING:
    from integrations.simulators.pandadoc import PandaDocSimulator

__all__ = ["register_extra_routes"]

_NOT_FOUND = {"type": "request_error", "detail": "Not found"}


async def _body(request: Request) -> dict[str, Any]:
    body, errors = parse_json_object(await request.body())
    if errors:
        raise PandaDocError(400, {"type": "request_error", "detail": errors})
    return body


def register_extra_routes(sim: PandaDocSimulator, router: APIRouter) -> None:
    """Add the template and webhook-subscription routes to the guarded `/public/v1` router."""
    state, hub = sim.state, sim.hub

    def template(template_id: str) -> Template:
        found = state.templates.get(template_id)
        if found is None or found.deleted:
            raise PandaDocError(404, _NOT_FOUND)
        return found

    def subscription(sub_id: str) -> Subscription:
        found = hub.subscriptions.get(sub_id)
        if found is None:
            raise PandaDocError(404, _NOT_FOUND)
        return found

    def check(body: dict[str, Any], *, partial: bool) -> None:
        errors = check_subscription(
            body, partial=partial, https_only=sim.config.https_webhooks_only
        )
        if errors:
            raise PandaDocError(400, {"type": "request_error", "detail": errors})

    @router.get("/templates")
    async def list_templates(request: Request) -> JSONResponse:
        query = request.query_params
        found = page_of(select_templates(list(state.templates.values()), query), query)
        dated = "content_date_modified" in query.getlist("fields")
        return JSONResponse({"results": [template_item(t, content_date=dated) for t in found]})

    @router.get("/templates/{template_id}/details")
    async def get_template_details(template_id: str) -> JSONResponse:
        return JSONResponse(template_details(template(template_id), state.user))

    @router.get("/webhook-subscriptions")
    async def list_subscriptions() -> JSONResponse:
        return JSONResponse({"items": [s.as_dict() for s in hub.subscriptions.values()]})

    @router.post("/webhook-subscriptions")
    async def create_subscription(request: Request) -> JSONResponse:
        body = await _body(request)
        check(body, partial=False)
        if len(hub.subscriptions) >= hub.MAX_SUBSCRIPTIONS:
            detail = {"non_field_errors": ["A workspace can have at most 300 subscriptions."]}
            raise PandaDocError(400, {"type": "request_error", "detail": detail})
        return JSONResponse(hub.create(body).as_dict(), status_code=201)

    @router.get("/webhook-subscriptions/{sub_id}")
    async def get_subscription(sub_id: str) -> JSONResponse:
        return JSONResponse(subscription(sub_id).as_dict())

    @router.patch("/webhook-subscriptions/{sub_id}")
    async def update_subscription(sub_id: str, request: Request) -> JSONResponse:
        found = subscription(sub_id)
        body = await _body(request)
        check(body, partial=True)
        hub.update(found, body)
        return JSONResponse(found.as_dict())

    @router.delete("/webhook-subscriptions/{sub_id}")
    async def delete_subscription(sub_id: str) -> Response:
        del hub.subscriptions[subscription(sub_id).uuid]
        return Response(status_code=204)

    @router.patch("/webhook-subscriptions/{sub_id}/shared-key")
    async def rotate_shared_key(sub_id: str) -> JSONResponse:
        return JSONResponse({"shared_key": hub.rotate(subscription(sub_id))})
