"""The Blueprint every resource uses: flask-smorest's, with a parser that reuses the JSON body
Flask has already decoded (the text guard reads it before any view) instead of decoding it again,
and builds each arguments schema once per process instead of once per request.
"""

import flask_smorest
import marshmallow as ma
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request


class CachedJsonParser(FlaskParser):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[type[ma.Schema], ma.Schema] = {}

    def _get_schema(self, argmap, req) -> ma.Schema:
        # webargs instantiates a schema class on every request, which copies all its fields
        # (about a fifth of parsing a submission). Our schemas keep no state between loads.
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        body = req.get_json(silent=True)  # cached by Flask after the first call
        if body is None:
            # Malformed (or a literal null): let webargs decode it and raise its own 400.
            return core.parse_json(req.get_data(cache=True))
        return body


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = CachedJsonParser()
