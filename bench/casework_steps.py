"""Our side of measurement 6: a six-step route through `act_on_application`, the service the API's
POST /api/v1/applications/<id>/actions calls, in this process, one step per transaction.

The route is the one bench/steps.py seeds for STEP_POLICY: review by one department, a sign-off
by three departments who must all sign (会签), approval by the talent office. With the window's
acceptance that is six steps per case. The cases are made beforehand by the real services: the
applicant's submission, then the pre-check (in-process), which routes them to the window.

`StepTimer` also counts the time spent inside `workflow.transitions.apply` (the one transition
function), in `write_pending` (the rows apply() queued, written when the step commits) and in
loading the locked case (`applications.get_visible`).
"""

import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType

from sqlalchemy import select

from bench.documents import provide_documents
from bench.fixtures import PASSWORD, WINDOW, Identities, insert_applicants
from workflow import transitions
from workflow.actors import Actor
from workflow.db import Session
from workflow.lifecycle import Role, Status
from workflow.models import Application, OutboxMessage
from workflow.repositories import applications
from workflow.services.accounts import create_staff_user
from workflow.services.casework import act_on_application
from workflow.services.precheck import precheck_cases
from workflow.services.submission import submit_application
from workflow.transitions import write_pending

STEP_POLICY = "housing"
REVIEW = "housing"
SIGN_OFF = ("finance", "organisation", "hr_social_security")
APPROVAL = "talent_office"
PRECHECK_BATCH = 50


@dataclass(frozen=True)
class Staff:
    clerk: Actor
    reviewers: tuple[Actor, ...]  # in the order they act: review, the three signatures, approval


def create_staff(tag: str) -> Staff:
    def make(username: str, role: Role, **where) -> Actor:
        user = create_staff_user(f"bench-{tag}-{username}", PASSWORD, str(role), **where)
        return Actor(user.id, role, user.window_code, user.department_code)

    clerk = make("clerk", Role.WINDOW_CLERK, window_code=WINDOW)
    reviewers = tuple(
        make(department, Role.REVIEWER, department_code=department)
        for department in (REVIEW, *SIGN_OFF, APPROVAL)
    )
    Session.remove()
    return Staff(clerk, reviewers)


def cases_at_window(count: int, form: dict) -> list[tuple[int, int]]:
    """`count` cases of STEP_POLICY waiting at the window: (id, version) each."""
    applicant_ids = insert_applicants(count, Identities())
    mark = Session().scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1))
    submitted = []
    for user_id in applicant_ids:
        case = submit_application(Actor(user_id, Role.APPLICANT), STEP_POLICY, WINDOW, form).case
        submitted.append((case.id, user_id))
        Session.remove()
    provide_documents(submitted, STEP_POLICY)
    outbox_ids = list(
        Session().scalars(select(OutboxMessage.id).where(OutboxMessage.id > (mark or 0)))
    )
    Session.remove()
    for start in range(0, len(outbox_ids), PRECHECK_BATCH):
        precheck_cases(outbox_ids[start : start + PRECHECK_BATCH])
        Session.remove()
    cases = Session().execute(
        select(Application.id, Application.version, Application.status).where(
            Application.applicant_id.in_(applicant_ids)
        )
    )
    made = [(row.id, row.version) for row in cases if row.status == Status.AT_WINDOW]
    Session.remove()
    if len(made) != count:
        raise RuntimeError(f"only {len(made)} of {count} step cases reached the window")
    return sorted(made)


def run_case(staff: Staff, case_id: int, version: int) -> list[float]:
    """The six steps of one case; the seconds each took (the session's removal included, as
    the API removes it after every request)."""
    steps = [(staff.clerk, "accept")] + [(reviewer, "approve_step") for reviewer in staff.reviewers]
    took = []
    for actor, action in steps:
        began = time.perf_counter()
        case = act_on_application(actor, case_id, version, action)
        version, status = case.version, case.status
        Session.remove()
        took.append(time.perf_counter() - began)
    if status != Status.APPROVED:
        raise RuntimeError(f"step case {case_id} ended {status}, not approved")
    return took


class StepTimer:
    """Time spent inside the functions a step's cost is read from, each counted once however
    they nest: apply() (the one transition function), write_pending() (the rows apply() queued,
    written at commit) and get_visible() (the case and its steps, locked, in one statement)."""

    FUNCTIONS = {
        "apply": transitions.apply,
        "write_pending": write_pending,
        "get_visible": applications.get_visible,
    }

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(self.FUNCTIONS, 0.0)
        self.calls = dict.fromkeys(self.FUNCTIONS, 0)
        self._depth = 0

    def _timed(self, name: str, function):
        def timed(*args, **kwargs):
            if self._depth:
                return function(*args, **kwargs)
            self._depth += 1
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - began
                self.calls[name] += 1
                self._depth -= 1

        return timed

    @contextmanager
    def installed(self):
        """Each workflow module calls these by the name it imported or defined (apply() from
        the casework handlers, write_pending() from the commit hook in its own module): every
        such name points at the timed version for the duration."""
        replaced = []
        for name, function in self.FUNCTIONS.items():
            timed = self._timed(name, function)
            for module in _holders(function):
                replaced.append((module, function.__name__, function))
                setattr(module, function.__name__, timed)
        try:
            yield self
        finally:
            for module, attribute, function in replaced:
                setattr(module, attribute, function)


def _holders(function) -> list[ModuleType]:
    return [
        module
        for name, module in list(sys.modules.items())
        if (name == "workflow" or name.startswith("workflow."))
        and getattr(module, function.__name__, None) is function
    ]
