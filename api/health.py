"""/healthz: the process is up. /readyz: the database and the broker answer."""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from workflow.db import Session

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz():
    checks = {"database": _check_database(), "broker": _check_broker()}
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503


def _check_database() -> str:
    try:
        Session().execute(text("SELECT 1"))
        Session.rollback()
        return "ok"
    except Exception as error:
        return f"unavailable ({type(error).__name__})"


def _check_broker() -> str:
    timeout = current_app.config["BROKER_TIMEOUT_SECONDS"]
    try:
        with current_app.extensions["celery"].connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        return "ok"
    except Exception as error:
        return f"unavailable ({type(error).__name__})"
