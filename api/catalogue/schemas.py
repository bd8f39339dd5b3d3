from marshmallow import Schema, fields

from workflow.eligibility import OPERATORS
from workflow.forms import FIELD_TYPES


class ChoiceSchema(Schema):
    value = fields.String()
    label_zh = fields.String()
    label_en = fields.String()


class FormFieldSchema(Schema):
    name = fields.String()
    type = fields.String(metadata={"enum": list(FIELD_TYPES)})
    required = fields.Boolean()
    label_zh = fields.String()
    label_en = fields.String()
    choices = fields.List(fields.Nested(ChoiceSchema))
    min = fields.Raw()
    max = fields.Raw()
    max_length = fields.Integer()


class DocumentSchema(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    required = fields.Boolean()


class RuleSchema(Schema):
    code = fields.String()
    field = fields.String()
    op = fields.String(metadata={"enum": list(OPERATORS)})
    value = fields.Raw()
    message_zh = fields.String()
    message_en = fields.String()


class StageSchema(Schema):
    position = fields.Integer(metadata={"description": "From 0, in route order"})
    code = fields.String()
    departments = fields.List(fields.String())
    sign = fields.String(
        metadata={
            "enum": ["one", "all", "any"],
            "description": "one: a single department; all: every department signs (会签); "
            "any: one signature completes the stage (或签)",
        }
    )
    working_days = fields.Integer()


class _TermsSchema(Schema):
    """What a policy version fixes for the cases filed under it, besides its route."""

    promised_working_days = fields.Integer(
        metadata={"description": "Working days from acceptance the district promises"}
    )
    statutory_working_days = fields.Integer(
        metadata={"description": "Working days from acceptance the law allows"}
    )
    form_fields = fields.List(fields.Nested(FormFieldSchema))
    required_documents = fields.List(fields.Nested(DocumentSchema))
    eligibility_rules = fields.List(fields.Nested(RuleSchema))


class PolicySchema(_TermsSchema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    description_zh = fields.String()
    description_en = fields.String()
    lead_department = fields.String()
    version = fields.Integer(
        attribute="current_version",
        metadata={
            "description": "The version new cases are filed under: its form, documents, rules "
            "and route are the ones shown here"
        },
    )
    route = fields.List(fields.Nested(StageSchema))


class WindowSchema(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    level = fields.String()
    township_zh = fields.String(allow_none=True)
    township_en = fields.String(allow_none=True)


class PolicyVersionSchema(_TermsSchema):
    """A version as the cases filed under it keep it (`policy_version` on a case)."""

    code = fields.String(attribute="policy_code")
    version = fields.Integer()
    created_at = fields.DateTime(metadata={"description": "When it was seeded"})
    route = fields.List(fields.Nested(StageSchema), attribute="numbered_route")
