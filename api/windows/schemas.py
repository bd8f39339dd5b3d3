from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate, validates

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
