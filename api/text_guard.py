"""Refuse text no store can keep: NUL (PostgreSQL text cannot hold it) and unpaired UTF-16
surrogates (JSON allows them as escapes, UTF-8 cannot encode them). Checked once for every
request, before any view, so no field anywhere can carry one into the database, a hash or a
response."""

from flask import Flask, request

from workflow.errors import InvalidInput

REASON = "Contains a character that is not allowed (NUL or an unpaired surrogate)."


def _bad(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _first_bad_path(value, path: str) -> str | None:
    if isinstance(value, str):
        return path if _bad(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if _bad(str(key)):
                return path or "_body"
            found = _first_bad_path(item, here)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_bad_path(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def register_text_guard(app: Flask) -> None:
    @app.before_request
    def _refuse_unstorable_text():
        if _bad(request.path):
            raise InvalidInput("The address is not valid.", errors={"_path": [REASON]})
        for name, values in request.args.lists():
            if _bad(name) or any(_bad(v) for v in values):
                raise InvalidInput("Some fields are invalid.", errors={name: [REASON]})
        if request.is_json and request.content_length:
            body = request.get_json(silent=True)  # malformed JSON is left to the view's parser
            found = _first_bad_path(body, "")
            if found:
                raise InvalidInput("Some fields are invalid.", errors={found: [REASON]})
