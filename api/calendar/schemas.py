from marshmallow import Schema, ValidationError, fields, validate

MAX_DAYS = 366


def _flatten(messages: dict, prefix: str = "") -> dict[str, list]:
    """{"days": {3: {"date": [...]}}} -> {"days.3.date": [...]}: the paths the service names."""
    flat: dict[str, list] = {}
    for key, value in messages.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(_flatten(value, path))
        else:
            flat[path] = value
    return flat


class CalendarDaySchema(Schema):
    date = fields.Date(attribute="day")
    working = fields.Boolean()
    note = fields.String()


class CalendarYearSchema(Schema):
    year = fields.Integer()
    covered = fields.Boolean(metadata={"description": "false: counted Monday to Friday"})
    source = fields.String(allow_none=True, metadata={"description": "library version or admin"})
    days = fields.List(fields.Nested(CalendarDaySchema))


class CalendarDayInSchema(Schema):
    date = fields.Date(required=True)
    working = fields.Boolean(
        required=True,
        metadata={"description": "false: a weekday holiday; true: a 调休 make-up weekend"},
    )
    note = fields.String(load_default="", validate=validate.Length(max=100))


class CalendarYearReplaceSchema(Schema):
    days = fields.List(
        fields.Nested(CalendarDayInSchema),
        required=True,
        validate=validate.Length(max=MAX_DAYS),
        metadata={"description": "Only the days that differ from Monday to Friday"},
    )

    def handle_error(self, error: ValidationError, data, *, many: bool, **kwargs):
        if isinstance(error.messages, dict):
            raise ValidationError(_flatten(error.messages)) from error
        raise error
