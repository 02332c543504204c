"""Running one declared operation: validate, get the client, run (or dry-run), serialise.

REST, the CLI and MCP all call `run_action`, so an operation behaves the same everywhere:
the same validation errors (each field named), the same errors from the vendor (our error
tree), and the same JSON answer. A dry run of a write answers
`{"dry_run": true, "sent": false, "request": {method, url, headers, json}}`, secrets masked
(see `integrations.core.dry_run`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from integrations.actions.declaration import ActionContext, OperationSpec
from integrations.core.dry_run import DryRunCaptured, dry_run
from integrations.errors import IntegrationError
from integrations.factory import IntegrationFactory

__all__ = ["ActionInputError", "field_errors", "parse_input", "run_action", "to_json"]


class ActionInputError(IntegrationError):
    """The arguments do not match the operation's input model; `errors` names each field."""

    http_status = 422
    code = "validation_error"

    def __init__(self, message: str, *, errors: list[dict[str, str]], **kw: Any) -> None:
        super().__init__(message, **kw)
        self.errors = errors

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["errors"] = self.errors
        return body


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Field, reason and type of each problem; never the rejected value (the caller's data)."""
    return [
        {
            "field": ".".join(str(p) for p in err["loc"]) or "(arguments)",
            "reason": str(err["msg"]),
            "type": err["type"],
        }
        for err in exc.errors(include_input=False, include_url=False)
    ]


def parse_input(spec: OperationSpec, arguments: Mapping[str, Any] | None) -> BaseModel:
    """`arguments` validated by the operation's input model.

    Raises:
        ActionInputError: naming every invalid, missing or unknown field at once.
    """
    try:
        parsed: BaseModel = spec.input_model.model_validate(dict(arguments or {}))
    except ValidationError as exc:
        errors = field_errors(exc)
        names = ", ".join(dict.fromkeys(e["field"] for e in errors))
        raise ActionInputError(
            f"invalid arguments for {spec.integration} {spec.action}: {names}",
            errors=errors,
            integration=spec.integration,
        ) from None
    return parsed


@functools.lru_cache(maxsize=256)
def _adapter(output_model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(output_model)


def to_json(spec: OperationSpec, value: Any) -> Any:
    """`value` as JSON data, serialised as the declared output model says."""
    return _adapter(spec.output_model).dump_python(value, mode="json", warnings=False)


async def run_action(
    spec: OperationSpec,
    factory: IntegrationFactory,
    arguments: Mapping[str, Any] | None,
    *,
    dry_run_write: bool = False,
) -> Any:
    """Run `spec` with `arguments` through `factory`'s client; JSON data back.

    Args:
        dry_run_write: for a write, build and show the request instead of sending it (reads
            the operation needs first still go out). Ignored for a read.

    Raises:
        ActionInputError: invalid arguments (nothing was called).
        IntegrationError: the integration is disabled, or the vendor call failed.
    """
    parsed = parse_input(spec, arguments)
    client = await factory.get(spec.integration)
    context = ActionContext(client, factory.services)
    if not (dry_run_write and spec.writes):
        return to_json(spec, await spec.run(context, parsed))
    with dry_run():
        try:
            value = await spec.run(context, parsed)
        except DryRunCaptured as captured:
            return {"dry_run": True, "sent": False, "request": captured.request}
    # The operation ended without a write (nothing to change): its answer is real.
    return {"dry_run": True, "sent": False, "request": None, "result": to_json(spec, value)}
