"""Malformed input stops at the edge with a 4xx in the envelope, before any view or parser sees it.

Once per request: header values must be ASCII; a body sent to an endpoint that reads JSON must
be JSON (415 otherwise); a JSON body must nest no deeper than JSON_MAX_DEPTH (Python's decoder
would recurse until RecursionError) and must decode (a number past Python's digit limit raises
ValueError). Flask caches the decoded body, so the text guard and the view's parser reuse it.
"""

import json
import re

from flask import Flask, Request, current_app, request
from flask_smorest import abort

# A bracket, or a whole string (whose brackets do not count).
_TOKEN = re.compile(rb'[\[\]{}]|"(?:[^"\\]|\\.)*"', re.DOTALL)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_ONLY = "Send the body as application/json."


class EdgeRequest(Request):
    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:
            return super().on_json_loading_failed(e)
        if isinstance(e, json.JSONDecodeError | UnicodeDecodeError):
            reason = "Not valid JSON (UTF-8)."
        else:  # int() refused a number longer than sys.get_int_max_str_digits()
            reason = "A number has too many digits."
        abort(400, messages={"body": [reason]})


def nesting_depth_exceeds(data: bytes, limit: int) -> bool:
    """Whether arrays and objects in `data` nest deeper than `limit`, counted without decoding."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # the usual body: too few brackets to nest that deep, found at C speed
    depth = 0
    for token in _TOKEN.finditer(data):
        char = token.group()
        if char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


def _first_non_ascii_header(environ: dict) -> str | None:
    for key, value in environ.items():
        if key.startswith(("HTTP_", "CONTENT_")) and not value.isascii():
            return key.removeprefix("HTTP_").replace("_", "-").title()
    return None


def _reads_json(app: Flask, endpoint: str | None, method: str) -> bool:
    """Whether the view's flask-smorest arguments come from the JSON body (looked up once)."""
    known = app.extensions["json_views"]
    if (endpoint, method) not in known:
        view_class = getattr(app.view_functions.get(endpoint), "view_class", None)
        handler = getattr(view_class, method.lower(), None)
        parameters = getattr(handler, "_apidoc", {}).get("arguments", {}).get("parameters", [])
        known[endpoint, method] = any(p.get("in") == "json" for p in parameters)
    return known[endpoint, method]


def _has_body() -> bool:
    return bool(request.content_length or request.headers.get("Transfer-Encoding"))


def register_edge_input(app: Flask) -> None:
    app.request_class = EdgeRequest
    app.extensions["json_views"] = {}

    @app.before_request
    def _refuse_unreadable_input():
        header = _first_non_ascii_header(request.environ)
        if header:
            abort(400, messages={"headers": {header: ["Only ASCII characters are allowed."]}})
        if not request.is_json:
            if request.method in _BODY_METHODS and _has_body():
                if _reads_json(current_app, request.endpoint, request.method):
                    abort(415, message=JSON_ONLY, messages={"body": [JSON_ONLY]})
            return
        data = request.get_data(cache=True)
        if not data:
            return
        limit = current_app.config["JSON_MAX_DEPTH"]
        if nesting_depth_exceeds(data, limit):
            abort(400, messages={"body": [f"Nested deeper than {limit} levels."]})
        request.get_json()  # decodes once and caches, or answers 400 (EdgeRequest)
