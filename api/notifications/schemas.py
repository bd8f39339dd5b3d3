from marshmallow import Schema, fields


class NotificationSchema(Schema):
    id = fields.Integer()
    application_id = fields.Integer()
    recipient_type = fields.String()
    recipient = fields.String()
    channel = fields.String()
    kind = fields.String()
    status = fields.String()
    body = fields.Dict()
    created_at = fields.DateTime()


class NotificationPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    next_cursor = fields.String(allow_none=True)
