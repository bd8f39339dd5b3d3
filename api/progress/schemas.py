from marshmallow import Schema, fields


class ProgressQueryArgsSchema(Schema):
    # Checked by the service, not here: a malformed value must get the same 404 as a wrong one.
    id_last6 = fields.String(
        load_default=None,
        metadata={
            "description": "The last six characters of the applicant's identity number",
            "example": "12345X",
        },
    )


class ProgressSchema(Schema):
    reference = fields.String()
    policy_code = fields.String()
    status = fields.String()
    submitted_at = fields.DateTime()
    updated_at = fields.DateTime()
    accepted_on = fields.Date(allow_none=True)
    due_date = fields.Date(allow_none=True)
    due_date_provisional = fields.Boolean()
    statutory_due_date = fields.Date(allow_none=True)
    correction_due = fields.Date(allow_none=True)
