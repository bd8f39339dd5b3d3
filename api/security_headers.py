"""Security headers on every response, errors and /docs included (config/response_headers.py),
no caching of anything under /api/, and the one page that renders, /docs, limited to its own
files: scripts only from this server (no inline script; api/docs_assets.py serves its start-up
code as a file)."""

from flask import Flask, Response, request

from config.response_headers import NO_STORE, SECURITY_HEADERS

# Swagger UI sets style attributes from its bundle and draws icons as data: SVGs in its CSS;
# styles cannot run code, scripts stay 'self' only. It fetches the document and, for "Try it
# out", the API itself from this origin.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _add_security_headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        if request.endpoint == "docs_assets.docs_page":
            response.headers["Content-Security-Policy"] = DOCS_POLICY
        elif request.path.startswith("/api/"):
            response.headers.update(NO_STORE)
        return response
