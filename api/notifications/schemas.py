from marshmallow import Schema, fields, validate

from api.pagination import PageArgsSchema, page_schema
from workflow.notifications import PHONE_CODE, reference_of
from workflow.notifications.delivery import RECEIPT_STATUSES


class NotificationQueryArgsSchema(PageArgsSchema):
    unread = fields.Boolean(
        load_default=False, metadata={"description": "Only the messages not yet read."}
    )


def _shown_body(row) -> dict:
    # A one-time code is for the phone alone: an admin looking at the row does not see it.
    if row.kind == PHONE_CODE:
        shown = {key: value for key, value in row.body.items() if key != "text_sealed"}
        return {**shown, "text": "(a one-time code, not shown)"}
    return row.body


class NotificationSchema(Schema):
    id = fields.Integer()
    reference = fields.Function(
        lambda row: reference_of(row.id),
        metadata={"description": "Sent with every delivery attempt (yh-n-<id>)."},
    )
    application_id = fields.Integer(allow_none=True)  # none for broadcasts and account codes
    recipient_type = fields.String()
    recipient = fields.String()
    channel = fields.String()
    kind = fields.String()
    status = fields.String()
    body = fields.Function(_shown_body)
    created_at = fields.DateTime()
    attempts = fields.Integer(metadata={"description": "Delivery attempts made so far."})
    sent_at = fields.DateTime(
        allow_none=True, metadata={"description": "When the provider accepted it."}
    )
    finished_at = fields.DateTime(
        allow_none=True, metadata={"description": "When its status became final."}
    )
    read_at = fields.DateTime(allow_none=True)


NotificationPageSchema = page_schema(NotificationSchema)


class DeliveryAttemptSchema(Schema):
    number = fields.Integer()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    outcome = fields.String(
        allow_none=True,
        metadata={"description": "delivered / accepted / temporary / permanent; null in flight"},
    )
    detail = fields.String()


class NotificationDetailSchema(NotificationSchema):
    # `attempts` stays the count, as in the list; the log has its own name.
    delivery_attempts = fields.List(
        fields.Nested(DeliveryAttemptSchema),
        attribute="attempt_log",
        metadata={"description": "Every delivery attempt, oldest first."},
    )


class UnreadCountSchema(Schema):
    unread = fields.Integer()


class SmsReceiptSchema(Schema):
    reference = fields.String(
        required=True,
        validate=validate.Length(max=40),
        metadata={"description": "The reference we sent the message with (yh-n-<id>)."},
    )
    status = fields.String(required=True, validate=validate.OneOf(sorted(RECEIPT_STATUSES)))


class ReceiptResultSchema(Schema):
    id = fields.Integer()
    status = fields.String()
