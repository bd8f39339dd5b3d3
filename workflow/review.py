"""A case's review route in motion: the stages of its policy version become step rows, opened in
order; a stage completes when all its departments have signed (会签) or any one has (或签).

Pure bookkeeping on the case's steps in memory; the caller applies the transition that goes with
it (workflow/transitions.py) in the same transaction.
"""

from sqlalchemy.orm import Session as OrmSession

from workflow.actors import Actor
from workflow.errors import InvalidInput
from workflow.models import Application, Step
from workflow.models._types import utcnow
from workflow.policies import route_of


def open_first_stage(session: OrmSession, case: Application) -> list[str]:
    """Create the case's steps from its route (the version it started under); open the first
    stage. Returns the departments now asked to review."""
    route = route_of(session, case.policy_code, case.policy_version)
    for stage in route:
        for department in stage.departments:
            session.add(
                Step(
                    application=case,
                    position=stage.position,
                    code=stage.code,
                    sign=stage.sign,
                    working_days=stage.working_days,
                    department_code=department,
                    status="open" if stage.position == 0 else "pending",
                )
            )
    return list(route[0].departments)


def sign_step(
    session: OrmSession, case: Application, step: Step, actor: Actor, comment: str | None
) -> list[str] | None:
    """Pass `step`. Returns the departments of the stage this opens ([] when the stage still
    waits for other signatures), or None when the route is complete."""
    step.status, step.decided_by, step.decided_at, step.comment = (
        "passed", actor.user_id, utcnow(), comment,
    )  # fmt: skip
    stage = [s for s in case.steps if s.position == step.position]
    if step.sign == "all" and any(s.status != "passed" for s in stage):
        return []
    for other in stage:
        if other.status == "open":  # 或签: one signature completes the stage
            other.status = "skipped"
    following = [s for s in case.steps if s.position == step.position + 1]
    if not following:
        return None
    for s in following:
        s.status, s.opened_on = "open", None  # dated as it opens (again, after a return)
    return [s.department_code for s in following]


def return_to_stage(case: Application, step: Step, target_code: str) -> list[str]:
    """Reopen the earlier stage `target_code` and set every stage from it on back to waiting.
    A step keeps its last decision and the day it last opened (so its department still sees the
    case), and the audit trail keeps them all. Returns the departments asked again."""
    target = [s for s in case.steps if s.code == target_code]
    if not target or target[0].position >= step.position:
        earlier = sorted({s.code for s in case.steps if s.position < step.position})
        raise InvalidInput(
            "Return to an earlier step of this case.",
            errors={"to_step": [f"One of: {', '.join(earlier) or 'none (this is the first)'}."]},
        )
    position = target[0].position
    for s in case.steps:
        if s.position >= position:
            s.status = "open" if s.position == position else "pending"
            s.assignee_id = s.due_date = None
    for s in target:
        s.opened_on = None  # dated again as it reopens
    return [s.department_code for s in target]


def end_review(case: Application) -> None:
    """The review ended before its route did (a department rejected, the applicant withdrew):
    the steps still open are nobody's work any more, in no queue and no one's list."""
    for step in case.steps:
        if step.status == "open":
            step.status = "skipped"
