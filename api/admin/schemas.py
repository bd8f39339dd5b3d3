from marshmallow import Schema, fields, validate

from api.pagination import page_schema
from workflow.notifications import LANGUAGES


class StuckCaseSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    policy_code = fields.String()
    window_code = fields.String()
    status = fields.String()
    last_failure = fields.String(
        allow_none=True, metadata={"description": "The class of the last error."}
    )
    automatic_failures = fields.Integer(metadata={"description": "Attempts that failed."})
    version = fields.Integer(metadata={"description": "Send as If-Match with the retry action."})
    updated_at = fields.DateTime()


StuckCasePageSchema = page_schema(StuckCaseSchema)


class AlertSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "e.g. calendar_year_missing"})
    subject = fields.String()
    message = fields.String()
    created_at = fields.DateTime()


AlertPageSchema = page_schema(AlertSchema)


class RectificationSchema(Schema):
    id = fields.Integer()
    application_id = fields.Integer()
    window_code = fields.String()
    rating = fields.Integer()
    due_date = fields.Date()
    status = fields.String()
    created_at = fields.DateTime()


RectificationPageSchema = page_schema(RectificationSchema)


class TemplatePreviewArgsSchema(Schema):
    language = fields.String(load_default="zh", validate=validate.OneOf(LANGUAGES))
    values = fields.Dict(
        keys=fields.String(),
        load_default=dict,
        metadata={"description": "Placeholder values that replace the sample ones."},
    )


class TemplatePreviewSchema(Schema):
    code = fields.String()
    language = fields.String(metadata={"description": "The words' language (zh if none in en)."})
    version = fields.Integer()
    subject = fields.String()
    text = fields.String()
