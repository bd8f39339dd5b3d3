"""Messages for the caller: their window's, their department's and their own."""

from flask.views import MethodView

from api.auth.tokens import current_actor
from api.blueprint import Blueprint
from api.notifications.schemas import NotificationPageSchema
from api.pagination import PageArgsSchema, decode_cursor, page
from workflow.db import Session
from workflow.repositories import notifications

blp = Blueprint(
    "notifications", __name__, url_prefix="/api/v1/notifications", description="Notifications"
)


@blp.route("")
class Notifications(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, NotificationPageSchema)
    def get(self, args):
        """Newest first (cursor pagination)"""
        items = notifications.list_for(
            Session(), current_actor(), before_id=decode_cursor(args["cursor"]), limit=args["limit"]
        )
        return page(items, args["limit"])
