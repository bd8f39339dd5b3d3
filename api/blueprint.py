"""The Blueprint every resource uses: flask-smorest's, with a parser that reuses the JSON body
Flask has already decoded (the text guard reads it before any view) instead of decoding it again.
"""

import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request


class CachedJsonParser(FlaskParser):
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
