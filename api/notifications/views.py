"""Messages for the caller: their window's, their department's and their own; and the SMS
provider's delivery receipts."""

import functools

from flask import current_app, request
from flask.views import MethodView

from api.auth.tokens import current_actor
from api.blueprint import Blueprint
from api.notifications.schemas import (
    NotificationDetailSchema,
    NotificationPageSchema,
    NotificationQueryArgsSchema,
    NotificationSchema,
    ReceiptResultSchema,
    SmsReceiptSchema,
    UnreadCountSchema,
)
from api.pagination import MAX_ID, decode_cursor, page
from workflow.db import Session
from workflow.errors import Unauthorised
from workflow.notifications.signatures import sign_body, signature_matches
from workflow.repositories import notifications
from workflow.services.notifications import mark_read, record_receipt

blp = Blueprint(
    "notifications", __name__, url_prefix="/api/v1/notifications", description="Notifications"
)
# Ids past the 32-bit column range are 404 at routing, not a database overflow error.
NOTIFICATION_ID = f"<int(max={MAX_ID}):notification_id>"
SIGNATURE_HEADER = {
    "in": "header",
    "name": "X-Signature",
    "required": True,
    "schema": {"type": "string"},
    "description": "sha256=<hex HMAC-SHA256 of the raw body, keyed by the shared secret>",
}


def signed_by_sms_provider(view):
    """Refuse the request (401) unless X-Signature signs its raw body, before the body is read
    as arguments: nothing an unsigned caller sends is parsed or looked up."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        secret = current_app.config["SETTINGS"].SMS_CALLBACK_SECRET
        expected = sign_body(secret, request.get_data())
        if not signature_matches(expected, request.headers.get("X-Signature")):
            raise Unauthorised("Send X-Signature: sha256=<HMAC-SHA256 of the body>.")
        return view(*args, **kwargs)

    return checked


@blp.route("")
class Notifications(MethodView):
    @blp.arguments(NotificationQueryArgsSchema, location="query")
    @blp.response(200, NotificationPageSchema)
    def get(self, args):
        """Your inbox, newest first (cursor pagination); `unread=true` for the unread only"""
        items = notifications.list_for(
            Session(),
            current_actor(),
            before_id=decode_cursor(args["cursor"]),
            limit=args["limit"],
            unread=args["unread"],
        )
        return page(items, args["limit"])


@blp.route("/unread-count")
class UnreadCount(MethodView):
    @blp.response(200, UnreadCountSchema)
    def get(self):
        """How many messages in your inbox are unread"""
        return {"unread": notifications.unread_count(Session(), current_actor())}


@blp.route(f"/{NOTIFICATION_ID}")
class NotificationById(MethodView):
    @blp.response(200, NotificationDetailSchema)
    def get(self, notification_id):
        """One message sent to you on any channel, with its delivery attempts (admins: any)"""
        return notifications.get_for(Session(), current_actor(), notification_id)


@blp.route(f"/{NOTIFICATION_ID}/read")
class ReadNotification(MethodView):
    @blp.response(200, NotificationSchema)
    def post(self, notification_id):
        """Mark an inbox message read (reading it again keeps the first time)

        Only messages in your inbox (409 for one sent by SMS, email or webhook).
        """
        return mark_read(current_actor(), notification_id)


@blp.route("/receipts/sms")
class SmsReceipts(MethodView):
    @signed_by_sms_provider
    @blp.doc(security=[], parameters=[SIGNATURE_HEADER])
    @blp.arguments(SmsReceiptSchema)
    @blp.response(200, ReceiptResultSchema)
    def post(self, args):
        """The SMS provider's delivery receipt (signed, no token)

        A receipt for a message whose status is already final (late, repeated or out of order)
        changes nothing and answers with the status it keeps.
        """
        return record_receipt(args["reference"], args["status"])
