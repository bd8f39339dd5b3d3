"""Cases: submit, list, read, act on, and read the audit trail."""

from flask import request
from flask.views import MethodView

from api.applications.schemas import (
    ACTION_REQUEST_REF,
    ActionSchema,
    ApplicationCreateSchema,
    ApplicationPageSchema,
    ApplicationQueryArgsSchema,
    ApplicationSchema,
    EventSchema,
)
from api.auth.tokens import current_actor
from api.blueprint import Blueprint
from api.pagination import MAX_ID, decode_cursor, decode_due_cursor, encode_due_cursor, page
from api.throttling import submission_per_applicant
from workflow.db import Session
from workflow.errors import Forbidden, InvalidInput
from workflow.lifecycle import Role
from workflow.repositories import applications
from workflow.repositories.applications import CaseFilter
from workflow.services.casework import act_on_application
from workflow.services.submission import submit_application

blp = Blueprint(
    "applications", __name__, url_prefix="/api/v1/applications", description="Cases (办件)"
)
# Ids past the 32-bit column range are 404 at routing, not a database overflow error.
CASE_ID = f"<int(max={MAX_ID}):case_id>"


def _with_etag(case):
    return case, {"ETag": f'"{case.version}"'}


IDEMPOTENCY_KEY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Makes a retry safe: the same key and body return the first result.",
}


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            "Bad Idempotency-Key.",
            errors={"Idempotency-Key": ["1 to 255 printable ASCII characters, e.g. a UUID."]},
        )
    return key


def _if_match() -> int | None:
    value = request.headers.get("If-Match")
    if not value:
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit() and len(tag) <= 10):
        raise InvalidInput("Bad If-Match.", errors={"If-Match": ["Send the ETag of the case."]})
    return int(tag)


@blp.route("")
class Applications(MethodView):
    @blp.arguments(ApplicationQueryArgsSchema, location="query")
    @blp.response(200, ApplicationPageSchema)
    def get(self, args):
        """The cases you may see: a queue, filtered, newest or soonest due first

        Pass `next_cursor` back as `cursor` (with the same filters and sort) for the next page.
        """
        filters = CaseFilter(
            status=args.get("status"),
            policy_code=args.get("policy_code"),
            window_code=args.get("window_code"),
            department=args.get("department"),
            assignee_id=args.get("assignee"),
            due_before=args.get("due_before"),
            sla=args.get("sla"),
        )
        by_due = args["sort"] == "due_date"
        items = applications.list_visible(
            Session(),
            current_actor(),
            filters,
            limit=args["limit"],
            by_due_date=by_due,
            after_due=decode_due_cursor(args["cursor"]) if by_due else None,
            after_id=None if by_due else decode_cursor(args["cursor"]),
        )
        if by_due:
            return page(items, args["limit"], lambda c: encode_due_cursor(c.due_date, c.id))
        return page(items, args["limit"])

    @submission_per_applicant
    @blp.arguments(ApplicationCreateSchema)
    @blp.response(201, ApplicationSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY_HEADER])
    def post(self, args):
        """Apply for a policy at a window; the case is pre-checked and routed in the background

        Send an `Idempotency-Key` header (a UUID) to make retrying safe: the same key with the
        same body returns the case the first request created, with `Idempotent-Replayed: true`.
        """
        actor = current_actor()
        if actor.role != Role.APPLICANT:
            raise Forbidden("Only applicants submit applications.")
        submitted = submit_application(actor, **args, idempotency_key=_idempotency_key())
        case, headers = _with_etag(submitted.case)
        if submitted.replayed:
            headers["Idempotent-Replayed"] = "true"
        return case, headers


@blp.route(f"/{CASE_ID}")
class ApplicationById(MethodView):
    @blp.response(200, ApplicationSchema)
    def get(self, case_id):
        """One case, with an ETag for If-Match"""
        return _with_etag(applications.get_visible(Session(), current_actor(), case_id))


IF_MATCH_HEADER = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string", "maxLength": 64},
    "description": "The case's ETag: missing is 428, stale is 412 (someone acted first).",
}


@blp.route(f"/{CASE_ID}/actions")
class ApplicationActions(MethodView):
    @blp.arguments(ActionSchema)
    @blp.response(200, ApplicationSchema)
    @blp.doc(
        parameters=[IF_MATCH_HEADER],
        requestBody={"content": {"application/json": {"schema": {"$ref": ACTION_REQUEST_REF}}}},
    )
    def post(self, args, case_id):
        """Act on a case

        The body names the action and carries what that action needs (each alternative of the
        body's `oneOf` lists one action's fields). An action not allowed in the case's status is
        409, naming both; a role that may never take it is 403.
        """
        case = act_on_application(current_actor(), case_id, expected_version=_if_match(), **args)
        return _with_etag(case)


@blp.route(f"/{CASE_ID}/events")
class ApplicationEvents(MethodView):
    @blp.response(200, EventSchema(many=True))
    def get(self, case_id):
        """The case's audit trail, oldest first"""
        session = Session()
        case = applications.get_visible(session, current_actor(), case_id)
        return applications.list_events(session, case.id)
