"""`OperationSpec`: one operation of a connector, declared once.

A connector lists its operations in its `tools` module (named by the registry) as
`TOOLS: list[OperationSpec]`. Everything that offers operations reads that one list: the REST
actions (`/api/v1/integrations/{name}/actions`), the CLI (`integrations call`), the MCP tools
(`integrations mcp`, `/mcp`) and the per-operation costs of the call metrics. Nothing about an
operation is written twice:

- `input_model` (pydantic) is the JSON schema every surface publishes, and it validates every
  call before anything is sent; id inputs carry a pattern (`ID_PATTERN`).
- `output_model` is the JSON schema of the answer (any type pydantic can describe).
- `writes` marks operations that change data at the vendor: MCP refuses them until allowed
  in configuration, and every surface can dry-run them.
- `cost` is what one call costs (any unit, e.g. USD); 0 for most vendors.
- `example` is a valid input, shown in listings and used by the tests that call every
  operation through every surface.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from integrations.core.client import BaseIntegration
from integrations.errors import ConfigError

if TYPE_CHECKING:
    from integrations.services import Services

__all__ = ["ID_PATTERN", "ActionContext", "OperationSpec", "Runner"]

# Vendor ids are letters, digits and `-_.`; a pattern keeps `../`, spaces and query
# characters out of URL paths before anything is built.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$"

C = TypeVar("C", bound=BaseIntegration)


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What an operation runs with: its connector's client and the process's services."""

    client: BaseIntegration
    services: Services | None = None

    def client_as(self, cls: type[C]) -> C:
        """The client as the connector's own class (ConfigError if it is another)."""
        if not isinstance(self.client, cls):
            raise ConfigError(
                f"this operation needs {cls.__module__}, not the {self.client.name} client"
            )
        return self.client

    def require_services(self) -> Services:
        """The services (database, secret box); ConfigError when run without them."""
        if self.services is None:
            raise ConfigError("this operation needs the database (run it through a factory)")
        return self.services


Runner = Callable[[ActionContext, Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class OperationSpec:
    """One operation, offered as a REST action, a CLI verb and an MCP tool.

    Args:
        integration: the connector whose client runs it.
        action: the operation's name, `verb_noun` (`create_document`).
        description: one line on what it does (agents read it to choose).
        input_model: the arguments, validated before the call.
        output_model: the type of the answer (a pydantic model, `list[...]`, `dict[...]`).
        writes: True when it changes something at the vendor.
        run: `await run(context, arguments)` returns data of `output_model`.
        cost: what one call costs, in the unit of `ProviderSpec.operation_costs`.
        operation: the pipeline operation the cost is booked on (default: `action`).
        example: a valid input (listings, docs, tests).
        results: for a bulk operation, the output field holding one result per item: the
            CLI shows a progress bar while it runs (`actions.progress`) and a summary after.
    """

    integration: str
    action: str
    description: str
    input_model: type[Any]
    output_model: Any
    writes: bool
    run: Runner
    cost: float = 0.0
    operation: str = ""
    example: Mapping[str, Any] = field(default_factory=dict)
    results: str = ""

    @property
    def name(self) -> str:
        """The MCP tool name: `<connector>_<action>`."""
        return f"{self.integration}_{self.action}"

    @property
    def booked_operation(self) -> str:
        """The pipeline operation whose calls carry this operation's cost."""
        return self.operation or self.action
