"""The whole API fuzzed from its own OpenAPI document, in-process through WSGI.

Schemathesis generates requests for every operation in `/openapi.json`, valid and invalid ones,
and sends each without a token and as every role (a real Bearer token each). No response may be
a 5xx, every response must match the schema the document declares for its status, and every 4xx
body must be the one error envelope. Nobody gets past their view: no operation but the public
ones answers 2xx without a token, and the W01 applicant and clerk never get a 2xx for W02's case.

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
from sqlalchemy import delete, insert, select, update

from tests.factories import auth, register, run_precheck, staff, submit_ready, user_id
from workflow.db import Session
from workflow.models import (
    CalendarDay,
    CalendarYear,
    MessageTemplate,
    NotificationRule,
    User,
    Window,
)
from workflow.repositories.calendar import forget_cached_calendar

# The people whose view stops at their own case (the applicant) or window (the W01 clerk).
OURS_ONLY = ("applicant", "clerk")
# Operations that end the caller's session or change an account: sent with a new person's token.
ENDS_SESSIONS = {
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/password"),
    ("PATCH", "/api/v1/admin/users/{user_id}"),
}
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


# Reference data an admin may change through the API, kept whole by the run (later tests rely
# on the seeded rules, words, calendar and webhook-less windows).
ADMIN_EDITED = (NotificationRule, MessageTemplate, CalendarDay, CalendarYear)


@pytest.fixture
def reference_data_kept(app):
    session = Session()
    kept = {
        model: session.execute(select(model.__table__)).mappings().all() for model in ADMIN_EDITED
    }
    hooks = session.execute(select(Window.code, Window.webhook_url, Window.webhook_secret)).all()
    Session.remove()
    yield
    session = Session()
    for model, rows in kept.items():
        session.execute(delete(model.__table__))
        if rows:
            session.execute(insert(model.__table__), [dict(row) for row in rows])
    for code, url, secret in hooks:
        session.execute(
            update(Window).where(Window.code == code).values(webhook_url=url, webhook_secret=secret)
        )
    session.commit()
    Session.remove()
    forget_cached_calendar()


@pytest.fixture
def identities(client, reference_data_kept):
    """Two applicants with a transport case each, routed to W01 ("ours") and W02 ("theirs"),
    and one person of every staff role: the W01 clerk, a transport reviewer, the talent office,
    finance and an admin.

    Schemathesis runs every operation as a subtest of the one pytest test below, so `client`
    (which empties the tables) runs once, and these rows and tokens hold for the whole run.
    """
    applicant, _ = register(client)
    ours = submit_ready(client, applicant, "transport", "W01")
    stranger, _ = register(client)
    theirs = submit_ready(client, stranger, "transport", "W02")
    assert run_precheck()["routed"] == 2
    tokens = {
        "applicant": applicant,
        "clerk": staff(client, "window_clerk", window="W01"),
        "reviewer": staff(client, "reviewer", department="transport"),
        "talent_office": staff(client, "talent_office", department="talent_office"),
        "finance": staff(client, "finance"),
        "admin": staff(client, "admin"),
    }
    ids = [user_id(token) for token in tokens.values()]
    return {
        "client": client,
        "tokens": tokens,
        "snapshot": Session()
        .execute(select(User.__table__).where(User.id.in_(ids)))
        .mappings()
        .all(),
        "case_id": ours.json["id"],
        "other_case_id": theirs.json["id"],
    }


def _restore(identities) -> None:
    """The accounts as they were, so the run's tokens work again after an admin changed one."""
    session = Session()
    for row in identities["snapshot"]:
        session.execute(update(User.__table__).where(User.id == row["id"]).values(**row))
    session.commit()
    Session.remove()


def _throwaway_token(client, role: str) -> str:
    """A new person of this role, for the operations that end the caller's session or change an
    account (a new one each call, so the run's own tokens live on)."""
    if role == "applicant":
        return register(client)[0]
    place = {"clerk": {"window": "W01"}, "reviewer": {"department": "transport"},
             "talent_office": {"department": "talent_office"}}.get(role, {})  # fmt: skip
    return staff(client, "window_clerk" if role == "clerk" else role, **place)


@pytest.fixture
def api_schema(request, app, identities):
    if not hasattr(request.node, "_nodeid"):
        # schemathesis 4.32's from_fixture runner reads and rewrites `item._nodeid`, which pytest
        # 9.2 no longer has (the id is `item._id` now): give it the attribute it expects.
        request.node._nodeid = request.node.nodeid
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    existing = {
        "case_id": [identities["case_id"], identities["other_case_id"]],
        "code": ["transport"],
    }

    @schema.hook
    def before_generate_path_parameters(context, strategy):
        # Half the time a path names a row that exists, so the code past the 404 runs too.
        names = [parameter.name for parameter in context.operation.path_parameters]
        if not names or not set(names) <= set(existing):
            return strategy
        rows = st.fixed_dictionaries({n: st.sampled_from(existing[n]) for n in names})
        return st.one_of(strategy, rows)

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


def _the_operation(case, response) -> bool:
    """The request was the documented operation (Schemathesis also tries other methods on a path,
    such as OPTIONS, which Flask answers for every route)."""
    return response.request.method == case.operation.method.upper()


@schema.parametrize()
@settings(
    # Per operation, on top of Schemathesis' own boundary cases, each sent as all six roles and
    # without a token.
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_errors_and_every_4xx_is_the_envelope(case, identities):
    # Nobody first, with the generated Authorization taken off (a call given headers keeps them
    # on the case), then everyone in every role.
    generated = case.headers or {}
    case.headers = {name: value for name, value in generated.items()
                    if name.lower() != "authorization"}  # fmt: skip
    anonymous = case.call_and_validate(checks=CHECKS)
    if _the_operation(case, anonymous) and case.operation.definition.raw.get("security") != []:
        assert anonymous.status_code >= 400, f"no token, yet {anonymous.status_code}"
    throwaway = (case.operation.method.upper(), case.operation.path) in ENDS_SESSIONS
    for role, token in identities["tokens"].items():
        if throwaway:
            token = _throwaway_token(identities["client"], role)
        answer = case.call_and_validate(headers=auth(token), checks=CHECKS)
        theirs = case.path_parameters.get("case_id") == identities["other_case_id"]
        if role in OURS_ONLY and theirs and _the_operation(case, answer):
            assert answer.status_code >= 400, f"the {role} of W01 reached W02's case: {answer.text}"
    if throwaway:
        _restore(identities)
    # The checks above mean something only while the run's tokens work.
    for role in OURS_ONLY:
        me = identities["client"].get("/api/v1/auth/me", headers=auth(identities["tokens"][role]))
        assert me.status_code == 200, f"the {role}'s token stopped working"
