from marshmallow import Schema, fields, validate

from api.pagination import MAX_ID, PageArgsSchema, page_schema


class ReadArgsSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(max=200),
        metadata={"description": "why the full values are needed; kept with the record"},
    )


class ApplicantDetailsSchema(Schema):
    application_id = fields.Integer()
    applicant_id = fields.Integer()
    name = fields.String()
    id_number = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    access_id = fields.Integer(metadata={"description": "the record of this read"})


class AccessArgsSchema(PageArgsSchema):
    subject_id = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "only the reads of this person's data"},
    )


class AccessSchema(Schema):
    id = fields.Integer()
    actor_id = fields.Integer()
    actor_role = fields.String()
    subject_id = fields.Integer()
    application_id = fields.Integer(allow_none=True)
    reason = fields.String()
    created_at = fields.DateTime()


AccessPageSchema = page_schema(AccessSchema)
