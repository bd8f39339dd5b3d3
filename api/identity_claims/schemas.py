from marshmallow import Schema, fields, validate

from api.pagination import page_schema
from workflow.personal_data import mask_id_number, mask_phone
from workflow.services.identity_claims import DECISIONS


class IdentityClaimSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "open, granted or refused"})
    claimant_id = fields.Integer()
    claimant_name = fields.Function(lambda claim: claim.claimant.name)
    # Masked: the clerk compares them with the card and the phone the person holds.
    claimant_phone_masked = fields.Function(lambda claim: mask_phone(claim.claimant.phone))
    id_number_masked = fields.Function(lambda claim: mask_id_number(claim.id_number))
    created_at = fields.DateTime()
    decided_by = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    comment = fields.String(allow_none=True)


IdentityClaimPageSchema = page_schema(IdentityClaimSchema)


class IdentityClaimDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(sorted(DECISIONS)))
    comment = fields.String(required=True, validate=validate.Length(min=1, max=1000))
