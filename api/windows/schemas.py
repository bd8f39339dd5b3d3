from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate, validates

from api.pagination import PageArgsSchema, page_schema

URL_MAX, SECRET_MIN, SECRET_MAX = 500, 16, 128


class WebhookSetSchema(Schema):
    url = fields.Url(
        required=True,
        allow_none=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=URL_MAX),
        metadata={"description": "Where the window's system receives its cases; null removes it."},
    )
    secret = fields.String(
        load_default=None,
        validate=validate.Length(min=SECRET_MIN, max=SECRET_MAX),
        metadata={
            "description": "Signs every POST (X-Signature); required with a url, never shown."
        },
    )

    @validates("url")
    def _no_credentials(self, value, **_):
        # Credentials in a URL end up in logs and in the admin record; the secret signs instead.
        if value is not None and "@" in urlsplit(value).netloc:
            raise ValidationError("No user or password in the URL; the secret signs each POST.")


class WebhookSchema(Schema):
    window_code = fields.String(attribute="code")
    url = fields.String(attribute="webhook_url", allow_none=True)
    has_secret = fields.Function(lambda window: window.webhook_secret is not None)


class WindowTaskQueryArgsSchema(PageArgsSchema):
    open = fields.Boolean(
        load_default=True, metadata={"description": "Only the tasks not done yet (false: all)."}
    )


class WindowTaskSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "call_applicant: an SMS did not reach them."})
    application_id = fields.Integer(allow_none=True)
    notification_id = fields.Integer(metadata={"description": "The message that failed."})
    created_at = fields.DateTime()
    done_at = fields.DateTime(allow_none=True)
    done_by = fields.Integer(allow_none=True, metadata={"description": "The clerk's user id."})


WindowTaskPageSchema = page_schema(WindowTaskSchema)
