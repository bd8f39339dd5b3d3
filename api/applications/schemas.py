from marshmallow import Schema, fields, validate

from api.pagination import PageArgsSchema, page_schema
from workflow.lifecycle import REQUESTABLE, Status


class ApplicationCreateSchema(Schema):
    policy_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    window_code = fields.String(required=True, validate=validate.Length(min=1, max=8))
    form = fields.Dict(keys=fields.String(), required=True)


class CorrectionItemSchema(Schema):
    code = fields.String(validate=validate.Length(max=64))
    field = fields.String(validate=validate.Length(max=100))
    message_zh = fields.String(validate=validate.Length(max=500))
    message_en = fields.String(validate=validate.Length(max=500))


class ActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(sorted(REQUESTABLE)))
    comment = fields.String(load_default=None, validate=validate.Length(max=2000))
    items = fields.List(
        fields.Nested(CorrectionItemSchema), load_default=None, validate=validate.Length(max=50)
    )
    form = fields.Dict(keys=fields.String(), load_default=None)


class ApplicationQueryArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf([s.value for s in Status]))
    policy_code = fields.String(validate=validate.Length(max=40))


class StepSchema(Schema):
    position = fields.Integer()
    department_code = fields.String()
    status = fields.String()
    decided_at = fields.DateTime(allow_none=True)
    comment = fields.String(allow_none=True)


class ApplicationSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    applicant_id = fields.Integer()
    policy_code = fields.String()
    window_code = fields.String()
    status = fields.String()
    form = fields.Dict()
    correction_items = fields.List(fields.Nested(CorrectionItemSchema))
    steps = fields.List(fields.Nested(StepSchema))
    version = fields.Integer()
    submitted_at = fields.DateTime()
    updated_at = fields.DateTime()


ApplicationPageSchema = page_schema(ApplicationSchema)


class EventSchema(Schema):
    seq = fields.Integer()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String()
    comment = fields.String(allow_none=True)
    data = fields.Dict()
    created_at = fields.DateTime()
    hash = fields.String()
