"""What operators and the talent office look after: cases whose automatic step kept failing,
alerts about the system itself, the rectifications owed after bad ratings; and what admins say
to the windows and how: broadcasts, the notification rules and the words of the notices."""

from flask.views import MethodView

from api.admin.schemas import (
    AlertPageSchema,
    BroadcastCreateSchema,
    BroadcastSchema,
    MessageTemplateEditSchema,
    MessageTemplateSchema,
    NotificationRuleCreateSchema,
    NotificationRuleSchema,
    NotificationRuleUpdateSchema,
    RectificationPageSchema,
    StuckCasePageSchema,
    TemplatePreviewArgsSchema,
    TemplatePreviewSchema,
)
from api.auth.tokens import current_actor
from api.blueprint import Blueprint
from api.pagination import MAX_ID, PageArgsSchema, decode_cursor, page
from workflow.db import Session
from workflow.errors import Forbidden
from workflow.lifecycle import Role
from workflow.repositories import applications, oversight
from workflow.services import notification_admin
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


@blp.route("/broadcasts")
class Broadcasts(MethodView):
    @blp.arguments(BroadcastCreateSchema)
    @blp.response(202, BroadcastSchema)
    def post(self, args):
        """Send a message to every window (admin)

        Each window gets it by its rules for `broadcast` (inbox, clerks' email, webhook), in the
        background: 202 once it is queued. English falls back to the Chinese. Recorded.
        """
        kind = args.pop("kind")
        return notification_admin.send_broadcast(current_actor(), kind, args)


@blp.route("/notification-rules")
class NotificationRules(MethodView):
    @blp.response(200, NotificationRuleSchema(many=True))
    def get(self):
        """The rule table: who is told of which notice on which channel (admin)"""
        return notification_admin.list_rules(current_actor())

    @blp.arguments(NotificationRuleCreateSchema)
    @blp.response(201, NotificationRuleSchema)
    def post(self, args):
        """Add a rule (admin)

        The recipient must be one the notice goes to, and only a window has a webhook (422
        naming the field); a rule for the same kind, recipient and channel is 409. Recorded.
        """
        return notification_admin.add_rule(current_actor(), **args)


@blp.route(f"/notification-rules/<int(max={MAX_ID}):rule_id>")
class NotificationRuleItem(MethodView):
    @blp.arguments(NotificationRuleUpdateSchema)
    @blp.response(200, NotificationRuleSchema)
    def patch(self, args, rule_id):
        """Switch a rule on or off (admin). Recorded."""
        return notification_admin.set_rule_active(current_actor(), rule_id, args["active"])


@blp.route("/templates/<string:code>")
class MessageTemplates(MethodView):
    @blp.response(200, MessageTemplateSchema(many=True))
    def get(self, code):
        """A notice's words in use: the newest version in each language (admin)"""
        return notification_admin.newest_templates(current_actor(), code)

    @blp.arguments(MessageTemplateEditSchema)
    @blp.response(201, MessageTemplateSchema)
    def put(self, args, code):
        """New words for a notice in one language (admin)

        Saved as a new version (the newest + 1), used from the next message on; older versions
        are kept. A template that does not parse, names an unknown placeholder, or (for a
        notice about a case) does not name `{{ reference }}` is 422 naming subject or text.
        Recorded.
        """
        return notification_admin.edit_template(current_actor(), code, **args)
