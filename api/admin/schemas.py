from marshmallow import Schema, ValidationError, fields, validate

from api.pagination import page_schema
from workflow.notifications import CHANNELS, LANGUAGES, NOTICES
from workflow.services.notification_admin import BROADCAST_KINDS, RECIPIENTS

SUBJECT_MAX, TEXT_MAX = 200, 2000


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


def _not_blank(value: str) -> None:
    if value and not value.strip():  # the empty string is Length's to refuse
        raise ValidationError("Must not be blank.")


def _words(size: int, **options) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=size), _not_blank], **options)


class BroadcastCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(BROADCAST_KINDS))
    subject_zh = _words(SUBJECT_MAX, required=True)
    text_zh = _words(TEXT_MAX, required=True)
    subject_en = _words(SUBJECT_MAX, metadata={"description": "The Chinese subject if none."})
    text_en = _words(TEXT_MAX, metadata={"description": "The Chinese text if none."})


class BroadcastSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    created_at = fields.DateTime()
    windows = fields.Integer(metadata={"description": "How many windows it goes to."})


class NotificationRuleSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    recipient = fields.String()
    channel = fields.String()
    active = fields.Boolean()


class NotificationRuleCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(sorted(NOTICES)))
    recipient = fields.String(
        required=True,
        validate=validate.OneOf(RECIPIENTS),
        metadata={"description": "One the kind goes to (see the seed's rules)."},
    )
    channel = fields.String(
        required=True,
        validate=validate.OneOf(CHANNELS),
        metadata={"description": "webhook only for the window."},
    )
    active = fields.Boolean(load_default=True)


class NotificationRuleUpdateSchema(Schema):
    active = fields.Boolean(required=True)


class MessageTemplateSchema(Schema):
    code = fields.String()
    language = fields.String()
    version = fields.Integer()
    subject = fields.String()
    text = fields.String()
    created_at = fields.DateTime()


class MessageTemplateEditSchema(Schema):
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    subject = _words(SUBJECT_MAX, required=True)
    text = _words(
        TEXT_MAX,
        required=True,
        metadata={
            "description": "Placeholders as in the preview; case notices name {{ reference }}."
        },
    )
