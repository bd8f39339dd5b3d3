"""gunicorn's settings for the API (`gunicorn --config config/gunicorn.py ... api.wsgi:app`).

gunicorn answers a request it cannot parse (a bad request line, a URI or headers too long, too
many headers) itself, before the app sees it, with a small HTML page. Each worker here writes
those answers in the one error envelope instead, with the same status, the security headers,
and a fixed message: gunicorn's own text quotes the request, which may carry personal data.
"""

import json
from http import HTTPStatus

from gunicorn import util

from config.response_headers import NO_STORE, SECURITY_HEADERS

MESSAGES = {
    400: "The request line or a header is malformed.",
    403: "The request is not allowed.",
    414: "The address is too long.",
    417: "The expectation cannot be met.",
    431: "The request headers are too large or too many.",
    501: "That transfer coding is not supported.",
}


def write_envelope(sock, status_int: int, reason: str, mesg: str) -> None:
    """Replaces gunicorn.util.write_error: same arguments, same write, a JSON body."""
    status = HTTPStatus(status_int)
    message = MESSAGES.get(status_int, "The server encountered an internal error.")
    body = json.dumps({"code": status_int, "status": status.phrase, "message": message})
    headers = {
        "Connection": "close",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        **SECURITY_HEADERS,
        **NO_STORE,
    }
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    response = f"HTTP/1.1 {status_int} {status.phrase}\r\n{head}\r\n{body}"
    util.write_nonblock(sock, response.encode("ascii"))


def post_worker_init(worker) -> None:
    # The worker's handle_error keeps choosing the status and logging; only the body changes.
    util.write_error = write_envelope
