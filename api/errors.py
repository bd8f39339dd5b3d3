"""The one error envelope, {code, status, message, errors}, for every failure.

flask-smorest already renders HTTP errors (and webargs' 400/422) this way; domain errors and
anything unexpected are mapped here, so no view ever builds an error body by hand.
"""

import logging
import traceback
from http import HTTPStatus

from flask import Flask, jsonify
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from workflow.errors import DomainError, Unauthorised

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1


def envelope(code: int, message: str, errors: dict | None = None):
    body = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        response = envelope(error.status_code, error.message, error.errors)
        if isinstance(error, Unauthorised):
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if not messages:
            return envelope(error.code or 500, error.description or HTTPStatus(error.code).phrase)
        # webargs nests errors under the request location ({"json": {...}}); callers want the
        # field paths themselves, the same shape the domain errors have.
        errors: dict = {}
        for location, fields in messages.items():
            errors.update(fields if isinstance(fields, dict) else {f"_{location}": fields})
        message = data.get("message") or (
            "The request could not be read." if error.code == 400 else "Some fields are invalid."
        )
        return envelope(error.code, message, errors)

    @app.errorhandler(OperationalError)
    def _database_unavailable(error: OperationalError):
        # A dropped connection or a database restarting: the transaction was rolled back, so
        # nothing is half-written and the same request may simply be sent again.
        log.warning("database unavailable: %s", type(error.orig).__name__)
        response = envelope(503, "The database is unavailable for a moment; please try again.")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        # The type and the stack only: the message of a driver error can carry personal data.
        stack = "".join(traceback.format_tb(error.__traceback__))
        log.error("unhandled %s\n%s", type(error).__name__, stack)
        return envelope(500, InternalServerError.description)
