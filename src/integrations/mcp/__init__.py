"""MCP server: connector operations as tools for AI agents."""

from integrations.mcp.tools import ToolSpec

__all__ = ["ToolSpec"]
