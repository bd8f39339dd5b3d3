"""The HTTP edge: create_app() builds the Flask app; views parse, authorise, call one service,
and serialise."""

import os

from celery import Celery
from flask import Flask
from flask.sessions import SessionInterface
from flask_smorest import Api
from werkzeug.middleware.proxy_fix import ProxyFix

from api.admin import views as admin_views
from api.applications import views as application_views
from api.applications.schemas import ACTION_REQUEST, action_body_spec
from api.auth import views as auth_views
from api.calendar import views as calendar_views
from api.catalogue import views as catalogue_views
from api.commands import register_commands
from api.cors import register_cors
from api.docs_assets import blp as docs_assets_blp
from api.documents import views as document_views
from api.edge_input import register_edge_input
from api.errors import register_error_handlers
from api.health import blp as health_blp
from api.identity_claims import views as identity_claim_views
from api.notifications import views as notification_views
from api.personal_data import views as personal_data_views
from api.progress import views as progress_views
from api.security_headers import register_security_headers
from api.text_guard import register_text_guard
from api.throttling import init_throttling
from api.users import views as user_views
from api.windows import views as window_views
from config import PRIVATE_UMASK, Config, get_config
from config.celery import celery_settings
from workflow import db, personal_data
from workflow.outbox_notes import notes
from workflow.publisher import bind_publisher, publisher_for
from workflow.services.phone_confirmation import configure_phone_codes
from workflow.services.sessions import configure_sessions

__all__ = ["create_app"]


class NoCookieSession(SessionInterface):
    """Callers authenticate with a bearer token and no view uses `flask.session`: Flask's cookie
    session would otherwise build a signing serializer and read the cookie on every request."""

    def open_session(self, app, request):
        return None  # Flask then gives the request a NullSession, which refuses writes

    def save_session(self, app, session, response) -> None:
        pass


def create_app(settings: Config | None = None) -> Flask:
    # The API, the worker, beat and the flask commands all start here.
    os.umask(PRIVATE_UMASK)
    settings = settings or get_config()
    app = Flask("yanhu")
    app.config.from_object(settings)
    app.config["SETTINGS"] = settings
    app.json.ensure_ascii = False
    app.session_interface = NoCookieSession()

    db.bind(settings.DATABASE_URL)
    personal_data.use_settings(settings)
    configure_sessions(settings)
    configure_phone_codes(settings)
    app.teardown_appcontext(lambda _exc: db.Session.remove())

    if not settings.API_DOCS_ENABLED:
        app.config["OPENAPI_URL_PREFIX"] = None  # flask-smorest then serves no /openapi.json
    api = Api(app, spec_kwargs={"info": {"description": "Yanhu District talent-incentive service"}})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    api.spec.options["security"] = [{"bearerAuth": []}]
    api.spec.components.schema(ACTION_REQUEST, action_body_spec())
    for blueprint in (
        auth_views.blp,
        catalogue_views.blp,
        calendar_views.blp,
        application_views.blp,
        document_views.blp,
        notification_views.blp,
        admin_views.blp,
        progress_views.blp,
        personal_data_views.blp,
        window_views.blp,
        user_views.blp,
        identity_claim_views.blp,
    ):
        api.register_blueprint(blueprint)
    app.register_blueprint(health_blp)
    if settings.API_DOCS_ENABLED:
        app.register_blueprint(docs_assets_blp)
    register_error_handlers(app)
    register_edge_input(app)  # before the text guard, which reads the decoded body
    register_text_guard(app)
    register_commands(app)
    register_security_headers(app)
    register_cors(app)
    init_throttling(app)
    if settings.TRUSTED_PROXIES:
        # The client's address is the one the proxies in front add to X-Forwarded-For, so the
        # per-address limits count clients, not the proxy; without proxies the header is ignored
        # (anyone could write it).
        hops = settings.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    # The API publishes by task name only; it never imports the worker's task code.
    celery_client = Celery("yanhu-api", set_as_current=False)
    celery_client.config_from_object(celery_settings(settings))
    app.extensions["celery"] = celery_client
    bind_background_work(app)
    return app


def bind_background_work(app: Flask) -> None:
    """Point this process's outbox publisher and its consumers' notes at the app's broker."""
    settings = app.config["SETTINGS"]
    bind_publisher(publisher_for(app.extensions["celery"]), settings.PUBLISH_BREAKER_SECONDS)
    # Consumers note the rows they processed in the broker's Redis: under load most messages
    # are duplicates of work done, answered there instead of by the database.
    notes.bind(
        settings.CELERY_BROKER_URL,
        settings.OUTBOX_GRACE_SECONDS,
        settings.BROKER_TIMEOUT_SECONDS,
        settings.PUBLISH_BREAKER_SECONDS,
    )
