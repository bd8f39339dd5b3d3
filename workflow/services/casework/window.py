"""The window (受理): accept, accept provisionally (容缺受理), ask for a correction (补正),
or refuse."""

from sqlalchemy.orm import Session as OrmSession

from workflow.actors import SYSTEM
from workflow.conditions import case_problems, missing_document
from workflow.deadlines import local_today, set_due_reminder
from workflow.errors import Conflict, InvalidInput
from workflow.lifecycle import Action, Role
from workflow.models import Application
from workflow.policies import case_terms
from workflow.repositories import documents, reference
from workflow.review import open_first_stage
from workflow.services.casework.request import Request, require, take
from workflow.transitions import apply


def accept(session, case, request: Request, role: Role) -> None:
    take(session, case, request, role)
    open_review(session, case)


def accept_provisional(session, case, request: Request, role: Role) -> None:
    terms = case_terms(session, case)
    secondary = {d["code"] for d in terms.required_documents if not d.get("required")}
    documents = require(
        request.documents, "documents", "Name the secondary documents still missing."
    )
    unknown = [code for code in documents if code not in secondary]
    if unknown:
        raise InvalidInput(
            "Only secondary documents may be missing at a provisional acceptance.",
            errors={
                "documents": [f"Not a secondary document of this policy: {', '.join(unknown)}."]
            },
        )
    pledge_due = require(request.date, "date", "Give the date the applicant pledges to bring them.")
    if pledge_due <= local_today():
        raise InvalidInput(
            "The pledge date must be in the future.", errors={"date": ["Must be after today."]}
        )
    case.pledge_documents = list(documents)
    case.pledge_due = pledge_due
    set_due_reminder(session, case, pledge_due)
    take(
        session, case, request, role, data={"documents": documents, "date": pledge_due.isoformat()}
    )
    if pledge_due > case.due_date:  # known once the clock has started
        raise InvalidInput(
            "The pledge date must be no later than the promised date.",
            errors={"date": [f"At the latest {case.due_date.isoformat()}."]},
        )
    open_review(session, case)


def open_review(session: OrmSession, case: Application) -> None:
    departments = open_first_stage(session, case)
    apply(session, case, Action.OPEN_REVIEW, SYSTEM, data={"departments": departments})
    case.assignee_id = None


def request_correction(session, case, request: Request, role: Role) -> None:
    """The notice lists everything at once: the conditions the case fails (as the pre-check
    finds them, required documents not uploaded among them), the clerk's own items and the
    documents the clerk asks for again (an uploaded one that is unreadable, a secondary one)."""
    terms = case_terms(session, case)
    applicant = reference.get_users(session, {case.applicant_id})[case.applicant_id]
    provided = documents.provided_codes(session, [case.id]).get(case.id, set())
    items = case_problems(case, terms, applicant, local_today(), provided)
    items += [dict(item) for item in request.items or []]
    listed = {item["code"] for item in items}
    policy_documents = {d["code"]: d for d in terms.required_documents}
    for code in request.documents or []:
        if code not in policy_documents:
            raise InvalidInput(
                "Unknown document.",
                errors={"documents": [f"Not a document of this policy: {code}."]},
            )
        item = missing_document(policy_documents[code])
        if item["code"] not in listed:
            items.append(item)
            listed.add(item["code"])
    require(items, "items", "List every item to correct at once (items or documents).")
    data = {"items": items}
    if request.date is not None:
        if request.date <= local_today():
            raise InvalidInput(
                "The answer must be due after today.", errors={"date": ["Must be after today."]}
            )
        data["date"] = request.date.isoformat()
    case.correction_items = items
    take(session, case, request, role, data=data)


def not_accept(session, case, request: Request, role: Role) -> None:
    require(request.comment, "comment", "Say why the case is not accepted.")
    case.refer_to = require(request.refer_to, "refer_to", "Say where to apply instead.")
    take(session, case, request, role, data={"refer_to": case.refer_to})


def fulfil_pledge(session, case, request: Request, role: Role) -> None:
    if case.pledge_due is None:
        raise Conflict("The case has no outstanding pledge.")
    documents = case.pledge_documents
    case.pledge_documents, case.pledge_due = [], None
    take(session, case, request, role, data={"documents": documents})
