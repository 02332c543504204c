"""The admin dashboard: the React build in `dashboard_dist/`, served at `/`.

`dashboard/` (React, TypeScript, Vite) builds into `src/integrations/api/dashboard_dist/`,
which git ignores and the wheel carries as package data. The server serves:

- `/`: `index.html`, `Cache-Control: no-cache` so a new build shows on the next load, with a
  Content-Security-Policy that allows this origin only: the dashboard loads nothing from
  elsewhere, and no other site may frame it (the page holds an admin token).
- `/assets/<file>`: the build's assets. Vite names them by their content hash, so a name
  never changes content and browsers may keep them a year (`immutable`).
- `/dashboard` and `/admin` redirect to `/` (the app routes by URL fragment, `/#/health`).

The build is looked up on each request, not when the app starts: building while the server
runs needs no restart. Without a build, `/` answers 503 with a page that says how to make
one: 503 rather than 200 because the dashboard is not being served, and a probe or test
that loads `/` should see that instead of a page that looks fine.
"""

from __future__ import annotations

import contextlib
import html
import os
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

__all__ = ["CONTENT_SECURITY_POLICY", "DASHBOARD_DIST", "HashedAssets", "install_dashboard"]

DASHBOARD_DIST = Path(__file__).resolve().parent / "dashboard_dist"
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # React and the chart library set style attributes; no stylesheet comes from elsewhere.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
_INDEX_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_HASHED_ASSET_CACHE = "public, max-age=31536000, immutable"
_BUILD_COMMAND = "cd dashboard && npm ci && npm run build"


class HashedAssets(StaticFiles):
    """The build's `assets/` folder, cached for a year; a missing folder is a 404 per file."""

    async def check_config(self) -> None:
        # Starlette raises (a 500 for every asset) when the folder is missing or no folder;
        # before a build it is missing, each asset is a 404, and `/` says how to build.
        with contextlib.suppress(RuntimeError):
            await super().check_config()

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = _HASHED_ASSET_CACHE
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def install_dashboard(app: FastAPI, dist: Path = DASHBOARD_DIST) -> None:
    """Serve the dashboard build in `dist` on `app`: `/`, `/assets/*` and the redirects.

    Args:
        dist: the folder `vite build` writes (`index.html` and `assets/`); tests pass their own.
    """

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def dashboard_index() -> Response:  # sync: FastAPI runs it off the event loop (stat)
        index = dist / "index.html"
        if index.is_file():
            return FileResponse(index, media_type="text/html", headers=_INDEX_HEADERS)
        return HTMLResponse(_not_built_page(dist), status_code=503, headers=_INDEX_HEADERS)

    for old_path in ("/dashboard", "/admin"):
        app.add_api_route(
            old_path,
            _redirect_to_dashboard,
            methods=["GET", "HEAD"],
            include_in_schema=False,
            name=f"redirect{old_path.replace('/', '_')}",
        )
    app.mount("/assets", HashedAssets(directory=dist / "assets", check_dir=False), name="assets")


async def _redirect_to_dashboard() -> RedirectResponse:
    # 307, not 308: a browser keeps a permanent redirect for good, and these paths may be
    # given a page of their own later.
    return RedirectResponse("/", status_code=307)


def _not_built_page(dist: Path) -> str:
    folder = html.escape(str(dist))
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>integrations: dashboard not built</title></head>
<body>
<main>
<h1>The dashboard has not been built</h1>
<p>This server serves the admin dashboard from <code>{folder}</code>, which has no
<code>index.html</code>. Build it from the project's checkout (Node.js 20 or newer and npm):</p>
<pre><code>{html.escape(_BUILD_COMMAND)}</code></pre>
<p>or run <code>scripts/serve</code> (or <code>scripts/test</code>), which builds it when npm is
installed. Then reload this page: no restart is needed.</p>
<p>The API works without it: <a href="/docs">/docs</a> (when enabled),
<a href="/healthz">/healthz</a>.</p>
</main>
</body>
</html>
"""
