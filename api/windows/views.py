"""A window's own system, told of its cases by signed webhook POSTs (set by admins), and the
tasks a failed message leaves the window (call the applicant an SMS did not reach)."""

from flask.views import MethodView

from api.auth.tokens import current_actor
from api.blueprint import Blueprint
from api.pagination import MAX_ID, decode_cursor, page
from api.windows.schemas import (
    WebhookSchema,
    WebhookSetSchema,
    WindowTaskPageSchema,
    WindowTaskQueryArgsSchema,
    WindowTaskSchema,
)
from workflow.services.notifications import (
    complete_window_task,
    list_window_tasks,
    set_window_webhook,
)

blp = Blueprint(
    "windows",
    __name__,
    url_prefix="/api/v1/windows",
    description="Windows: webhook (admin) and tasks",
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


@blp.route("/<string:code>/tasks")
class WindowTasks(MethodView):
    @blp.arguments(WindowTaskQueryArgsSchema, location="query")
    @blp.response(200, WindowTaskPageSchema)
    def get(self, args, code):
        """A window's tasks, newest first (cursor pagination); `open=false` includes those done

        For the window's clerks, the talent office and admins; another window's is 404.
        """
        items = list_window_tasks(
            current_actor(),
            code,
            open_only=args["open"],
            before_id=decode_cursor(args["cursor"]),
            limit=args["limit"],
        )
        return page(items, args["limit"])


@blp.route(f"/<string:code>/tasks/<int(max={MAX_ID}):task_id>/done")
class WindowTaskDone(MethodView):
    @blp.response(200, WindowTaskSchema)
    def post(self, code, task_id):
        """Mark a task done (a clerk of the window); done again keeps the first time and clerk"""
        return complete_window_task(current_actor(), code, task_id)
