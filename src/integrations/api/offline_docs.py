"""`/docs` (Swagger UI) and `/redoc` with every asset served by this server, none from a CDN.

FastAPI's own pages load Swagger UI, ReDoc, a favicon and Google Fonts from public CDNs, so on a
machine without internet `/docs` stayed blank. The same pages are built here with FastAPI's
`get_swagger_ui_html` / `get_redoc_html`, pointed at the copies the `fastapi-offline` package
ships (Swagger UI 5, ReDoc 2 and FastAPI's favicon, kept current by its maintainer) and served
under `/docs/assets/`. Swagger UI's validator badge is turned off: it would send the whole
document to validator.swagger.io. ReDoc still asks for its vendor's logo from a CDN, so the
pages carry a Content-Security-Policy allowing this origin only: the browser sends that
request nowhere, and ReDoc hides the image it could not load. (Both pages start from an
inline script, hence `'unsafe-inline'`; nothing on them comes from a user.)
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

__all__ = [
    "DOCS_ASSETS_PATH",
    "DOCS_CONTENT_SECURITY_POLICY",
    "DOCS_URL",
    "OAUTH2_REDIRECT_URL",
    "REDOC_URL",
    "install_docs",
]

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
DOCS_ASSETS_PATH = "/docs/assets"
# The package and folder whose files are served at DOCS_ASSETS_PATH.
_ASSETS_PACKAGE = ("fastapi_offline", "static")
DOCS_CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "worker-src 'self' blob:",  # ReDoc's search runs in a worker made from a blob
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    )
)


def _same_origin_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
    return page


def install_docs(app: FastAPI, openapi_url: str) -> None:
    """Serve Swagger UI at `/docs` and ReDoc at `/redoc` for the document at `openapi_url`.

    `app` must be built with `docs_url=None, redoc_url=None` (FastAPI's CDN pages off).
    """
    title = app.title

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - Swagger UI",
            oauth2_redirect_url=OAUTH2_REDIRECT_URL,
            swagger_js_url=f"{DOCS_ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_PATH}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )
        return _same_origin_only(page)

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    async def swagger_ui_oauth2_redirect() -> HTMLResponse:
        return _same_origin_only(get_swagger_ui_oauth2_redirect_html())

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{DOCS_ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
        return _same_origin_only(page)

    app.mount(DOCS_ASSETS_PATH, StaticFiles(packages=[_ASSETS_PACKAGE]), name="docs-assets")
