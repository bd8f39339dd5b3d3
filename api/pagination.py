"""Opaque keyset cursors: the id of the last item of the previous page."""

import base64

from marshmallow import Schema, ValidationError, fields, validate, validates

from workflow.errors import InvalidInput

MAX_ID = 2**31 - 1  # the id columns are 32-bit


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix == "id" and value.isdigit() and int(value) <= MAX_ID:
            return int(value)
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidInput("Bad cursor.", errors={"cursor": ["Not a cursor this API returned."]})


class PageArgsSchema(Schema):
    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))

    @validates("cursor")
    def _check_cursor(self, value, **_):
        try:
            decode_cursor(value)
        except InvalidInput as error:
            raise ValidationError(error.errors["cursor"]) from None


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The response schema of a page of `item_schema` items."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "next_cursor": fields.String(allow_none=True),
        },
        name=item_schema.__name__.removesuffix("Schema") + "PageSchema",
    )


def page(items: list, limit: int) -> dict:
    """The response body for a page; next_cursor is null on the last page."""
    next_cursor = encode_cursor(items[-1].id) if len(items) == limit else None
    return {"items": items, "next_cursor": next_cursor}
