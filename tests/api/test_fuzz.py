"""The whole API fuzzed from its own OpenAPI document, in-process through WSGI.

Schemathesis generates requests for every operation in `/openapi.json`, valid and invalid ones,
and sends them with a real Bearer token. No response may be a 5xx, every response must match the
schema the document declares for its status, and every 4xx body must be the one error envelope.

The run is derandomized: the same code sends the same requests. Hypothesis also draws constants
from the project's own loaded modules, so a change to the code may change which requests are sent.
"""

from http import HTTPStatus

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import auth, register, run_precheck, staff, submit_ready

CASE_PATHS = "/api/v1/applications/{case_id}"
# Characters that are valid input but that a store or an encoder may choke on: a NUL (PostgreSQL
# text refuses it) and a lone surrogate (valid as a JSON escape, not encodable as UTF-8). A URL
# cannot carry a lone surrogate, so paths and queries get only the NUL.
NUL, LONE_SURROGATE = "\x00", "\ud800"


def _spiked(value, nasty):
    """Every string in a generated value with `nasty` appended."""
    if isinstance(value, str):
        return value + nasty
    if isinstance(value, dict):
        return {key: _spiked(item, nasty) for key, item in value.items()}
    if isinstance(value, list):
        return [_spiked(item, nasty) for item in value]
    return value


def _sometimes_spiked(value, *nasty):
    """Half the time the value as generated, half the time with its strings spiked."""
    return st.one_of(st.just(value), st.sampled_from([_spiked(value, each) for each in nasty]))


def error_envelope(ctx, response, case):
    """A 4xx body is {"code": <the status>, "status": <its phrase>, "message": str[, "errors"]}."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"The body is not JSON: {response.text[:300]!r}") from None
    assert isinstance(body, dict), f"The body is not a JSON object: {body!r}"
    code = body.get("code")
    assert type(code) is int and code == response.status_code, (
        f"`code` is {code!r}, not the status {response.status_code}: {body!r}"
    )
    phrase = HTTPStatus(response.status_code).phrase
    assert body.get("status") == phrase, f"`status` is {body.get('status')!r}, not {phrase!r}"
    assert isinstance(body.get("message"), str), f"`message` is not a string: {body!r}"
    assert isinstance(body.get("errors", {}), dict), f"`errors` is not an object: {body!r}"
    return None


CHECKS = [not_a_server_error, response_schema_conformance, error_envelope]


@pytest.fixture
def identities(client):
    """An applicant whose transport case is routed to W01, and the W01 clerk.

    Schemathesis runs every operation as a subtest of the one pytest test below, so `client`
    (which empties the tables) runs once, and these rows and tokens hold for the whole run.
    """
    applicant, _ = register(client)
    response = submit_ready(client, applicant, "transport", "W01")
    assert response.status_code == 200, response.json
    assert run_precheck()["routed"] == 1
    return {
        "applicant": applicant,
        "clerk": staff(client, "window_clerk", window="W01"),
        "case_id": response.json["id"],
    }


@pytest.fixture
def api_schema(request, app, identities):
    if not hasattr(request.node, "_nodeid"):
        # schemathesis 4.32's from_fixture runner reads and rewrites `item._nodeid`, which pytest
        # 9.2 no longer has (the id is `item._id` now): give it the attribute it expects.
        request.node._nodeid = request.node.nodeid
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    existing = {"case_id": identities["case_id"], "code": "transport"}

    @schema.hook
    def before_generate_path_parameters(context, strategy):
        # Half the time a path names a row that exists, so the code past the 404 runs too.
        names = [parameter.name for parameter in context.operation.path_parameters]
        if not names or not set(names) <= set(existing):
            return strategy
        return st.one_of(strategy, st.fixed_dictionaries({n: st.just(existing[n]) for n in names}))

    # flatmap hooks see the plain generated value (before_generate ones may see it wrapped).
    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        return _sometimes_spiked(path_parameters, NUL)

    @schema.hook
    def flatmap_query(context, query):
        return _sometimes_spiked(query, NUL)

    @schema.hook
    def flatmap_body(context, body):
        # A multipart body (an upload) is encoded to UTF-8 by the client before it is sent: like
        # a URL, it cannot carry a lone surrogate.
        if all(b.media_type.startswith("multipart/") for b in context.operation.body):
            return _sometimes_spiked(body, NUL)
        return _sometimes_spiked(body, NUL, LONE_SURROGATE)

    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    # Per operation, on top of Schemathesis' own boundary cases: about 20 s per backend on 2 cores.
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_errors_and_every_4xx_is_the_envelope(case, identities):
    case.call_and_validate(headers=auth(identities["applicant"]), checks=CHECKS)
    if case.operation.path.startswith(CASE_PATHS):
        # The clerk of the case's window sees it and acts on it (accept, request_correction, ...).
        case.call_and_validate(headers=auth(identities["clerk"]), checks=CHECKS)
