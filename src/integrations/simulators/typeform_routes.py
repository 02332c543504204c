"""HTTP routes of the Typeform simulator: the vendor API and its `/_sim/typeform` controls.

Vendor API (Bearer auth on every route):
`GET /forms`, `GET /forms/{form_id}`, `GET /forms/{form_id}/responses`,
`GET /forms/{form_id}/webhooks`, `GET|PUT|DELETE /forms/{form_id}/webhooks/{tag}`.

Control API (no auth): `PUT /_sim/typeform/tokens` (`{token: account_id}`; `{}` accepts any
token again), `POST /_sim/typeform/forms` (`{account_id, title}`: a form for another account),
`POST /_sim/typeform/forms/{form_id}/submit` (`{answers?: {ref or id: value}, hidden?}`),
`GET /_sim/typeform/webhooks` (every webhook of every form, with its enabled state).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Body, Depends, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from integrations.simulators.typeform_errors import install_error_handlers, validation_error
from integrations.simulators.typeform_query import ResponseQuery, list_responses
from integrations.simulators.typeform_webhooks import WebhookBody, check_url

if TYPE_CHECKING:
    from integrations.simulators.typeform import TypeformSimulator

__all__ = ["AddFormRequest", "SubmitRequest", "install_routes"]

MAX_FORMS_PAGE_SIZE = 200


class SubmitRequest(BaseModel):
    """A simulated respondent: answers by field ref or id, hidden field values."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any] = {}
    hidden: dict[str, str] = {}


class AddFormRequest(BaseModel):
    """A new form owned by `account_id`."""

    model_config = ConfigDict(extra="forbid")

    account_id: str
    title: str = "Untitled form"


def _account(request: Request, authorization: Annotated[str | None, Header()] = None) -> str:
    sim: TypeformSimulator = request.app.state.simulator
    return sim.account_for(authorization)


Account = Annotated[str, Depends(_account)]


def _put_webhook(
    sim: TypeformSimulator, form_id: str, tag: str, body: WebhookBody
) -> dict[str, Any]:
    old = sim.webhooks.get(form_id, {}).get(tag, {})
    verify_ssl = body.verify_ssl if body.verify_ssl is not None else old.get("verify_ssl", True)
    url = check_url(body.url if body.url is not None else old.get("url"), verify_ssl)
    now = sim.now()
    hook: dict[str, Any] = {
        "id": old.get("id") or sim.ulid(),
        "form_id": form_id,
        "tag": tag,
        "url": url,
        "enabled": body.enabled if body.enabled is not None else old.get("enabled", False),
        "verify_ssl": verify_ssl,
    }
    secret = body.secret if body.secret is not None else old.get("secret")
    if secret:
        hook["secret"] = secret
    hook["event_types"] = dict(
        body.event_types if body.event_types is not None else old.get("event_types", {})
    ) or {"form_response": True}
    hook["created_at"] = old.get("created_at", now)
    hook["updated_at"] = now
    sim.webhooks.setdefault(form_id, {})[tag] = hook
    return dict(hook)


def install_routes(sim: TypeformSimulator) -> None:
    """Add the vendor and control routes to `sim.app`."""
    app = sim.app
    install_error_handlers(app)

    @app.get("/forms")
    async def list_forms(
        account: Account,
        page: int = 1,
        page_size: int = 10,
        search: str | None = None,
        workspace_id: str | None = None,
        sort_by: str = "created_at",
        order_by: str = "desc",
    ) -> dict[str, Any]:
        if page < 1:
            raise validation_error("page", "page must be 1 or more")
        if not 1 <= page_size <= MAX_FORMS_PAGE_SIZE:
            raise validation_error("page_size", "page_size must be between 1 and 200")
        if sort_by not in {"created_at", "last_updated_at"} or order_by not in {"asc", "desc"}:
            raise validation_error("sort_by", "sort_by/order_by not supported")
        forms = [
            form.summary()
            for form in sim.forms.values()
            if form.account == account
            and (not search or search.lower() in form.title.lower())
            and workspace_id in {None, f"ws_{account}"}
        ]
        forms.sort(key=lambda f: (f[sort_by], f["id"]), reverse=order_by == "desc")
        total = len(forms)
        start = (page - 1) * page_size
        return {
            "total_items": total,
            "page_count": -(-total // page_size),
            "items": forms[start : start + page_size],
        }

    @app.get("/forms/{form_id}")
    async def get_form(form_id: str, account: Account) -> dict[str, Any]:
        return sim.form_for(account, form_id).definition()

    @app.get("/forms/{form_id}/responses")
    async def get_responses(
        form_id: str, account: Account, q: Annotated[ResponseQuery, Query()]
    ) -> dict[str, Any]:
        sim.form_for(account, form_id)
        return list_responses(sim.responses[form_id], q)

    @app.get("/forms/{form_id}/webhooks")
    async def list_webhooks(form_id: str, account: Account) -> dict[str, Any]:
        sim.form_for(account, form_id)
        return {"items": [dict(h) for h in sim.webhooks.get(form_id, {}).values()]}

    @app.get("/forms/{form_id}/webhooks/{tag}")
    async def get_webhook(form_id: str, tag: str, account: Account) -> dict[str, Any]:
        sim.form_for(account, form_id)
        return dict(sim.webhook(form_id, tag))

    @app.put("/forms/{form_id}/webhooks/{tag}")
    async def put_webhook(
        form_id: str, tag: str, account: Account, body: WebhookBody
    ) -> dict[str, Any]:
        sim.form_for(account, form_id)
        return _put_webhook(sim, form_id, tag, body)

    @app.delete("/forms/{form_id}/webhooks/{tag}", status_code=204)
    async def delete_webhook(form_id: str, tag: str, account: Account) -> Response:
        sim.form_for(account, form_id)
        sim.webhook(form_id, tag)
        del sim.webhooks[form_id][tag]
        return Response(status_code=204)

    @app.put("/_sim/typeform/tokens")
    async def set_tokens(tokens: Annotated[dict[str, str], Body()]) -> dict[str, Any]:
        sim.tokens = dict(tokens)
        return {"tokens": len(sim.tokens), "accounts": sorted(set(sim.tokens.values()))}

    @app.post("/_sim/typeform/forms", status_code=201)
    async def add_form(body: AddFormRequest) -> dict[str, Any]:
        form = sim.add_form(body.account_id, body.title)
        return {**form.summary(), "account_id": form.account}

    @app.post("/_sim/typeform/forms/{form_id}/submit")
    async def submit(
        form_id: str, body: Annotated[SubmitRequest | None, Body()] = None
    ) -> dict[str, Any]:
        request = body or SubmitRequest()
        done = await sim.submit(form_id, request.answers, request.hidden)
        deliveries = [{"tag": tag, **d.as_dict()} for tag, d in done.deliveries]
        return {"response": done.response, "deliveries": deliveries}

    @app.get("/_sim/typeform/webhooks")
    async def all_webhooks() -> dict[str, Any]:
        return {"items": [dict(h) for hooks in sim.webhooks.values() for h in hooks.values()]}
