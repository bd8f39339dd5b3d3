"""Opaque keyset cursors: the sort key of the last item of the previous page (its id, or its
due date and id)."""

import base64
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates

from workflow.errors import InvalidInput

MAX_ID = 2**31 - 1  # the id columns are 32-bit


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def encode_due_cursor(due_date: date, last_id: int) -> str:
    text = f"due:{due_date.isoformat()}:{last_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _parts(cursor: str) -> list[str]:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(":")
    except (ValueError, UnicodeDecodeError):
        return []


def _an_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and int(value) <= MAX_ID


_BAD = InvalidInput("Bad cursor.", errors={"cursor": ["Not a cursor this API returned."]})


def decode_cursor(cursor: str | None) -> int | None:
    """The id of a newest-first cursor."""
    if not cursor:
        return None
    parts = _parts(cursor)
    if len(parts) == 2 and parts[0] == "id" and _an_id(parts[1]):
        return int(parts[1])
    raise _BAD


def decode_due_cursor(cursor: str | None) -> tuple[date, int] | None:
    """The (due date, id) of a by-due-date cursor."""
    if not cursor:
        return None
    parts = _parts(cursor)
    if len(parts) == 3 and parts[0] == "due" and _an_id(parts[2]):
        try:
            return date.fromisoformat(parts[1]), int(parts[2])
        except ValueError:
            pass
    raise _BAD


class PageArgsSchema(Schema):
    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))

    @validates("cursor")
    def _check_cursor(self, value, **_):
        try:
            decode_cursor(value)
        except InvalidInput:
            try:
                decode_due_cursor(value)
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


def page(items: list, limit: int, cursor_of=lambda item: encode_cursor(item.id)) -> dict:
    """The response body for a page; next_cursor is null on the last page."""
    next_cursor = cursor_of(items[-1]) if len(items) == limit else None
    return {"items": items, "next_cursor": next_cursor}
