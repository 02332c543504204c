"""Tool declarations: how a connector offers its operations to AI agents.

A connector lists its tools in its `tools.py` as `TOOLS: list[ToolSpec]`, and the registry
names that module. Each tool says what it does in one line, what input it takes (a pydantic
model, so agents get a JSON schema and bad input is refused before any call), and whether it
writes: write tools are marked so an MCP client can ask a human before running them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from integrations.core.client import BaseIntegration

__all__ = ["ToolSpec"]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One operation offered as a tool.

    Args:
        name: unique tool name, `<connector>_<verb>_<noun>`.
        description: one line on what it does (agents read it to choose).
        input_model: the arguments, validated before the call.
        writes: True when it changes something at the vendor.
        run: `await run(client, arguments)` returns JSON-able data or a pydantic model.
        integration: the connector whose client runs it.
    """

    name: str
    description: str
    input_model: type[BaseModel]
    writes: bool
    run: Callable[[BaseIntegration, Any], Awaitable[Any]]
    integration: str
