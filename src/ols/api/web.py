"""The web chat: static files from `web/` (package data), served by the API app.

No build step and no third-party host: the page, its scripts and its styles are the files in
`web/`, each served with a Content-Security-Policy that allows only this origin and no inline
script or style. Only the files that exist when the app starts are served (a fixed table, so
no path from a request ever reaches the file system). The page talks to the same HTTP API as
any other client, with the user's bearer token.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import Response

WEB_DIR = Path(__file__).parent / "web"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # Small files, changed with each release: always revalidate rather than guess an age.
    "Cache-Control": "no-cache",
}
_MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}


def _assets() -> dict[str, tuple[bytes, str]]:
    """Every servable file in `web/` by name: its bytes and media type."""
    return {
        path.name: (path.read_bytes(), _MEDIA_TYPES[path.suffix])
        for path in sorted(WEB_DIR.iterdir())
        if path.is_file() and path.suffix in _MEDIA_TYPES
    }


def add_web_routes(app: FastAPI) -> None:
    """Serve the chat page at `/` and its files at `/web/<name>`, outside the OpenAPI schema."""
    assets = _assets()
    page, page_type = assets["index.html"]

    @app.get("/", include_in_schema=False)
    async def chat_page() -> Response:
        return Response(page, media_type=page_type, headers=SECURITY_HEADERS)

    @app.get("/web/{name}", include_in_schema=False)
    async def chat_asset(name: str) -> Response:
        found = assets.get(name)
        if found is None:
            raise HTTPException(404, "Not Found")
        content, media_type = found
        return Response(content, media_type=media_type, headers=SECURITY_HEADERS)
