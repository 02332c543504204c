"""`integrations mcp` in a real process: the SDK's stdio client lists and calls its tools."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import mcp
import pytest
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.integrations.mcp.support import MOCK_TOOLS, error_of

pytestmark = pytest.mark.integration

# `exec` keeps the shell's PID, so the PID file names the MCP server process itself.
_LAUNCH = 'echo $$ > "$MCP_TEST_PIDFILE"; exec "$0" mcp'


def _kill(pidfile: Path) -> None:
    """SIGKILL the server by its PID if it is still running (the client normally stopped it)."""
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text().strip())
    with contextlib.suppress(ProcessLookupError, FileNotFoundError):
        if "integrations" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"):
            os.kill(pid, signal.SIGKILL)


@contextlib.asynccontextmanager
async def _spawned(tmp_path: Path, **env: str) -> AsyncIterator[tuple[mcp.Client, Path]]:
    """A client connected to `integrations mcp` on a fresh SQLite database; yields its stderr."""
    pidfile, stderr = tmp_path / "mcp.pid", tmp_path / "mcp.stderr"
    params = StdioServerParameters(
        command="/bin/sh",
        args=["-c", _LAUNCH, str(Path(sys.executable).parent / "integrations")],
        env={
            "INTEGRATIONS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'mcp.db'}",
            "INTEGRATIONS_VAR_DIR": str(tmp_path / "var"),
            "MCP_TEST_PIDFILE": str(pidfile),
            **env,
        },
        cwd=tmp_path,
    )
    try:
        with stderr.open("w") as errlog:
            async with mcp.Client(stdio_client(params, errlog=errlog)) as client:
                yield client, stderr
    finally:
        _kill(pidfile)


async def test_stdio_server_lists_and_calls_tools(tmp_path: Path) -> None:
    """The subprocess migrates its database, lists tools and answers calls; logs go to stderr."""
    async with _spawned(tmp_path) as (client, stderr):
        tools = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("mock_get_item", {"item_id": "1"})

    assert tools >= MOCK_TOOLS
    assert {"pandadoc_create_document", "pandadoc_send_document", "typeform_setup_webhook"} <= tools
    assert error_of(result)["code"] == "integration_disabled"  # a fresh database: all off
    assert (tmp_path / "mcp.db").exists()
    assert "mcp.server_built" in stderr.read_text()


async def test_stdio_server_honours_the_write_guard(tmp_path: Path) -> None:
    """INTEGRATIONS_MCP__ALLOW_WRITES=false makes the served write tools refuse."""
    async with _spawned(tmp_path, INTEGRATIONS_MCP__ALLOW_WRITES="false") as (client, _):
        result = await client.call_tool("mock_create_item", {"name": "x"})

    assert error_of(result)["code"] == "write_not_allowed"
