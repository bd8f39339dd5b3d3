"""The applicant (or a clerk on their behalf): submit a draft, resubmit, rate; and an admin's
retry."""

from workflow.deadlines import RECTIFICATION_WORKING_DAYS, local_today, working_days_after
from workflow.forms import clean_form
from workflow.lifecycle import Role
from workflow.models import RectificationTask
from workflow.policies import case_terms, policy_terms
from workflow.services.casework.request import Request, require, take


def submit_draft(session, case, request: Request, role: Role) -> None:
    """A case is filed under the terms in force when it is submitted, and a draft may have waited
    through a new version of the policy: its form (or the one sent with the action) is checked
    against the current terms, and the case takes their version. A form they no longer accept is
    a 422 naming the fields, and the draft stays as it was."""
    terms = policy_terms(session, case.policy_code)
    if request.form is not None or terms.version != case.policy_version:
        form = case.form if request.form is None else request.form
        case.form = clean_form(terms.form_fields, form)
        case.policy_version = terms.version
    take(session, case, request, role, data={"form": case.form})


def resubmit(session, case, request: Request, role: Role) -> None:
    """With a corrected form (on the form the case was filed on), or without one when only
    documents were missing (uploaded since)."""
    if request.form is not None:
        case.form = clean_form(case_terms(session, case).form_fields, request.form)
    case.correction_items, case.correction_due = [], None
    case.automatic_failures = 0
    take(session, case, request, role, data={"form": case.form})


def rate(session, case, request: Request, role: Role) -> None:
    rating = require(request.rating, "rating", "Rate the service from 1 to 5.")
    case.rating = rating
    take(session, case, request, role, data={"rating": rating})
    if rating <= 2:  # a bad rating: the window owes a rectification (整改)
        due = working_days_after(session, local_today(), RECTIFICATION_WORKING_DAYS)
        session.add(
            RectificationTask(
                application_id=case.id, window_code=case.window_code, rating=rating, due_date=due
            )
        )


def retry(session, case, request: Request, role: Role) -> None:
    case.automatic_failures = 0
    take(session, case, request, role, data={"last_failure": case.last_failure})
