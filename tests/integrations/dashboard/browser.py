"""Debian's Chromium driven by Playwright, and what the browser tests need before they start.

No test tool downloads a browser here: Playwright launches `/usr/bin/chromium` (`apt install
chromium`). Missing it or the dashboard's build, the tests skip with the reason, or fail
under INTEGRATIONS_REQUIRE_SERVICES=1 (CI), like the PostgreSQL tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright

from integrations.api.dashboard import DASHBOARD_DIST

__all__ = ["CHROMIUM", "TOKEN_KEY", "launch", "require_browser_and_build"]

CHROMIUM = Path("/usr/bin/chromium")
TOKEN_KEY = "integrations.adminToken"  # the dashboard's sessionStorage key
# As root Chromium needs --no-sandbox (Playwright adds it); the rest keep it off the network
# this machine does not have (each would be a refused connection at start-up).
_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-gpu",
    "--no-first-run",
]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found: install Debian's Chromium (apt install chromium)"
    if not (DASHBOARD_DIST / "index.html").is_file():
        return (
            f"the dashboard is not built ({DASHBOARD_DIST}): "
            "cd dashboard && npm ci && npm run build, or scripts/test"
        )
    return None


def require_browser_and_build() -> None:
    """Skip (fail under INTEGRATIONS_REQUIRE_SERVICES=1) without Chromium or the build."""
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("INTEGRATIONS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and INTEGRATIONS_REQUIRE_SERVICES=1")
    pytest.skip(reason)


def launch(playwright: Playwright) -> Browser:
    """Headless Debian Chromium."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=_ARGS)
