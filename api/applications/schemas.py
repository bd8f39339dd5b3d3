from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.pagination import MAX_ID, PageArgsSchema, page_schema
from workflow.lifecycle import REQUESTABLE, Status


class ApplicationCreateSchema(Schema):
    policy_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    window_code = fields.String(required=True, validate=validate.Length(min=1, max=8))
    form = fields.Dict(keys=fields.String(), required=True)
    draft = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Keep the case as a draft: upload its documents, then take the "
            "action submit. Without it the case is submitted (and pre-checked) at once."
        },
    )


class CorrectionItemSchema(Schema):
    code = fields.String(validate=validate.Length(max=64))
    field = fields.String(validate=validate.Length(max=100))
    message_zh = fields.String(validate=validate.Length(max=500))
    message_en = fields.String(validate=validate.Length(max=500))


# What each action takes besides its name: (required fields, optional fields). The service checks
# the same (workflow/services/casework.py); this table is what the OpenAPI document shows.
ACTION_BODIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "submit": ((), ("form", "comment", "on_behalf")),
    "accept": ((), ("comment",)),
    "accept_provisional": (("documents", "date"), ("comment",)),
    "request_correction": ((), ("items", "documents", "date", "comment")),
    "not_accept": (("comment", "refer_to"), ()),
    "fulfil_pledge": ((), ("comment",)),
    "resubmit": ((), ("form", "comment", "on_behalf")),
    "withdraw": ((), ("comment", "on_behalf")),
    "rate": (("rating",), ("comment", "on_behalf")),
    "retry": ((), ("comment",)),
    "claim": ((), ("comment",)),
    "unclaim": ((), ("comment",)),
    "assign": (("assignee_id",), ("comment",)),
    "approve_step": ((), ("comment",)),
    "reject": (("comment",), ()),
    "return": (("comment", "to_step"), ()),
    "start_special_procedure": (("comment",), ("date",)),
    "end_special_procedure": ((), ("comment",)),
    "suspend": (("comment", "date"), ()),
    "resume": ((), ("comment",)),
    "extend": (("comment", "days"), ()),
    "start_disbursement": ((), ("comment",)),
    "conclude": ((), ("comment",)),
}


class ActionSchema(Schema):
    """One action on a case. Which fields each action needs: see the `oneOf` of the request
    body (ACTION_BODIES)."""

    action = fields.String(required=True, validate=validate.OneOf(sorted(REQUESTABLE)))
    comment = fields.String(
        load_default=None,
        validate=validate.Length(max=2000),
        metadata={"description": "A note; the reason where the action needs one."},
    )
    items = fields.List(
        fields.Nested(CorrectionItemSchema),
        load_default=None,
        validate=validate.Length(max=50),
        metadata={"description": "Correction items besides the policy's own documents."},
    )
    documents = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        load_default=None,
        validate=validate.Length(max=50),
        metadata={"description": "Document codes of the policy (missing ones)."},
    )
    form = fields.Dict(
        keys=fields.String(),
        load_default=None,
        metadata={
            "description": "A corrected form (resubmit), or a draft's form to submit in place "
            "of the saved one (submit), checked against the policy's terms in force."
        },
    )
    date = fields.Date(
        load_default=None,
        metadata={"description": "A pledge date, an expected restart or end date."},
    )
    days = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=60),
        metadata={"description": "Working days of an extension."},
    )
    assignee_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    to_step = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "The code of the earlier route step to return to."},
    )
    rating = fields.Integer(load_default=None, validate=validate.Range(min=1, max=5))
    refer_to = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "Where to apply instead."},
    )
    on_behalf = fields.Boolean(
        load_default=False,
        metadata={"description": "A window clerk acting for the applicant (帮办代办)."},
    )

    @validates_schema
    def _fields_of_the_action(self, data, **_):
        required, optional = ACTION_BODIES.get(data.get("action"), ((), ()))
        errors = {}
        for name in required:
            if data.get(name) in (None, "", []):
                errors[name] = [f"Required by the action {data['action']}."]
        for name, value in data.items():
            if name in ("action", "on_behalf") or name in required or name in optional:
                continue
            if value not in (None, False):
                errors[name] = [f"Not taken by the action {data['action']}."]
        if errors:
            raise ValidationError(errors)


# The OpenAPI component that documents the body per action (registered by create_app).
ACTION_REQUEST = "ActionRequest"
ACTION_REQUEST_REF = f"#/components/schemas/{ACTION_REQUEST}"


def action_body_spec() -> dict:
    """The request body of the actions endpoint as a oneOf, one alternative per action."""
    fields_spec = {
        "comment": {"type": "string", "maxLength": 2000},
        "items": {"type": "array", "maxItems": 50, "items": {"type": "object"}},
        "documents": {"type": "array", "maxItems": 50, "items": {"type": "string"}},
        "form": {"type": "object"},
        "date": {"type": "string", "format": "date"},
        "days": {"type": "integer", "minimum": 1, "maximum": 60},
        "assignee_id": {"type": "integer", "minimum": 1},
        "to_step": {"type": "string"},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
        "refer_to": {"type": "string", "maxLength": 500},
        "on_behalf": {"type": "boolean"},
    }
    alternatives = []
    for action, (required, optional) in sorted(ACTION_BODIES.items()):
        alternatives.append(
            {
                "title": action,
                "type": "object",
                "required": ["action", *required],
                "properties": {
                    "action": {"type": "string", "enum": [action]},
                    **{name: fields_spec[name] for name in (*required, *optional)},
                },
                "additionalProperties": False,
            }
        )
    return {"oneOf": alternatives, "discriminator": {"propertyName": "action"}}


class ApplicationQueryArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf([s.value for s in Status]))
    policy_code = fields.String(validate=validate.Length(max=40))
    window_code = fields.String(validate=validate.Length(max=8))
    department = fields.String(
        validate=validate.Length(max=40),
        metadata={"description": "Cases with an open step of this department."},
    )
    assignee = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Cases claimed by or assigned to this user id."},
    )
    due_before = fields.Date(metadata={"description": "Due on or before this date."})
    sla = fields.String(validate=validate.OneOf(["green", "yellow", "red"]))
    sort = fields.String(
        load_default="newest",
        validate=validate.OneOf(["newest", "due_date"]),
        metadata={"description": "newest first, or soonest due first (cases with a deadline)."},
    )


class StepSchema(Schema):
    position = fields.Integer()
    code = fields.String(metadata={"description": "The route stage's code (to_step of return)."})
    department_code = fields.String()
    sign = fields.String(metadata={"description": "one; all (会签); any (或签)."})
    status = fields.String(metadata={"description": "pending, open, passed, failed, skipped."})
    assignee_id = fields.Integer(allow_none=True)
    working_days = fields.Integer()
    opened_on = fields.Date(allow_none=True)
    due_date = fields.Date(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    comment = fields.String(allow_none=True)


class PauseSchema(Schema):
    # Stored as the ISO dates they are shown as.
    kind = fields.String(metadata={"description": "The action that paused the clock."})
    started_on = fields.String(metadata={"format": "date"})
    ended_on = fields.String(allow_none=True, metadata={"format": "date"})


class ApplicationSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    applicant_id = fields.Integer(
        allow_none=True, metadata={"description": "None once the case is anonymised."}
    )
    policy_code = fields.String()
    window_code = fields.String()
    status = fields.String()
    form = fields.Dict()
    correction_items = fields.List(fields.Nested(CorrectionItemSchema))
    correction_due = fields.Date(allow_none=True)
    policy_version = fields.Integer(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    accepted_on = fields.Date(allow_none=True)
    due_date = fields.Date(
        allow_none=True, metadata={"description": "The last working day of the promised time."}
    )
    due_date_provisional = fields.Boolean(
        metadata={"description": "Counted through a year the calendar does not cover yet."}
    )
    statutory_due_date = fields.Date(allow_none=True)
    sla_status = fields.String(metadata={"description": "green, yellow or red."})
    current_step_due_date = fields.Method(
        "_current_step_due",
        allow_none=True,
        metadata={"type": "string", "format": "date", "description": "The open step's due date."},
    )
    pledge_documents = fields.List(fields.String())
    pledge_due = fields.Date(allow_none=True)
    refer_to = fields.String(allow_none=True)
    rating = fields.Integer(allow_none=True)
    steps = fields.List(fields.Nested(StepSchema))
    pauses = fields.List(fields.Nested(PauseSchema))
    version = fields.Integer()
    submitted_at = fields.DateTime()
    updated_at = fields.DateTime()
    anonymised_at = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "When its personal data was erased, RETENTION_DAYS after it closed; "
            "the form then keeps only its categorical answers."
        },
    )

    def _current_step_due(self, case) -> str | None:
        dates = [s.due_date for s in case.steps if s.status == "open" and s.due_date]
        return min(dates).isoformat() if dates else None


ApplicationPageSchema = page_schema(ApplicationSchema)


class EventSchema(Schema):
    seq = fields.Integer()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String()
    on_behalf_of = fields.Integer(
        allow_none=True, metadata={"description": "The applicant a clerk acted for (帮办代办)."}
    )
    prev_hash = fields.String()
    comment = fields.String(allow_none=True)
    data = fields.Dict()
    created_at = fields.DateTime()
    hash = fields.String()
    erased = fields.Method(
        "_erased",
        metadata={
            "type": "array",
            "items": {"type": "string"},
            "description": "The parts erased when the retention period ended (e.g. comment, "
            "data.form); the hash still covers them by their digests.",
        },
    )

    def _erased(self, event) -> list[str]:
        return sorted(event.redacted or {})
