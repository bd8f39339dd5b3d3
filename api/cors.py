"""Cross-origin access: closed unless CORS_ORIGINS names the origin (exactly, scheme and port
included). A browser page elsewhere then gets no Access-Control-Allow-Origin and cannot read a
response, so a stolen-session page cannot scrape someone's cases."""

from flask import Flask, Response, request

ALLOWED_HEADERS = "Authorization, Content-Type, If-Match, Idempotency-Key"
EXPOSED_HEADERS = "ETag, Retry-After, Idempotent-Replayed"
PREFLIGHT_MAX_AGE = "600"


def register_cors(app: Flask) -> None:
    origins = frozenset(app.config["CORS_ORIGINS"])
    if not origins:
        return

    @app.after_request
    def _allow_listed_origin(response: Response) -> Response:
        response.vary.add("Origin")  # a cache must not serve one origin's answer to another
        origin = request.headers.get("Origin")
        if origin not in origins:
            return response
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response.headers["Access-Control-Allow-Methods"] = response.headers.get("Allow", "")
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        return response
