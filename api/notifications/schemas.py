from marshmallow import Schema, fields

from api.pagination import page_schema


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


NotificationPageSchema = page_schema(NotificationSchema)
