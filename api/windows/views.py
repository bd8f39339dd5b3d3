"""A window's own system, told of its cases by signed webhook POSTs (set by admins)."""

from flask.views import MethodView

from api.auth.tokens import current_actor
from api.blueprint import Blueprint
from api.windows.schemas import WebhookSchema, WebhookSetSchema
from workflow.services.notifications import set_window_webhook

blp = Blueprint(
    "windows", __name__, url_prefix="/api/v1/windows", description="Window settings (admin)"
)


@blp.route("/<string:code>/webhook")
class WindowWebhook(MethodView):
    @blp.arguments(WebhookSetSchema)
    @blp.response(200, WebhookSchema)
    def put(self, args, code):
        """Set or remove a window's webhook (admin)

        Every notice the window gets by webhook is POSTed to `url`, signed with `secret`
        (never shown again). `{"url": null}` removes the webhook and its secret. The change is
        recorded.
        """
        return set_window_webhook(current_actor(), code, args["url"], args["secret"])
