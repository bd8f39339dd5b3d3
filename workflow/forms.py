"""A policy's form, checked against the fields the policy declares as data."""

import json
from functools import lru_cache

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from workflow.errors import InvalidInput

FIELD_TYPES = ("string", "integer", "number", "boolean", "date", "choice")


class _StrictBoolean(fields.Boolean):
    """JSON true/false only: 1, "yes" or "true" are refused rather than guessed at."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _field(spec: dict) -> fields.Field:
    required = bool(spec.get("required"))
    options: dict = {"required": required, "allow_none": not required}
    kind = spec["type"]
    if kind == "string":
        return fields.String(validate=validate.Length(min=1, max=spec.get("max_length")), **options)
    if kind in ("integer", "number"):
        bounds = validate.Range(min=spec.get("min"), max=spec.get("max"))
        if kind == "integer":
            return fields.Integer(strict=True, validate=bounds, **options)
        return fields.Float(allow_nan=False, validate=bounds, **options)
    if kind == "boolean":
        return _StrictBoolean(**options)
    if kind == "date":
        return fields.Date(**options)
    if kind == "choice":
        return fields.String(
            validate=validate.OneOf([c["value"] for c in spec["choices"]]), **options
        )
    raise ValueError(f"unknown field type {kind!r}, not one of {FIELD_TYPES}")


@lru_cache(maxsize=64)
def _schema(fields_json: str) -> Schema:
    specs = json.loads(fields_json)
    return Schema.from_dict({spec["name"]: _field(spec) for spec in specs})(unknown=RAISE)


def clean_form(form_fields: list[dict], form: dict) -> dict:
    """The form as stored (JSON-ready), or InvalidInput naming every bad field under `form`."""
    schema = _schema(json.dumps(form_fields, sort_keys=True))
    try:
        loaded = schema.load(form)
    except ValidationError as error:
        raise InvalidInput(
            "The form has invalid fields.", errors={"form": error.messages}
        ) from None
    return schema.dump(loaded)
