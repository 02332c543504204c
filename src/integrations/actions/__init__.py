"""Connector operations declared once, offered through REST, the CLI and MCP."""

from integrations.actions.declaration import ID_PATTERN, ActionContext, OperationSpec

__all__ = ["ID_PATTERN", "ActionContext", "OperationSpec"]
