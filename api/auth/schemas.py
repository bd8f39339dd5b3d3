from marshmallow import Schema, fields, validate

from workflow.personal_data import mask_id_number, mask_phone


class RegisterSchema(Schema):
    phone = fields.String(required=True, validate=validate.Length(max=20))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    id_number = fields.String(required=True, validate=validate.Length(max=18))


class ResendCodeSchema(Schema):
    phone = fields.String(required=True, validate=validate.Length(max=20))


class ConfirmPhoneSchema(Schema):
    phone = fields.String(required=True, validate=validate.Length(max=20))
    code = fields.String(
        required=True,
        load_only=True,
        validate=validate.Regexp(r"^[0-9]{6}\Z", error="The 6 digits of the code."),
    )


class CodeSentSchema(Schema):
    """The same answer whatever is known of the phone and the identity number."""

    message = fields.String()
    phone_masked = fields.String()


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String(allow_none=True)  # staff; applicants log in with their phone
    role = fields.String()
    name = fields.String()
    window_code = fields.String(allow_none=True)
    department_code = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    language = fields.String()
    # Masked: the full values are read through the recorded endpoint of a case's applicant.
    id_number_masked = fields.Function(lambda user: mask_id_number(user.id_number))
    phone_masked = fields.Function(lambda user: mask_phone(user.phone))


class ProfileSchema(Schema):
    """What a person may change about themselves: where email notices go, and their language."""

    email = fields.String(allow_none=True, validate=validate.Length(max=254))
    language = fields.String(validate=validate.OneOf(["zh", "en"]))


class TokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    refresh_token = fields.String()
    user = fields.Nested(UserSchema)


class ConfirmedSchema(TokenSchema):
    # Only to whoever proved the phone: their identity number is another account's.
    identity_claim = fields.String(allow_none=True)


class RefreshSchema(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class PasswordChangeSchema(Schema):
    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(max=200)
    )
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
