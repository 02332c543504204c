"""`ToolSpec`: the name the MCP layer has always used for an operation declaration.

Operations are declared once as `integrations.actions.OperationSpec` (input and output
models, read or write, cost); the MCP server offers each as the tool `<connector>_<action>`.
"""

from __future__ import annotations

from integrations.actions.declaration import OperationSpec

__all__ = ["ToolSpec"]

ToolSpec = OperationSpec
