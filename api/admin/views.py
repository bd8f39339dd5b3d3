"""What operators and the talent office look after: cases whose automatic step kept failing,
alerts about the system itself, the rectifications owed after bad ratings, and the words of
the notices (previewed)."""

from flask.views import MethodView

from api.admin.schemas import (
    AlertPageSchema,
    RectificationPageSchema,
    StuckCasePageSchema,
    TemplatePreviewArgsSchema,
    TemplatePreviewSchema,
)
from api.auth.tokens import current_actor
from api.blueprint import Blueprint
from api.pagination import PageArgsSchema, decode_cursor, page
from workflow.db import Session
from workflow.errors import Forbidden
from workflow.lifecycle import Role
from workflow.repositories import applications, oversight
from workflow.services.notifications import preview_template

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Administration")


@blp.route("/stuck-cases")
class StuckCases(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, StuckCasePageSchema)
    def get(self, args):
        """Cases parked after their automatic step kept failing (needs_attention), newest first

        Each shows the error class and the attempts; the `retry` action (with If-Match) sends
        the case through its automatic step again.
        """
        if current_actor().role != Role.ADMIN:
            raise Forbidden("Only admins see stuck cases.")
        items = applications.list_stuck(
            Session(), before_id=decode_cursor(args["cursor"]), limit=args["limit"]
        )
        return page(items, args["limit"])


@blp.route("/alerts")
class Alerts(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, AlertPageSchema)
    def get(self, args):
        """Alerts raised once each (a calendar year deadlines run into is missing), newest first"""
        if current_actor().role != Role.ADMIN:
            raise Forbidden("Only admins see alerts.")
        items = oversight.list_alerts(
            Session(), before_id=decode_cursor(args["cursor"]), limit=args["limit"]
        )
        return page(items, args["limit"])


@blp.route("/rectifications")
class Rectifications(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, RectificationPageSchema)
    def get(self, args):
        """Rectifications (整改) owed after a rating of 1 or 2, newest first

        A window clerk sees their window's; the talent office and admins see all.
        """
        items = oversight.list_rectifications(
            Session(), current_actor(), before_id=decode_cursor(args["cursor"]), limit=args["limit"]
        )
        return page(items, args["limit"])


@blp.route("/templates/<string:code>/preview")
class TemplatePreview(MethodView):
    @blp.arguments(TemplatePreviewArgsSchema)
    @blp.response(200, TemplatePreviewSchema)
    def post(self, args, code):
        """A notice's newest words rendered with sample values (admin)

        `values` replaces some of the samples; every key must be a placeholder messages carry.
        """
        return preview_template(current_actor(), code, args["language"], args["values"])
