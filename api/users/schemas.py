from marshmallow import Schema, fields, validate

from api.pagination import PageArgsSchema, page_schema
from workflow.lifecycle import STAFF_ROLES

_STAFF_ROLES = validate.OneOf(sorted(STAFF_ROLES))


class AdminUserSchema(Schema):
    id = fields.Integer()
    username = fields.String(allow_none=True)  # staff; applicants log in with their phone
    role = fields.String()
    name = fields.String()
    window_code = fields.String(allow_none=True)
    department_code = fields.String(allow_none=True)
    is_department_head = fields.Boolean()
    email = fields.String(allow_none=True)
    active = fields.Boolean()
    failed_logins = fields.Integer(metadata={"description": "Consecutive failed logins."})
    locked_until = fields.DateTime(
        allow_none=True, metadata={"description": "Logins are refused until then."}
    )
    created_at = fields.DateTime()


AdminUserPageSchema = page_schema(AdminUserSchema)


class UserQueryArgsSchema(PageArgsSchema):
    username = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Part of the username, in any case."},
    )


class StaffCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    role = fields.String(required=True, validate=_STAFF_ROLES)
    name = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    window_code = fields.String(load_default=None, validate=validate.Length(max=8))
    department_code = fields.String(load_default=None, validate=validate.Length(max=40))
    department_head = fields.Boolean(load_default=False)
    email = fields.String(load_default=None, validate=validate.Length(max=254))


class UserChangeSchema(Schema):
    active = fields.Boolean()
    role = fields.String(validate=_STAFF_ROLES)
    window_code = fields.String(allow_none=True, validate=validate.Length(max=8))
    department_code = fields.String(allow_none=True, validate=validate.Length(max=40))
    locked = fields.Boolean(
        metadata={"description": "false unlocks; true locks until an admin unlocks (or an hour)."}
    )


class DepartmentSchema(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
